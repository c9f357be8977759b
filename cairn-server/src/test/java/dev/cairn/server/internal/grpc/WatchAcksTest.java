package dev.cairn.server.internal.grpc;

import static dev.cairn.server.internal.grpc.Fixtures.register;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.proto.v1.AwaitDrainedRequest;
import dev.cairn.proto.v1.AwaitDrainedResponse;
import dev.cairn.proto.v1.DeregisterRequest;
import dev.cairn.proto.v1.PendingWatcher;
import dev.cairn.proto.v1.ServiceSnapshot;
import dev.cairn.proto.v1.WatchAck;
import dev.cairn.proto.v1.WatchClientMessage;
import dev.cairn.proto.v1.WatchRequest;
import dev.cairn.proto.v1.WatchResponse;
import dev.cairn.server.core.RegistryOptions;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Resumed watches against a small event history, and watch acknowledgements counted by
 * AwaitDrained, over real loopback connections.
 */
class WatchAcksTest {

  private final TestServer t =
      TestServer.start(
          b ->
              b.registryOptions(RegistryOptions.builder().watchHistory(3, Long.MAX_VALUE).build()));

  @AfterEach
  void close() {
    t.close();
  }

  /** A WatchWithAcks stream: the recorder and the client's side of the stream. */
  private record AckedWatch(
      StreamRecorder<WatchClientMessage, WatchResponse> in,
      StreamObserver<WatchClientMessage> out) {
    void ack(long revision) {
      out.onNext(
          WatchClientMessage.newBuilder()
              .setAck(WatchAck.newBuilder().setRevision(revision))
              .build());
    }
  }

  private AckedWatch watchWithAcks(String service, long from) {
    StreamRecorder<WatchClientMessage, WatchResponse> in = StreamRecorder.create();
    StreamObserver<WatchClientMessage> out = t.async.watchWithAcks(in);
    out.onNext(
        WatchClientMessage.newBuilder()
            .setWatch(WatchRequest.newBuilder().setService(service).setFromRevision(from))
            .build());
    return new AckedWatch(in, out);
  }

  private long deregister(String id) {
    return t.blocking
        .deregister(DeregisterRequest.newBuilder().setService("web").setInstanceId(id).build())
        .getRevision();
  }

  private AwaitDrainedResponse awaitDrained(long revision, long timeoutMillis) {
    return t.blocking.awaitDrained(
        AwaitDrainedRequest.newBuilder()
            .setService("web")
            .setRevision(revision)
            .setTimeoutMillis(timeoutMillis)
            .build());
  }

  @Test
  void aResumeOlderThanTheHistoryGetsACompactedSnapshot() {
    long seen = t.blocking.register(register("web", "web-1")).getRevision();
    for (int i = 2; i <= 6; i++) {
      t.blocking.register(register("web", "web-" + i));
    }
    StreamRecorder<WatchRequest, WatchResponse> w = StreamRecorder.create();
    t.async.watch(WatchRequest.newBuilder().setService("web").setFromRevision(seen).build(), w);

    WatchResponse first = w.next();
    assertThat(first.getSnapshot().getReason()).isEqualTo(ServiceSnapshot.Reason.COMPACTED);
    assertThat(first.getSnapshot().getCompactRevision()).isEqualTo(seen + 2); // keeps the last 3
    assertThat(first.getSnapshot().getInstancesCount()).isEqualTo(6);
  }

  @Test
  void aRevisionOfAnotherRegistryIsNotResumedFrom() {
    t.blocking.register(register("web", "web-1"));
    long seen = t.blocking.register(register("web", "web-2")).getRevision();
    StreamRecorder<WatchRequest, WatchResponse> first = StreamRecorder.create();
    t.async.watch(WatchRequest.newBuilder().setService("web").build(), first);
    String id = first.next().getRegistryId();
    assertThat(id).isEqualTo(t.registry().historyId()).isNotEmpty();

    StreamRecorder<WatchRequest, WatchResponse> same = StreamRecorder.create();
    t.async.watch(
        WatchRequest.newBuilder().setService("web").setFromRevision(seen).setRegistryId(id).build(),
        same);
    WatchResponse resumed = same.next();
    assertThat(resumed.hasResumed()).isTrue();
    assertThat(resumed.getRegistryId()).isEqualTo(id);

    StreamRecorder<WatchRequest, WatchResponse> other = StreamRecorder.create();
    t.async.watch(
        WatchRequest.newBuilder()
            .setService("web")
            .setFromRevision(seen)
            .setRegistryId("another-registry")
            .build(),
        other);
    WatchResponse snapshot = other.next();
    assertThat(snapshot.getSnapshot().getReason()).isEqualTo(ServiceSnapshot.Reason.INITIAL);
    assertThat(snapshot.getSnapshot().getInstancesCount()).isEqualTo(2);
  }

  @Test
  void aDrainWaitsForTheAcknowledgementsAndNamesTheWatcherThatNeverSendsOne() {
    long r1 = t.blocking.register(register("web", "web-1")).getRevision();
    t.blocking.register(register("web", "web-2"));
    AckedWatch good = watchWithAcks("web", 0);
    AckedWatch silent = watchWithAcks("web", 0);
    StreamRecorder<WatchRequest, WatchResponse> plain = StreamRecorder.create();
    t.async.watch(WatchRequest.newBuilder().setService("web").build(), plain);
    long snapshot = good.in().next().getRevision();
    good.ack(snapshot);
    silent.in().next();
    plain.next();

    long removal = deregister("web-1");
    assertThat(good.in().next().getRevision()).isEqualTo(removal);
    assertThat(silent.in().next().getRevision()).isEqualTo(removal);
    good.ack(removal);

    AwaitDrainedResponse report = awaitDrained(removal, 300);
    assertThat(report.getDrained()).isFalse();
    assertThat(report.getRevision()).isEqualTo(removal);
    assertThat(report.getWatchers()).isEqualTo(3);
    // The plain watch counts once the server wrote the removal; the silent one never acked.
    assertThat(report.getPendingList()).hasSize(1);
    PendingWatcher pending = report.getPending(0);
    assertThat(pending.getWatcher()).startsWith("grpc 127.0.0.1:").endsWith("(acks)");
    assertThat(pending.getAcknowledged()).isZero();

    silent.ack(removal);
    AwaitDrainedResponse after = awaitDrained(removal, 30_000);
    assertThat(after.getDrained()).isTrue();
    assertThat(after.getPendingList()).isEmpty();
    assertThat(r1).isLessThan(removal);
  }

  @Test
  void aDrainAnswersAsSoonAsTheLastAcknowledgementArrives() throws Exception {
    t.blocking.register(register("web", "web-1"));
    AckedWatch w = watchWithAcks("web", 0);
    w.ack(w.in().next().getRevision());
    long removal = deregister("web-1");

    StreamRecorder<AwaitDrainedRequest, AwaitDrainedResponse> drain = StreamRecorder.create();
    t.async.awaitDrained(
        AwaitDrainedRequest.newBuilder()
            .setService("web")
            .setRevision(removal)
            .setTimeoutMillis(60_000)
            .build(),
        drain);
    assertThat(w.in().next().getRevision()).isEqualTo(removal);
    w.ack(removal);
    AwaitDrainedResponse report = drain.next();
    assertThat(report.getDrained()).isTrue();
    assertThat(report.getWaitedMillis()).isLessThan(60_000);
  }

  @Test
  void anAckBeyondWhatWasSentEndsTheStream() {
    t.blocking.register(register("web", "web-1"));
    AckedWatch w = watchWithAcks("web", 0);
    long sent = w.in().next().getRevision();
    w.ack(sent + 5);
    Status end = w.in().awaitEnd();
    assertThat(end.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(end.getDescription()).contains("ack.revision").contains(String.valueOf(sent + 5));
  }

  @Test
  void anAckBeforeTheWatchRequestEndsTheStream() {
    StreamRecorder<WatchClientMessage, WatchResponse> in = StreamRecorder.create();
    t.async
        .watchWithAcks(in)
        .onNext(
            WatchClientMessage.newBuilder().setAck(WatchAck.newBuilder().setRevision(1)).build());
    Status end = in.awaitEnd();
    assertThat(end.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(end.getDescription()).contains("ack");
  }

  @Test
  void badDrainArgumentsAreInvalidArgument() {
    Assertions.assertThatThrownBy(() -> awaitDrained(0, 100))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).contains("revision");
            });
    Assertions.assertThatThrownBy(() -> awaitDrained(1, -1))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getDescription()).contains("timeout_millis"));
  }
}
