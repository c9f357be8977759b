package dev.cairn.server.internal.grpc;

import static dev.cairn.server.internal.grpc.Fixtures.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.ErrorCode;
import dev.cairn.proto.v1.CloseSession;
import dev.cairn.proto.v1.DeregisterInstance;
import dev.cairn.proto.v1.InstanceKind;
import dev.cairn.proto.v1.KeepAlive;
import dev.cairn.proto.v1.OpenSession;
import dev.cairn.proto.v1.RegisterInstance;
import dev.cairn.proto.v1.RequestResult;
import dev.cairn.proto.v1.SessionOpened;
import dev.cairn.proto.v1.SessionRequest;
import dev.cairn.proto.v1.SessionResponse;
import dev.cairn.proto.v1.WatchEvent;
import dev.cairn.proto.v1.WatchRequest;
import dev.cairn.proto.v1.WatchResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code Session} stream over real loopback connections. */
class SessionStreamTest {

  private TestServer t = TestServer.start();

  @AfterEach
  void close() {
    t.close();
  }

  @Test
  void opensRegistersKeepsAliveDeregistersAndCloses() {
    Stream s = new Stream();
    SessionOpened opened = s.open(OpenSession.newBuilder().setClientName("test"));
    assertThat(opened.getSessionId()).isNotEmpty();
    assertThat(opened.getTtlMillis()).isEqualTo(10_000);
    assertThat(opened.getResumed()).isFalse();

    RequestResult registered = s.register(7, "web-1");
    assertThat(registered.getRequestId()).isEqualTo(7);
    assertThat(registered.getErrorCode()).isZero();
    assertThat(registered.getRevision()).isEqualTo(t.registry().revision());
    assertThat(registered.getInstanceId()).isEqualTo("web-1");
    assertThat(registered.getCreateRevision()).isEqualTo(registered.getRevision());
    assertThat(t.registry().service("default", "web").instances())
        .singleElement()
        .satisfies(
            i -> {
              assertThat(i.sessionId()).isEqualTo(opened.getSessionId());
              assertThat(i.kind()).isEqualTo(dev.cairn.common.InstanceKind.EPHEMERAL);
            });

    s.send(SessionRequest.newBuilder().setKeepAlive(KeepAlive.getDefaultInstance()));
    assertThat(s.responses.next().getKeepAliveAck().getTtlMillis()).isEqualTo(10_000);

    s.send(
        SessionRequest.newBuilder()
            .setDeregister(
                DeregisterInstance.newBuilder()
                    .setRequestId(8)
                    .setService("web")
                    .setInstanceId("web-1")));
    RequestResult deregistered = s.responses.next().getResult();
    assertThat(deregistered.getRequestId()).isEqualTo(8);
    assertThat(deregistered.getErrorCode()).isZero();
    assertThat(t.registry().service("default", "web").instances()).isEmpty();

    s.register(9, "web-2");
    s.send(SessionRequest.newBuilder().setClose(CloseSession.getDefaultInstance()));

    assertThat(s.responses.awaitEnd().getCode()).isEqualTo(Status.Code.OK);
    assertThat(t.registry().sessionCount()).isZero();
    assertThat(t.registry().service("default", "web").instances()).isEmpty();
  }

  @Test
  void theAuditNamesTheStreamsSessionAndClientForEachWrite() {
    Stream s = new Stream();
    SessionOpened opened = s.open(OpenSession.newBuilder().setClientName("test"));
    s.register(1, "web-1");
    s.send(SessionRequest.newBuilder().setClose(CloseSession.getDefaultInstance()));
    assertThat(s.responses.awaitEnd().getCode()).isEqualTo(Status.Code.OK);

    List<dev.cairn.server.core.AuditEntry> audit = t.registry().audit(null, null, 10);
    assertThat(audit)
        .extracting(dev.cairn.server.core.AuditEntry::operation)
        .containsExactly("close-session", "register", "open-session");
    for (dev.cairn.server.core.AuditEntry e : audit) {
      assertThat(e.author().sessionId()).isEqualTo(opened.getSessionId());
      assertThat(e.author().remoteAddress()).startsWith("127.0.0.1:");
      assertThat(e.author().accessorId()).isEmpty();
    }
    assertThat(audit.get(1).target()).isEqualTo("web-1");
  }

  @Test
  void resultsNameTheIdAndRevisionsTheServerAssigned() {
    Stream s = new Stream();
    s.open(OpenSession.newBuilder().setClientName("test"));
    RequestResult first = s.register(1, "web-1");

    RequestResult updated =
        s.register(
            RegisterInstance.newBuilder().setInstance(instance("web", "web-1").setZone("b")), 2);
    assertThat(updated.getInstanceId()).isEqualTo("web-1");
    assertThat(updated.getCreateRevision()).isEqualTo(first.getRevision());
    assertThat(updated.getRevision()).isGreaterThan(first.getRevision());

    RequestResult generated =
        s.register(RegisterInstance.newBuilder().setInstance(instance("web", "")), 3);
    assertThat(generated.getErrorMessage()).isEmpty();
    assertThat(generated.getInstanceId()).isNotEmpty();
    assertThat(t.registry().service("default", "web").instances())
        .extracting(dev.cairn.common.Instance::id)
        .containsExactlyInAnyOrder("web-1", generated.getInstanceId());
  }

  @Test
  void pipelinedRequestsBeyondTheInFlightLimitAreAllAnswered() {
    Stream s = new Stream();
    int count = SessionCall.MAX_IN_FLIGHT * 2 + 1;

    // Everything sent at once, before the session is even opened.
    s.send(SessionRequest.newBuilder().setOpen(OpenSession.getDefaultInstance()));
    for (int i = 0; i < count; i++) {
      s.send(
          SessionRequest.newBuilder()
              .setRegister(
                  RegisterInstance.newBuilder()
                      .setRequestId(i)
                      .setInstance(instance("web", "web-" + i))));
    }
    s.send(SessionRequest.newBuilder().setClose(CloseSession.getDefaultInstance()));

    assertThat(s.responses.next().hasOpened()).isTrue();
    java.util.Set<Long> answered = new java.util.TreeSet<>();
    int messages = 0;
    while (answered.size() < count) {
      SessionResponse response = s.responses.next();
      messages++;
      java.util.List<RequestResult> results =
          response.hasResults()
              ? response.getResults().getResultsList()
              : List.of(response.getResult());
      for (RequestResult r : results) {
        assertThat(r.getErrorMessage()).isEmpty();
        assertThat(answered.add(r.getRequestId())).as("answered twice: %s", r).isTrue();
      }
    }
    assertThat(answered).hasSize(count);
    // Requests applied together are answered together.
    assertThat(messages).isLessThan(count);
    assertThat(s.responses.awaitEnd().getCode()).isEqualTo(Status.Code.OK);
    assertThat(t.registry().service("default", "web").instances()).isEmpty();
    assertThat(t.registry().sessionCount()).isZero();
  }

  @Test
  void aRemovalSentRightBehindItsRegistrationIsNotRefused() {
    Stream s = new Stream();
    s.open(OpenSession.newBuilder());

    // Neither waits for its answer: the removal reaches the registry before the registration is
    // applied, and acts for the stream's own session all the same.
    for (int i = 0; i < 20; i++) {
      s.send(
          SessionRequest.newBuilder()
              .setRegister(
                  RegisterInstance.newBuilder()
                      .setRequestId(2 * i)
                      .setInstance(instance("web", "w" + i))));
      s.send(
          SessionRequest.newBuilder()
              .setDeregister(
                  DeregisterInstance.newBuilder()
                      .setRequestId(2 * i + 1)
                      .setService("web")
                      .setInstanceId("w" + i)));
    }

    java.util.Map<Long, RequestResult> answered = new java.util.TreeMap<>();
    while (answered.size() < 40) {
      SessionResponse response = s.responses.next();
      for (RequestResult r :
          response.hasResults()
              ? response.getResults().getResultsList()
              : List.of(response.getResult())) {
        answered.put(r.getRequestId(), r);
      }
    }
    assertThat(answered.values()).allSatisfy(r -> assertThat(r.getErrorMessage()).isEmpty());
    assertThat(t.registry().service("default", "web").instances()).isEmpty();
  }

  @Test
  void aCancelledStreamTakesItsInstancesAwayAtOnce() {
    Stream s = new Stream();
    s.open(OpenSession.newBuilder());
    s.register(1, "web-1");

    s.responses.call().cancel("client killed", null);

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> t.registry().service("default", "web").instances().isEmpty());
    assertThat(t.registry().sessionCount()).isZero();
  }

  @Test
  void aDroppedConnectionTakesItsInstancesAway() {
    ManagedChannel channel = t.newChannel();
    Stream s = new Stream(channel);
    s.open(OpenSession.newBuilder());
    s.register(1, "web-1");

    channel.shutdownNow();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> t.registry().service("default", "web").instances().isEmpty());
  }

  @Test
  void aHalfClosedStreamDetachesItsSession() {
    Stream s = new Stream();
    s.open(OpenSession.newBuilder());
    s.register(1, "web-1");

    s.requests.onCompleted();

    assertThat(s.responses.awaitEnd().getCode()).isEqualTo(Status.Code.OK);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> t.registry().service("default", "web").instances().isEmpty());
  }

  @Test
  void resumingWithinTheGraceKeepsTheInstances() {
    t.close();
    t = TestServer.start(b -> b.sessionDetachGrace(Duration.ofMinutes(1)));
    StreamRecorder<WatchRequest, WatchResponse> watcher = watch();
    Stream first = new Stream();
    SessionOpened opened = first.open(OpenSession.newBuilder());
    String id = opened.getSessionId();
    first.register(1, "web-1");
    first.responses.call().cancel("connection lost", null);
    assertThat(first.responses.awaitEnd().getCode()).isEqualTo(Status.Code.CANCELLED);

    Stream second = new Stream();
    SessionOpened resumed =
        second.open(
            OpenSession.newBuilder()
                .setResumeSessionId(id)
                .setResumeSessionSecret(opened.getSessionSecret()));
    assertThat(resumed.getSessionId()).isEqualTo(id);
    assertThat(resumed.getResumed()).isTrue();
    second.register(2, "web-2");

    List<WatchEvent> seen = eventsUntilAdded(watcher, "web-2");
    assertThat(seen).noneMatch(e -> e.getType() == WatchEvent.Type.REMOVED);
    assertThat(t.registry().service("default", "web").instances()).hasSize(2);

    second.send(SessionRequest.newBuilder().setClose(CloseSession.getDefaultInstance()));
    assertThat(second.responses.awaitEnd().getCode()).isEqualTo(Status.Code.OK);
    List<WatchEvent> removed = eventsUntil(watcher, 2);
    assertThat(removed)
        .extracting(e -> e.getType() + " " + e.getInstance().getId())
        .containsExactlyInAnyOrder("REMOVED web-1", "REMOVED web-2");
  }

  @Test
  void aSessionIsResumedAfterTheServerRestarts(@TempDir Path dataDir) {
    t.close();
    t = TestServer.start(b -> b.dataDir(dataDir));
    Stream before = new Stream();
    SessionOpened opened = before.open(OpenSession.newBuilder());
    String id = opened.getSessionId();
    before.register(1, "web-1");

    t.close();
    Status cut = before.responses.awaitEnd();
    assertThat(cut.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(cut.getDescription()).as("cut by the server").contains("server: closing");
    t = TestServer.start(b -> b.dataDir(dataDir));

    Stream after = new Stream();
    SessionOpened resumed =
        after.open(
            OpenSession.newBuilder()
                .setResumeSessionId(id)
                .setResumeSessionSecret(opened.getSessionSecret()));
    assertThat(resumed.getResumed()).isTrue();
    assertThat(resumed.getSessionId()).isEqualTo(id);
    assertThat(t.registry().service("default", "web").instances())
        .extracting(dev.cairn.common.Instance::id)
        .containsExactly("web-1");
  }

  @Test
  void resumingOnANewStreamEndsTheOldOneWithoutClosingTheSession() {
    StreamRecorder<WatchRequest, WatchResponse> watcher = watch();
    Stream first = new Stream();
    SessionOpened opened = first.open(OpenSession.newBuilder());
    String id = opened.getSessionId();
    first.register(1, "web-1");

    Stream second = new Stream(t.newChannel());
    SessionOpened resumed =
        second.open(
            OpenSession.newBuilder()
                .setResumeSessionId(id)
                .setResumeSessionSecret(opened.getSessionSecret()));

    assertThat(resumed.getResumed()).isTrue();
    Status firstEnd = first.responses.awaitEnd();
    assertThat(firstEnd.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(firstEnd.getDescription()).contains(id);
    second.register(2, "web-2");
    assertThat(eventsUntilAdded(watcher, "web-2"))
        .noneMatch(e -> e.getType() == WatchEvent.Type.REMOVED);
    assertThat(t.registry().service("default", "web").instances()).hasSize(2);
  }

  @Test
  void aLiveSessionIsNotTakenOverWithoutItsSecret() {
    Stream victim = new Stream();
    SessionOpened opened = victim.open(OpenSession.newBuilder());
    assertThat(opened.getSessionSecret()).hasSize(43);
    String id = opened.getSessionId();
    victim.register(1, "web-1");

    for (String secret : List.of("", "wrong", opened.getSessionSecret() + "x")) {
      Stream thief = new Stream(t.newChannel());
      thief.send(
          SessionRequest.newBuilder()
              .setOpen(
                  OpenSession.newBuilder().setResumeSessionId(id).setResumeSessionSecret(secret)));
      Status refused = thief.responses.awaitEnd();
      assertThat(refused.getCode())
          .as("secret %s", secret)
          .isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(refused.getDescription()).startsWith("secret: ").contains(id);
    }

    // The victim's stream goes on, its session and instance untouched.
    victim.send(SessionRequest.newBuilder().setKeepAlive(KeepAlive.getDefaultInstance()));
    assertThat(victim.responses.next().hasKeepAliveAck()).isTrue();
    victim.register(2, "web-2");
    assertThat(t.registry().service("default", "web").instances())
        .extracting(dev.cairn.common.Instance::sessionId)
        .containsOnly(id)
        .hasSize(2);
  }

  @Test
  void unaryCallsNeedTheSessionsSecret() {
    Stream owner = new Stream();
    SessionOpened opened = owner.open(OpenSession.newBuilder());
    String id = opened.getSessionId();
    owner.register(1, "web-1");

    // Register into the session, and replace or remove its instance, without the secret.
    io.grpc.StatusRuntimeException into =
        org.junit.jupiter.api.Assertions.assertThrows(
            io.grpc.StatusRuntimeException.class,
            () ->
                t.blocking.register(
                    dev.cairn.proto.v1.RegisterRequest.newBuilder()
                        .setInstance(instance("web", "web-2"))
                        .setSessionId(id)
                        .setSessionSecret("wrong")
                        .build()));
    io.grpc.StatusRuntimeException replace =
        org.junit.jupiter.api.Assertions.assertThrows(
            io.grpc.StatusRuntimeException.class,
            () ->
                t.blocking.register(
                    dev.cairn.proto.v1.RegisterRequest.newBuilder()
                        .setInstance(instance("web", "web-1").setAddress("10.6.6.6"))
                        .build()));
    io.grpc.StatusRuntimeException remove =
        org.junit.jupiter.api.Assertions.assertThrows(
            io.grpc.StatusRuntimeException.class,
            () ->
                t.blocking.deregister(
                    dev.cairn.proto.v1.DeregisterRequest.newBuilder()
                        .setService("web")
                        .setInstanceId("web-1")
                        .build()));
    for (io.grpc.StatusRuntimeException e : List.of(into, replace, remove)) {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(e.getStatus().getDescription()).startsWith("secret: ");
    }
    assertThat(t.registry().service("default", "web").instances())
        .extracting(dev.cairn.common.Instance::id, dev.cairn.common.Instance::address)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("web-1", "10.0.0.1"));

    // With it, they pass.
    t.blocking.register(
        dev.cairn.proto.v1.RegisterRequest.newBuilder()
            .setInstance(instance("web", "web-2"))
            .setSessionId(id)
            .setSessionSecret(opened.getSessionSecret())
            .build());
    t.blocking.deregister(
        dev.cairn.proto.v1.DeregisterRequest.newBuilder()
            .setService("web")
            .setInstanceId("web-1")
            .setSessionSecret(opened.getSessionSecret())
            .build());
    assertThat(t.registry().service("default", "web").instances())
        .extracting(dev.cairn.common.Instance::id)
        .containsExactly("web-2");
  }

  @Test
  void aStreamRemovesNoInstanceOfAnotherSession() {
    Stream owner = new Stream();
    owner.open(OpenSession.newBuilder());
    owner.register(1, "web-1");
    Stream other = new Stream();
    other.open(OpenSession.newBuilder());

    RequestResult removal =
        other.deregister(
            DeregisterInstance.newBuilder().setService("web").setInstanceId("web-1"), 7);

    assertThat(removal.getErrorCode()).isEqualTo(ErrorCode.PERMISSION_DENIED.grpcCode());
    assertThat(removal.getErrorMessage()).startsWith("secret: ");
    assertThat(t.registry().service("default", "web").instances()).hasSize(1);
  }

  @Test
  void resumingAnUnknownSessionOpensANewOne() {
    SessionOpened opened = new Stream().open(OpenSession.newBuilder().setResumeSessionId("gone"));

    assertThat(opened.getResumed()).isFalse();
    assertThat(opened.getSessionId()).isNotEqualTo("gone").isNotEmpty();
  }

  @Test
  void theFirstMessageMustBeOpen() {
    Stream s = new Stream();
    s.send(SessionRequest.newBuilder().setKeepAlive(KeepAlive.getDefaultInstance()));

    Status end = s.responses.awaitEnd();
    assertThat(end.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(end.getDescription()).contains("first message");
    assertThat(t.registry().sessionCount()).isZero();
  }

  @Test
  void aSecondOpenEndsTheStreamAndDetachesTheSession() {
    Stream s = new Stream();
    s.open(OpenSession.newBuilder());
    s.register(1, "web-1");

    s.send(SessionRequest.newBuilder().setOpen(OpenSession.getDefaultInstance()));

    assertThat(s.responses.awaitEnd().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> t.registry().service("default", "web").instances().isEmpty());
  }

  @Test
  void anEmptyMessageIsInvalid() {
    Stream s = new Stream();
    s.open(OpenSession.newBuilder());

    s.send(SessionRequest.newBuilder());

    assertThat(s.responses.awaitEnd().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void aTtlOutOfBoundsIsInvalid() {
    Stream s = new Stream();
    s.send(SessionRequest.newBuilder().setOpen(OpenSession.newBuilder().setTtlMillis(10)));

    Status end = s.responses.awaitEnd();
    assertThat(end.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(end.getDescription()).contains("ttl");
    assertThat(t.registry().sessionCount()).isZero();
  }

  @Test
  void aClientNameOverTheLimitOrWithControlCharactersIsInvalid() {
    Stream tooLong = new Stream();
    tooLong.send(
        SessionRequest.newBuilder()
            .setOpen(OpenSession.newBuilder().setClientName("n".repeat(257))));
    Stream newline = new Stream();
    newline.send(
        SessionRequest.newBuilder().setOpen(OpenSession.newBuilder().setClientName("web\u0007")));

    Status longEnd = tooLong.responses.awaitEnd();
    Status newlineEnd = newline.responses.awaitEnd();
    assertThat(longEnd.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(longEnd.getDescription())
        .startsWith("client_name: \"nnn")
        .endsWith("(257 chars) (expected: at most 256 chars)");
    assertThat(newlineEnd.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(newlineEnd.getDescription())
        .isEqualTo(
            "client_name: \"web\\u0007\" (expected: no control characters or line breaks; U+0007 at"
                + " index 3)");
    assertThat(t.registry().sessionCount()).isZero();
    assertThat(new Stream().open(OpenSession.newBuilder().setClientName("n".repeat(256))))
        .satisfies(o -> assertThat(o.getSessionId()).isNotEmpty());
  }

  @Test
  void badRegistrationsAreResultsAndTheStreamGoesOn() {
    Stream s = new Stream();
    String id = s.open(OpenSession.newBuilder()).getSessionId();
    long revision = t.registry().revision();

    RequestResult badWeight =
        s.register(
            RegisterInstance.newBuilder().setInstance(instance("web", "a").setWeight(20_000)), 1);
    RequestResult persistent =
        s.register(
            RegisterInstance.newBuilder()
                .setInstance(instance("web", "b").setKind(InstanceKind.PERSISTENT)),
            2);
    RequestResult otherSession =
        s.register(
            RegisterInstance.newBuilder().setInstance(instance("web", "c").setSessionId("other")),
            3);
    RequestResult noInstance = s.register(RegisterInstance.newBuilder(), 4);
    RequestResult badNamespace =
        s.register(
            RegisterInstance.newBuilder().setNamespace("Bad!").setInstance(instance("web", "d")),
            5);

    assertThat(List.of(badWeight, persistent, otherSession, noInstance, badNamespace))
        .allSatisfy(
            r -> assertThat(r.getErrorCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT.grpcCode()));
    assertThat(badWeight.getErrorMessage()).startsWith("weight: 20000");
    assertThat(persistent.getErrorMessage()).contains("kind");
    assertThat(otherSession.getErrorMessage()).contains("session");
    assertThat(badNamespace.getErrorMessage()).startsWith("namespace:");

    s.send(
        SessionRequest.newBuilder()
            .setDeregister(
                DeregisterInstance.newBuilder()
                    .setRequestId(6)
                    .setService("web")
                    .setInstanceId("nobody")));
    RequestResult unknown = s.responses.next().getResult();
    assertThat(unknown.getRequestId()).isEqualTo(6);
    assertThat(unknown.getErrorCode()).isEqualTo(ErrorCode.NOT_FOUND.grpcCode());

    s.send(SessionRequest.newBuilder().setKeepAlive(KeepAlive.getDefaultInstance()));
    assertThat(s.responses.next().hasKeepAliveAck()).isTrue();
    assertThat(t.registry().revision()).isEqualTo(revision);
    assertThat(t.registry().service("default", "web").instances()).isEmpty();
    assertThat(id).isNotEmpty();
  }

  @Test
  void requestsOnASessionClosedElsewhereFail() {
    Stream s = new Stream();
    String id = s.open(OpenSession.newBuilder()).getSessionId();
    s.register(1, "web-1");

    t.registry().closeSession(id).join();
    long revision = t.registry().revision();

    RequestResult late =
        s.register(RegisterInstance.newBuilder().setInstance(instance("web", "web-2")), 2);
    assertThat(late.getErrorCode()).isEqualTo(ErrorCode.NOT_FOUND.grpcCode());
    assertThat(late.getErrorMessage()).contains(id);
    s.send(SessionRequest.newBuilder().setKeepAlive(KeepAlive.getDefaultInstance()));
    assertThat(s.responses.awaitEnd().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(t.registry().revision()).isEqualTo(revision);
    assertThat(t.registry().service("default", "web").instances()).isEmpty();
  }

  @Test
  void messagesAfterCloseAreNotApplied() {
    Stream s = new Stream();
    s.open(OpenSession.newBuilder());

    s.send(SessionRequest.newBuilder().setClose(CloseSession.getDefaultInstance()));
    s.send(
        SessionRequest.newBuilder()
            .setRegister(
                RegisterInstance.newBuilder()
                    .setRequestId(1)
                    .setInstance(instance("web", "late"))));

    // Either the register arrives while the close is being applied (FAILED_PRECONDITION), or
    // after the stream completed (dropped); it is never applied.
    assertThat(s.responses.awaitEnd().getCode())
        .isIn(Status.Code.OK, Status.Code.FAILED_PRECONDITION);
    assertThat(s.responses.drain()).noneMatch(SessionResponse::hasResult);
    assertThat(t.registry().service("default", "web").instances()).isEmpty();
    // When the stream ended with FAILED_PRECONDITION the close may still be applying.
    await().atMost(java.time.Duration.ofSeconds(5)).until(() -> t.registry().sessionCount() == 0);
  }

  private StreamRecorder<WatchRequest, WatchResponse> watch() {
    StreamRecorder<WatchRequest, WatchResponse> w = StreamRecorder.create();
    t.async.watch(WatchRequest.newBuilder().setService("web").build(), w);
    assertThat(w.next().hasSnapshot()).isTrue();
    return w;
  }

  private static List<WatchEvent> eventsUntilAdded(
      StreamRecorder<WatchRequest, WatchResponse> watcher, String id) {
    List<WatchEvent> seen = new java.util.ArrayList<>();
    while (true) {
      for (WatchEvent e : watcher.next().getEvents().getEventsList()) {
        seen.add(e);
        if (e.getType() == WatchEvent.Type.ADDED && e.getInstance().getId().equals(id)) {
          return seen;
        }
      }
    }
  }

  private static List<WatchEvent> eventsUntil(
      StreamRecorder<WatchRequest, WatchResponse> watcher, int count) {
    List<WatchEvent> seen = new java.util.ArrayList<>();
    while (seen.size() < count) {
      seen.addAll(watcher.next().getEvents().getEventsList());
    }
    return seen;
  }

  /** One client session stream. */
  private final class Stream {
    final StreamRecorder<SessionRequest, SessionResponse> responses = StreamRecorder.create();
    final StreamObserver<SessionRequest> requests;

    Stream() {
      requests = t.async.session(responses);
    }

    Stream(ManagedChannel channel) {
      requests = dev.cairn.proto.v1.RegistryGrpc.newStub(channel).session(responses);
    }

    void send(SessionRequest.Builder request) {
      requests.onNext(request.build());
    }

    SessionOpened open(OpenSession.Builder open) {
      send(SessionRequest.newBuilder().setOpen(open));
      SessionResponse r = responses.next();
      assertThat(r.hasOpened()).as("opened: %s", r).isTrue();
      return r.getOpened();
    }

    RequestResult register(long requestId, String id) {
      RequestResult r =
          register(RegisterInstance.newBuilder().setInstance(instance("web", id)), requestId);
      assertThat(r.getErrorMessage()).isEmpty();
      return r;
    }

    RequestResult deregister(DeregisterInstance.Builder request, long requestId) {
      send(SessionRequest.newBuilder().setDeregister(request.setRequestId(requestId)));
      SessionResponse r = responses.next();
      assertThat(r.getResult().getRequestId()).as("result: %s", r).isEqualTo(requestId);
      return r.getResult();
    }

    RequestResult register(RegisterInstance.Builder request, long requestId) {
      send(SessionRequest.newBuilder().setRegister(request.setRequestId(requestId)));
      SessionResponse r = responses.next();
      assertThat(r.getResult().getRequestId()).as("result: %s", r).isEqualTo(requestId);
      return r.getResult();
    }
  }
}
