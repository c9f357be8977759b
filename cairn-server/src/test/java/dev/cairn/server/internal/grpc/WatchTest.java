package dev.cairn.server.internal.grpc;

import static dev.cairn.server.internal.grpc.Fixtures.instance;
import static dev.cairn.server.internal.grpc.Fixtures.register;
import static dev.cairn.server.internal.grpc.Fixtures.withBulk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Limits;
import dev.cairn.proto.v1.DeregisterRequest;
import dev.cairn.proto.v1.Health;
import dev.cairn.proto.v1.RegisterRequest;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.proto.v1.ServiceSnapshot;
import dev.cairn.proto.v1.WatchEvent;
import dev.cairn.proto.v1.WatchRequest;
import dev.cairn.proto.v1.WatchResponse;
import dev.cairn.server.core.RegistryOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The {@code Watch} stream over real loopback connections. */
class WatchTest {

  private static final int BUFFER_EVENTS = 32;

  private final TestServer t =
      TestServer.start(
          b ->
              b.registryOptions(
                  RegistryOptions.builder().watchBufferEvents(BUFFER_EVENTS).build()));

  @AfterEach
  void close() {
    t.close();
  }

  @Test
  void startsWithASnapshotThenBatchesEvents() {
    long r1 = t.blocking.register(register("web", "web-1")).getRevision();
    StreamRecorder<WatchRequest, WatchResponse> watch = watch("web", 0);

    WatchResponse first = watch.next();
    assertThat(first.getRevision()).isEqualTo(r1);
    assertThat(first.getSnapshot().getReason()).isEqualTo(ServiceSnapshot.Reason.INITIAL);
    assertThat(first.getSnapshot().getInstancesList())
        .extracting(dev.cairn.proto.v1.Instance::getId)
        .containsExactly("web-1");

    long r2 = t.blocking.register(register("web", "web-2")).getRevision();
    assertThat(events(watch.next())).containsExactly("ADDED web-2@" + r2);

    long r3 =
        t.blocking
            .register(
                RegisterRequest.newBuilder()
                    .setInstance(instance("web", "web-1").setHealth(Health.CRITICAL))
                    .build())
            .getRevision();
    WatchResponse updated = watch.next();
    assertThat(events(updated)).containsExactly("UPDATED web-1@" + r3);
    assertThat(updated.getRevision()).isEqualTo(r3);
    assertThat(updated.getEvents().getEvents(0).getInstance().getHealth())
        .isEqualTo(Health.CRITICAL);

    long r4 =
        t.blocking
            .deregister(
                DeregisterRequest.newBuilder().setService("web").setInstanceId("web-2").build())
            .getRevision();
    assertThat(events(watch.next())).containsExactly("REMOVED web-2@" + r4);
  }

  @Test
  void resumedFromTheLatestRevisionDeliversOnlyLaterEvents() {
    t.blocking.register(register("web", "web-1"));
    long seen = t.blocking.register(register("web", "web-2")).getRevision();

    StreamRecorder<WatchRequest, WatchResponse> watch = watch("web", seen);
    // Nothing changed since: the watch says it is live, with nothing to replay.
    WatchResponse resumed = watch.next();
    assertThat(resumed.hasResumed()).isTrue();
    assertThat(resumed.getResumed().getEventsList()).isEmpty();
    assertThat(resumed.getRevision()).isEqualTo(seen);
    long r3 = t.blocking.register(register("web", "web-3")).getRevision();

    WatchResponse next = watch.next();
    assertThat(next.hasSnapshot()).isFalse();
    assertThat(events(next)).containsExactly("ADDED web-3@" + r3);
  }

  @Test
  void resumedFromARevisionTheServiceChangedSinceReplaysTheChanges() {
    long seen = t.blocking.register(register("web", "web-1")).getRevision();
    long r2 = t.blocking.register(register("web", "web-2")).getRevision();

    WatchResponse first = watch("web", seen).next();

    assertThat(first.hasResumed()).isTrue();
    assertThat(first.getRevision()).isEqualTo(r2);
    assertThat(first.getResumed().getEventsList())
        .extracting(e -> e.getType() + " " + e.getInstance().getId() + "@" + e.getRevision())
        .containsExactly("ADDED web-2@" + r2);
  }

  @Test
  void aFutureRevisionIsInvalidArgument() {
    long revision = t.blocking.register(register("web", "web-1")).getRevision();

    StreamRecorder<WatchRequest, WatchResponse> watch = watch("web", revision + 10);

    Status end = watch.awaitEnd();
    assertThat(end.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(end.getDescription()).contains(String.valueOf(revision + 10));
    assertThat(watch.drain()).isEmpty();
    assertThat(t.registry().watcherCount()).isZero();
  }

  @Test
  void anEmptyServiceWatchesTheServiceList() {
    t.blocking.register(register("web", "web-1"));
    StreamRecorder<WatchRequest, WatchResponse> watch = watch("", 0);

    assertThat(watch.next().getServices().getServicesList())
        .extracting(s -> s.getName())
        .containsExactly("web");

    long r2 = t.blocking.register(register("db", "db-1")).getRevision();
    WatchResponse next = watch.next();
    assertThat(next.getRevision()).isEqualTo(r2);
    assertThat(next.getServices().getServicesList())
        .extracting(s -> s.getName())
        .containsExactly("db", "web");
  }

  @Test
  void cancellingTheCallClosesTheWatch() {
    StreamRecorder<WatchRequest, WatchResponse> watch = watch("web", 0);
    watch.next();
    assertThat(t.registry().watcherCount()).isEqualTo(1);

    watch.call().cancel("test is done", null);

    await().atMost(Duration.ofSeconds(10)).until(() -> t.registry().watcherCount() == 0);
  }

  @Test
  void closingTheServerEndsWatchesWithUnavailable() {
    StreamRecorder<WatchRequest, WatchResponse> watch = watch("web", 0);
    watch.next();

    t.server.close();

    assertThat(watch.awaitEnd().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
  }

  /**
   * A watcher that stops reading fills its HTTP/2 window, then the server's buffer; its queued
   * events overflow and it is resynced with one snapshot once it reads again. Meanwhile another
   * watcher of the same service gets every event.
   */
  @Test
  void aWatcherThatDoesNotReadIsResyncedAndOthersKeepGettingEvents() {
    // A small window makes the slow connection stall after a few events.
    ManagedChannel slowChannel = t.newChannel(b -> b.flowControlWindow(64 * 1024));
    StreamRecorder<WatchRequest, WatchResponse> slow = StreamRecorder.manual(1);
    RegistryGrpc.newStub(slowChannel).watch(request("web", 0), slow);
    StreamRecorder<WatchRequest, WatchResponse> fast = watch("web", 0);
    assertThat(slow.next().hasSnapshot()).isTrue();
    assertThat(fast.next().hasSnapshot()).isTrue();

    // ~2 KB per event: the slow watcher stalls after ~50 events, then overflows its buffer.
    int count = 200;
    for (int i = 0; i < count; i++) {
      t.blocking.register(
          RegisterRequest.newBuilder()
              .setInstance(withBulk(instance("web", "web-" + i), 2000))
              .build());
    }

    List<WatchResponse> fastSeen =
        fast.nextUntil(m -> countEvents(List.of(m)) > 0 && lastId(m).equals("web-" + (count - 1)));
    assertThat(fastSeen).noneMatch(WatchResponse::hasSnapshot);
    assertThat(countEvents(fastSeen)).isEqualTo(count);

    slow.call().request(Integer.MAX_VALUE);
    List<WatchResponse> slowSeen =
        slow.nextUntil(
            m -> m.hasSnapshot() && m.getSnapshot().getReason() == ServiceSnapshot.Reason.RESYNC);
    assertThat(countEvents(slowSeen)).isLessThan(count);
    assertThat(ids(slowSeen.get(slowSeen.size() - 1))).hasSize(count);
  }

  @Test
  void watchesPerConnectionAreLimited() {
    int max = Limits.MAX_WATCHES_PER_CONNECTION;
    List<StreamRecorder<WatchRequest, WatchResponse>> watches = new ArrayList<>();
    for (int i = 0; i < max; i++) {
      StreamRecorder<WatchRequest, WatchResponse> w = watch("web", 0);
      watches.add(w);
    }
    for (StreamRecorder<WatchRequest, WatchResponse> w : watches) {
      assertThat(w.next().hasSnapshot()).isTrue();
    }

    StreamRecorder<WatchRequest, WatchResponse> tooMany = watch("web", 0);
    Status end = tooMany.awaitEnd();
    assertThat(end.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(end.getDescription()).contains(String.valueOf(max));

    // Another connection has its own quota.
    StreamRecorder<WatchRequest, WatchResponse> elsewhere = StreamRecorder.create();
    RegistryGrpc.newStub(t.newChannel()).watch(request("web", 0), elsewhere);
    assertThat(elsewhere.next().hasSnapshot()).isTrue();

    // A cancelled watch gives its slot back.
    watches.get(0).call().cancel("done", null);
    await().atMost(Duration.ofSeconds(10)).until(() -> t.registry().watcherCount() == max);
    StreamRecorder<WatchRequest, WatchResponse> again = watch("web", 0);
    assertThat(again.next().hasSnapshot()).isTrue();
  }

  private StreamRecorder<WatchRequest, WatchResponse> watch(String service, long from) {
    StreamRecorder<WatchRequest, WatchResponse> r = StreamRecorder.create();
    t.async.watch(request(service, from), r);
    return r;
  }

  private static WatchRequest request(String service, long from) {
    return WatchRequest.newBuilder().setService(service).setFromRevision(from).build();
  }

  private static List<String> events(WatchResponse m) {
    List<String> out = new ArrayList<>();
    for (WatchEvent e : m.getEvents().getEventsList()) {
      out.add(e.getType() + " " + e.getInstance().getId() + "@" + e.getRevision());
    }
    return out;
  }

  private static int countEvents(List<WatchResponse> messages) {
    return messages.stream().mapToInt(m -> m.getEvents().getEventsCount()).sum();
  }

  private static String lastId(WatchResponse m) {
    List<WatchEvent> es = m.getEvents().getEventsList();
    return es.get(es.size() - 1).getInstance().getId();
  }

  private static TreeSet<String> ids(WatchResponse snapshot) {
    TreeSet<String> ids = new TreeSet<>();
    snapshot.getSnapshot().getInstancesList().forEach(i -> ids.add(i.getId()));
    return ids;
  }
}
