package dev.cairn.server.internal.grpc;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Instance;
import dev.cairn.common.Limits;
import dev.cairn.common.Names;
import dev.cairn.proto.v1.DeregisterInstance;
import dev.cairn.proto.v1.KeepAliveAck;
import dev.cairn.proto.v1.OpenSession;
import dev.cairn.proto.v1.RegisterInstance;
import dev.cairn.proto.v1.RequestResult;
import dev.cairn.proto.v1.RequestResults;
import dev.cairn.proto.v1.SessionOpened;
import dev.cairn.proto.v1.SessionRequest;
import dev.cairn.proto.v1.SessionResponse;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.SessionAccess;
import dev.cairn.server.core.SessionInfo;
import dev.cairn.server.core.acl.Authorizer;
import dev.cairn.server.internal.Protos;
import dev.cairn.server.internal.auth.AclGuard;
import dev.cairn.server.internal.auth.Requirement;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code Session} stream: opens or resumes a session, then carries its keepalives and its
 * ephemeral registrations until the client closes it, or the stream ends or breaks (then the
 * session is detached at once, so a killed client's instances go within the detach grace).
 *
 * <p>Every event (a message, the stream's end, a registry reply) runs on one {@link SerialExecutor}
 * over the call's event loop, the single owner of the fields below; gRPC's callbacks run inline
 * when it is idle, registry replies as tasks on that loop (decision 0071). Results answered
 * together go out as one message (decision 0073). Nothing here blocks.
 */
final class SessionCall implements StreamObserver<SessionRequest> {

  private static final Logger log = LoggerFactory.getLogger(SessionCall.class);

  /**
   * Most requests in flight on one stream, counting those read but not answered and those asked
   * from gRPC but not yet read; beyond it the stream reads nothing (HTTP/2 flow control then holds
   * the client back) until one is answered.
   */
  static final int MAX_IN_FLIGHT = 256;

  /** Most messages asked from gRPC ahead of handling them. */
  private static final int READ_AHEAD = 32;

  private enum State {
    /** Waiting for the first message, which must be {@code open}. */
    AWAIT_OPEN,
    /** {@code open} sent to the registry; no further message is read until it answers. */
    OPENING,
    OPEN,
    /** Closed by the client ({@code close} or half-close): finishing the requests in flight. */
    CLOSING,
    /** The stream is over; nothing more is sent. */
    ENDED
  }

  private final Registry registry;
  // The stream's ACL checker (null: ACLs off), and its token's rights at each call: a request in
  // the stream is checked with the rights of the moment, as any request is (decision 0234).
  private final AclGuard acl;
  private final java.util.function.Supplier<Authorizer> rights;
  private final SessionOwners owners;
  // Who writes through this stream, for the audit: its token and client, then its session.
  private dev.cairn.server.core.Author author;
  private final Set<SessionCall> live;
  private final BooleanSupplier shuttingDown;
  private final ServerCallStreamObserver<SessionResponse> out;
  private final SerialExecutor serial;

  // All fields below are owned by `serial`.
  private State state = State.AWAIT_OPEN;
  private String sessionId = "";
  // What proves the session to the registry: its secret, hashed once per stream.
  private SessionAccess access = SessionAccess.none();
  private String claimedResumeId = "";
  private boolean halfClosedWhileOpening;
  private int inFlight;
  // Messages asked from gRPC and not yet received.
  private int requested;
  private boolean closeDone;
  private Throwable closeFailure;
  // Results answered and not yet sent (see sendResult).
  private final List<RequestResult> unsent = new ArrayList<>();
  private final Runnable onEnded;

  SessionCall(
      Registry registry,
      AclGuard acl,
      Authorizer caller,
      java.util.function.Supplier<Authorizer> rights,
      SessionOwners owners,
      Set<SessionCall> live,
      BooleanSupplier shuttingDown,
      ServerCallStreamObserver<SessionResponse> out,
      Executor executor,
      Runnable onEnded) {
    this.onEnded = onEnded;
    this.registry = registry;
    this.acl = acl;
    this.rights = rights;
    this.author = RegistryService.author(caller);
    this.owners = owners;
    this.live = live;
    this.shuttingDown = shuttingDown;
    this.out = out;
    this.serial = new SerialExecutor(executor);
    out.setOnCancelHandler(() -> serial.runOrQueue(this::broken));
    // Read the open message only; the rest once the session is open (see readNextIfRoom).
    out.disableAutoRequest();
    requested = 1;
    out.request(1);
    live.add(this);
  }

  @Override
  public void onNext(SessionRequest request) {
    serial.runOrQueue(() -> received(request));
  }

  @Override
  public void onError(Throwable t) {
    serial.runOrQueue(this::broken);
  }

  @Override
  public void onCompleted() {
    serial.runOrQueue(this::halfClosed);
  }

  /**
   * The server is going down: ends the stream with {@code UNAVAILABLE}, without detaching the
   * session, which the client resumes when the server is back.
   */
  void serverClosing() {
    serial.execute(() -> failWith(ErrorCode.UNAVAILABLE, "server: closing"));
  }

  /** Another stream resumed this call's session: this stream ends without detaching it. */
  void superseded(String id) {
    serial.execute(
        () -> {
          if (id.equals(sessionId) && (state == State.OPEN || state == State.CLOSING)) {
            sessionId = "";
            fail(
                GrpcStatuses.error(
                    ErrorCode.FAILED_PRECONDITION,
                    "session: \"" + id + "\" (resumed by another stream)"));
          }
        });
  }

  private void received(SessionRequest request) {
    requested--;
    handle(request);
    readNextIfRoom();
  }

  private void handle(SessionRequest request) {
    switch (state) {
      case AWAIT_OPEN:
        if (request.getBodyCase() != SessionRequest.BodyCase.OPEN) {
          failWith(
              ErrorCode.FAILED_PRECONDITION,
              "first message: " + request.getBodyCase() + " (expected: OPEN)");
          return;
        }
        open(request.getOpen());
        return;
      case OPEN:
        dispatch(request);
        return;
      case CLOSING:
        failWith(
            ErrorCode.FAILED_PRECONDITION,
            "message: " + request.getBodyCase() + " after close (expected: none)");
        return;
      default:
        return;
    }
  }

  private void dispatch(SessionRequest request) {
    switch (request.getBodyCase()) {
      case KEEP_ALIVE:
        keepAlive();
        return;
      case REGISTER:
        register(request.getRegister());
        return;
      case DEREGISTER:
        deregister(request.getDeregister());
        return;
      case CLOSE:
        close();
        return;
      case OPEN:
        failWith(ErrorCode.FAILED_PRECONDITION, "open: a second open (expected: one, first)");
        return;
      default:
        failWith(
            ErrorCode.INVALID_ARGUMENT,
            "body: not set (expected: keep_alive, register, deregister or close)");
    }
  }

  private void open(OpenSession open) {
    if (open.getPreferLeader()) {
      state = State.OPENING; // nothing more is read meanwhile
      openOnLeader(open, LeaderRedirect.WAIT_STEPS);
      return;
    }
    openHere(open);
  }

  /**
   * Sends the client to the leader when this member knows its address (decision 0114); else looks
   * again every {@link LeaderRedirect#WAIT_STEP_MILLIS} up to {@code stepsLeft} times (an election,
   * a leader that has not told its address yet), then opens the session here.
   */
  private void openOnLeader(OpenSession open, int stepsLeft) {
    if (state != State.OPENING) {
      return; // the stream broke meanwhile
    }
    LeaderRedirect.Decision where = LeaderRedirect.decide(registry.cluster());
    if (where.kind() == LeaderRedirect.Kind.WAIT && stepsLeft > 0) {
      CompletableFuture.delayedExecutor(
              LeaderRedirect.WAIT_STEP_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS, serial)
          .execute(() -> openOnLeader(open, stepsLeft - 1));
      return;
    }
    if (where.kind() != LeaderRedirect.Kind.LEADER) {
      openHere(open);
      return;
    }
    // Nothing opened or resumed here: the client opens the same request on the leader.
    send(
        SessionResponse.newBuilder()
            .setOpened(SessionOpened.newBuilder().setLeaderGrpcAddress(where.address()))
            .build());
    ended();
    complete();
  }

  private void openHere(OpenSession open) {
    state = State.OPENING;
    long ttlMillis =
        open.getTtlMillis() == 0 ? Limits.DEFAULT_SESSION_TTL_MILLIS : open.getTtlMillis();
    String resumeId = open.getResumeSessionId();
    SessionAccess resumeAccess = SessionAccess.secret(open.getResumeSessionSecret());
    if (!resumeId.isEmpty()) {
      try {
        // Before claiming: a stream that does not prove the session must not end its own stream.
        registry.checkSession(resumeId, resumeAccess);
      } catch (RuntimeException e) {
        fail(GrpcStatuses.toException(e));
        return;
      }
      // Claimed before asking the registry, so that the old stream breaking meanwhile does not
      // detach the session being resumed.
      claimedResumeId = resumeId;
      owners.claim(resumeId, this);
    }
    CompletableFuture<SessionInfo> opening;
    try {
      String clientName = Limits.checkSessionName("client_name", open.getClientName());
      opening =
          registry.openSession(
              Duration.ofMillis(ttlMillis), resumeId, resumeAccess, clientName, author);
      access = resumeAccess;
    } catch (RuntimeException e) {
      releaseResumeClaim();
      fail(GrpcStatuses.toException(e));
      return;
    }
    opening.whenCompleteAsync(this::opened, serial);
  }

  private void opened(SessionInfo info, Throwable failure) {
    if (failure != null) {
      releaseResumeClaim();
      fail(GrpcStatuses.toException(failure));
      return;
    }
    if (!info.id().equals(claimedResumeId)) {
      releaseResumeClaim();
      owners.claim(info.id(), this);
    }
    claimedResumeId = "";
    sessionId = info.id();
    author = author.inSession(sessionId);
    if (!info.resumed()) {
      access = SessionAccess.secret(info.secret());
    }
    access = access.forSession(sessionId);
    if (state == State.ENDED) {
      // The stream broke while the session was opening.
      detach();
      return;
    }
    state = State.OPEN;
    send(
        SessionResponse.newBuilder()
            .setOpened(
                SessionOpened.newBuilder()
                    .setSessionId(info.id())
                    .setTtlMillis(info.ttlMillis())
                    .setResumed(info.resumed())
                    .setRevision(info.revision())
                    .setSessionSecret(info.secret()))
            .build());
    if (halfClosedWhileOpening) {
      halfClosed();
    }
    readNextIfRoom();
  }

  /**
   * Answers a keepalive once the leader's lease has the renewal (decision 0187): on a follower cut
   * off from the leader, never, so that the client, unanswered, gives the member up after half its
   * TTL and resumes the session on another (decision 0185) while the leader's lease still runs.
   */
  private void keepAlive() {
    CompletableFuture<Long> renewing;
    try {
      renewing = registry.keepAliveAtLeader(sessionId, access);
    } catch (RuntimeException e) {
      fail(GrpcStatuses.toException(e));
      return;
    }
    renewing.whenCompleteAsync(
        (ttlMillis, failure) -> {
          if (failure == null) {
            send(
                SessionResponse.newBuilder()
                    .setKeepAliveAck(KeepAliveAck.newBuilder().setTtlMillis(ttlMillis))
                    .build());
          }
        },
        serial);
  }

  private void register(RegisterInstance request) {
    long requestId = request.getRequestId();
    CompletableFuture<Instance> registering;
    try {
      String namespace = Names.namespace(request.getNamespace());
      if (!request.hasInstance()) {
        throw CairnException.invalid("instance", null, "an instance");
      }
      if (request.getInstance().getKind() == dev.cairn.proto.v1.InstanceKind.PERSISTENT) {
        throw CairnException.invalid(
            "instance.kind", "PERSISTENT", "EPHEMERAL or unspecified on a session stream");
      }
      Instance instance = Protos.toModel(request.getInstance(), sessionId);
      registering =
          registry.register(
              namespace, instance, writeAccess(namespace, instance.service()), author);
    } catch (RuntimeException e) {
      sendFailure(requestId, e);
      return;
    }
    track(
        registering,
        (stored, failure) -> {
          if (failure != null) {
            sendFailure(requestId, failure);
          } else {
            sendResult(
                RequestResult.newBuilder()
                    .setRequestId(requestId)
                    .setRevision(stored.modRevision())
                    .setInstanceId(stored.id())
                    .setCreateRevision(stored.createRevision()));
          }
        });
  }

  private void deregister(DeregisterInstance request) {
    long requestId = request.getRequestId();
    CompletableFuture<Long> deregistering;
    try {
      String namespace = Names.namespace(request.getNamespace());
      String service = Names.checkLabel("service", request.getService());
      deregistering =
          registry.deregister(
              namespace,
              service,
              Names.checkInstanceId("instance_id", request.getInstanceId()),
              writeAccess(namespace, service),
              author);
    } catch (RuntimeException e) {
      sendFailure(requestId, e);
      return;
    }
    track(
        deregistering,
        (revision, failure) -> {
          if (failure != null) {
            sendFailure(requestId, failure);
          } else {
            sendResult(RequestResult.newBuilder().setRequestId(requestId).setRevision(revision));
          }
        });
  }

  /**
   * Checks the caller's write on {@code service} (ACLs on) and returns what proves sessions for the
   * write: the stream's own session, or every session for a token with write on the service.
   */
  private SessionAccess writeAccess(String namespace, String service) {
    if (acl == null) {
      return access;
    }
    Authorizer caller = rights.get();
    acl.check(caller, WRITE_SERVICE, namespace, service);
    return acl.sessionAccess(caller, access, namespace, service);
  }

  private static final Requirement WRITE_SERVICE =
      Requirement.service(
          dev.cairn.server.core.acl.Resource.SERVICE, dev.cairn.server.core.acl.Access.WRITE);

  private void close() {
    state = State.CLOSING;
    owners.release(sessionId, this);
    CompletableFuture<Long> closing;
    try {
      closing = registry.closeSession(sessionId, access, author);
    } catch (RuntimeException e) {
      closing = CompletableFuture.failedFuture(e);
    }
    closing.whenCompleteAsync(
        (revision, failure) -> {
          closeDone = true;
          closeFailure = failure;
          finishIfIdle();
        },
        serial);
  }

  /** The client half-closed the stream without {@code close}: detach, then finish. */
  private void halfClosed() {
    switch (state) {
      case AWAIT_OPEN:
        ended();
        complete();
        return;
      case OPENING:
        halfClosedWhileOpening = true;
        return;
      case OPEN:
        detach();
        state = State.CLOSING;
        closeDone = true;
        finishIfIdle();
        return;
      default:
        return;
    }
  }

  /** The stream was cancelled or broke: the client is gone. */
  private void broken() {
    if (state == State.ENDED) {
      return;
    }
    if (state == State.OPEN) {
      detach();
    }
    // OPENING: opened() detaches when the registry answers. CLOSING: already closed or detached.
    ended();
  }

  private <T> void track(CompletableFuture<T> future, BiConsumer<T, Throwable> onDone) {
    inFlight++;
    future.whenCompleteAsync(
        (value, failure) -> {
          inFlight--;
          onDone.accept(value, failure);
          finishIfIdle();
          readNextIfRoom();
        },
        serial);
  }

  /** Asks gRPC for more messages, unless opening or too many requests are in flight. */
  private void readNextIfRoom() {
    if (state == State.OPENING || state == State.ENDED) {
      return;
    }
    int room = Math.min(READ_AHEAD - requested, MAX_IN_FLIGHT - inFlight - requested);
    if (room > 0) {
      requested += room;
      out.request(room);
    }
  }

  private void finishIfIdle() {
    if (state != State.CLOSING || !closeDone || inFlight > 0) {
      return;
    }
    if (closeFailure != null) {
      fail(GrpcStatuses.toException(closeFailure));
      return;
    }
    ended();
    complete();
  }

  private void ended() {
    flushResults(); // the answers already given still go out, before the end of the stream
    state = State.ENDED;
    if (live.remove(this)) {
      onEnded.run(); // once: gives back the connection's session-stream slot
    }
  }

  private void detach() {
    if (sessionId.isEmpty() || !owners.release(sessionId, this) || shuttingDown.getAsBoolean()) {
      return;
    }
    try {
      registry.detachSession(sessionId);
    } catch (RuntimeException e) {
      log.debug("Detaching session {} failed", sessionId, e);
    }
  }

  private void releaseResumeClaim() {
    if (!claimedResumeId.isEmpty()) {
      owners.release(claimedResumeId, this);
      claimedResumeId = "";
    }
  }

  private void sendFailure(long requestId, Throwable failure) {
    CairnException e = GrpcStatuses.toCairn(failure);
    sendResult(
        RequestResult.newBuilder()
            .setRequestId(requestId)
            .setErrorCode(e.code().grpcCode())
            .setErrorMessage(e.getMessage()));
  }

  /**
   * Queues a result; the results queued by the tasks that run before the flush this schedules go
   * out together, in one message (the answers of one log entry usually complete together).
   */
  private void sendResult(RequestResult.Builder result) {
    if (state == State.ENDED) {
      return;
    }
    unsent.add(result.build());
    if (unsent.size() == 1) {
      serial.execute(this::flushResults);
    }
  }

  private void flushResults() {
    if (unsent.isEmpty()) {
      return;
    }
    SessionResponse.Builder response = SessionResponse.newBuilder();
    if (unsent.size() == 1) {
      response.setResult(unsent.get(0));
    } else {
      response.setResults(RequestResults.newBuilder().addAllResults(unsent));
    }
    unsent.clear();
    sendNow(response.build());
  }

  private void failWith(ErrorCode code, String message) {
    fail(GrpcStatuses.error(code, message));
  }

  /** Ends the stream with an error; an open session is detached, as for a broken stream. */
  private void fail(StatusRuntimeException error) {
    if (state == State.ENDED) {
      return;
    }
    if (state == State.OPEN) {
      detach();
    }
    ended();
    try {
      out.onError(error);
    } catch (RuntimeException e) {
      log.debug("Stream already gone", e);
    }
  }

  private void send(SessionResponse response) {
    flushResults();
    sendNow(response);
  }

  private void sendNow(SessionResponse response) {
    if (state == State.ENDED) {
      return;
    }
    try {
      out.onNext(response);
    } catch (RuntimeException e) {
      log.debug("Stream already gone", e);
    }
  }

  private void complete() {
    try {
      out.onCompleted();
    } catch (RuntimeException e) {
      log.debug("Stream already gone", e);
    }
  }
}
