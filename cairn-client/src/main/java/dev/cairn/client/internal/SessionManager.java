package dev.cairn.client.internal;

import com.google.common.util.concurrent.MoreExecutors;
import dev.cairn.client.resilience.Backoff;
import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Instance;
import dev.cairn.common.InstanceKind;
import dev.cairn.proto.v1.CloseSession;
import dev.cairn.proto.v1.DeregisterInstance;
import dev.cairn.proto.v1.KeepAlive;
import dev.cairn.proto.v1.OpenSession;
import dev.cairn.proto.v1.RequestResult;
import dev.cairn.proto.v1.SessionOpened;
import dev.cairn.proto.v1.SessionRequest;
import dev.cairn.proto.v1.SessionResponse;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's one session stream: opens (or resumes) the session, sends keepalives every third of
 * the TTL (and gives the registry up for another once none was answered for half the TTL, decision
 * 0185), registers every live registration on each (re)opened session (re-registering an identical
 * instance is a no-op on the registry) and reconnects with backoff, failing over between
 * registries, until closed. The stream is opened with the first registration.
 *
 * <p>A registration goes out on the caller's thread and its result is handled on the network thread
 * that read it, without a hand-off to the event thread either way (decision 0155): the fields are
 * guarded by this object's lock, futures are completed after it is released, and the session
 * stream's callbacks run on the network thread (they only touch this state). Opening, keepalives,
 * reconnecting and failing over run on the client's event thread, as before; so does the handling
 * of the stream's opening and end, which touches the channels' current registry.
 *
 * <p>The session asks to be opened on a cluster's leader (decision 0114): a member that knows the
 * leader's address answers with it, and the same request goes there at once. When that address
 * cannot be reached (it never was, from this client), the session is opened on the configured
 * registry, which is not asked for the leader again for {@link #LEADER_FALLBACK_NANOS}. A session
 * on the leader that breaks reconnects through the configured registries, which send it to the next
 * leader.
 */
final class SessionManager {

  private static final Logger log = LoggerFactory.getLogger(SessionManager.class);

  /** How long the session is not asked for on the leader after its address could not be reached. */
  static final long LEADER_FALLBACK_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final ClientSettings settings;
  private final RegistryChannels channels;
  private final ScheduledExecutorService events;
  private final Backoff backoff;
  private int failures; // reconnect attempts since the last success; 0 after one
  // Since when (ticker nanos) no stream has opened the session, valid while failures > 0; and
  // whether that was logged as a warning, which an opened session then ends at INFO.
  private long failingSinceNanos;
  private boolean failingWarned;

  // Live registrations by key; registered again on each opened session.
  private final Map<String, RegistrationImpl> registrations = new LinkedHashMap<>();
  // Deregistrations not yet confirmed by the registry; sent again on each opened session.
  private final Map<String, Instance> toDeregister = new LinkedHashMap<>();
  private final Map<Long, Consumer<RequestResult>> pending = new HashMap<>();
  // Future completions decided under the lock, run by the same thread once it released it, so that
  // callers' continuations never run under it.
  private ArrayList<Runnable> deferred = new ArrayList<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private long nextRequestId;
  private ClientCall<byte[], SessionResponse> call;
  private int callIndex;
  private boolean open;
  private String sessionId = "";
  // The session's secret, as the registry handed it out when the session opened: what lets this
  // client (and nobody who only saw the public id) resume it.
  private String sessionSecret = "";
  private long lastAckNanos;
  // When the current stream was started (the ticker's nanos), to give up an opening never answered.
  private long openingSinceNanos;
  // Whether the current stream is being given up for silence, and since when nothing answered.
  private boolean givingUp;
  private long silentSinceNanos;
  // When the last keepalive was sent (the ticker's nanos); event thread, under the lock.
  private long lastKeepAliveNanos;
  private ScheduledFuture<?> keepAliveTask;
  private ScheduledFuture<?> reconnectTask;
  private boolean started;
  private boolean closing;
  // The leader's address the next stream opens at (a registry sent the session there), or null:
  // the configured registry at callIndex. Event thread.
  private RegistryAddress leaderTarget;
  // Whether `call` goes to the leader's address, and whether it opened.
  private boolean callToLeader;
  private boolean callOpened;
  // Leader addresses a session opened at: failing to reach one later is taken for its member being
  // down (an election follows), for up to half the TTL from `downSince`.
  private final java.util.Set<RegistryAddress> reached = new java.util.HashSet<>();
  private RegistryAddress down;
  private long downSince;
  // Until when (ticker nanos) no registry is asked for the leader; valid when leaderFallback.
  private boolean leaderFallback;
  private long leaderFallbackUntil;
  private ScheduledFuture<?> openTimeout;

  SessionManager(
      ClientSettings settings, RegistryChannels channels, ScheduledExecutorService events) {
    this.settings = settings;
    this.channels = channels;
    this.events = events;
    this.backoff = settings.reconnectBackoff();
  }

  /** The session id, empty while none is open. */
  synchronized String sessionId() {
    return open ? sessionId : "";
  }

  /**
   * Adds a registration, on the caller's thread: sent at once when the session is open, else with
   * every other one when it opens. The first one starts the session (on the event thread).
   */
  void add(RegistrationImpl r) {
    synchronized (this) {
      addLocked(r);
    }
    runDeferred();
  }

  private void addLocked(RegistrationImpl r) {
    if (closing) {
      fail(r, closedError());
      return;
    }
    if (registrations.containsKey(r.key())) {
      fail(
          r,
          CairnException.of(
              ErrorCode.ALREADY_EXISTS,
              "instance",
              "instance: \"" + r.key() + "\" (expected: not registered twice by one client)"));
      return;
    }
    registrations.put(r.key(), r);
    toDeregister.remove(r.key());
    if (!started) {
      started = true;
      try {
        events.execute(this::connect);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // The client is closing: its threads are gone.
        registrations.remove(r.key());
        fail(r, closedError());
      }
    } else if (open) {
      sendRegister(r);
    }
  }

  /**
   * Deregisters {@code r}; {@code done} completes with the removal's revision once the registry
   * confirmed it, or with 0 when it cannot tell (not registered, the session not open, an error).
   */
  void remove(RegistrationImpl r, CompletableFuture<Long> done) {
    synchronized (this) {
      removeLocked(r, done);
    }
    runDeferred();
  }

  private void removeLocked(RegistrationImpl r, CompletableFuture<Long> done) {
    if (closing || registrations.get(r.key()) != r) {
      // Closing the session removes every instance on it.
      fail(r, closedError());
      later(() -> done.complete(0L));
      return;
    }
    registrations.remove(r.key());
    fail(r, closedError());
    if (!open) {
      // Sent when the session is back, in case it was resumed with the instance.
      toDeregister.put(r.key(), r.instance());
      later(() -> done.complete(0L));
      return;
    }
    toDeregister.put(r.key(), r.instance());
    sendDeregister(r.key(), r.instance(), done);
  }

  /**
   * Registers {@code r} with {@code health} from now on, in place (decision 0220): sent at once
   * when the session is open, else when it opens; {@code done} completes with the instance as the
   * registry stored it.
   */
  void setHealth(
      RegistrationImpl r, dev.cairn.common.Health health, CompletableFuture<Instance> done) {
    synchronized (this) {
      if (closing || registrations.get(r.key()) != r) {
        later(
            () ->
                done.completeExceptionally(
                    CairnException.of(
                        ErrorCode.FAILED_PRECONDITION,
                        "registration",
                        "registration: "
                            + r.key()
                            + " is not kept (expected: a registration not deregistered, refused"
                            + " or closed)")));
      } else {
        r.health(health, done);
        if (open) {
          sendRegister(r);
        }
      }
    }
    runDeferred();
  }

  /** Closes the session; the future completes when the registry confirmed or the stream ended. */
  CompletableFuture<Void> close() {
    synchronized (this) {
      closeLocked();
    }
    runDeferred();
    return closed;
  }

  private void closeLocked() {
    if (closing) {
      return;
    }
    closing = true;
    cancel(reconnectTask);
    cancel(keepAliveTask);
    for (RegistrationImpl r : registrations.values()) {
      fail(r, closedError());
    }
    ClientCall<byte[], SessionResponse> c = call;
    if (c == null) {
      later(() -> closed.complete(null));
    } else if (open) {
      c.sendMessage(
          SessionRequests.of(
              SessionRequest.newBuilder().setClose(CloseSession.getDefaultInstance()).build()));
      c.halfClose();
    } else {
      c.cancel("client closing", null);
    }
  }

  // On the event thread (it asks the channels for the current registry).
  private void connect() {
    synchronized (this) {
      connectLocked();
    }
    runDeferred();
  }

  private void connectLocked() {
    reconnectTask = null;
    if (closing) {
      return;
    }
    callIndex = channels.currentIndex();
    boolean toLeader = leaderTarget != null;
    ClientCall<byte[], SessionResponse> c;
    try {
      // The stream's callbacks run on the network thread that read the message (decision 0155);
      // gRPC recognizes this executor and then skips its own serializing queue (decision 0157).
      c =
          (toLeader ? channels.channel(leaderTarget) : channels.channel(callIndex))
              .newCall(
                  SessionRequests.METHOD,
                  CallOptions.DEFAULT.withExecutor(MoreExecutors.directExecutor()));
    } catch (IllegalStateException e) {
      return; // shutting down
    }
    call = c;
    callToLeader = toLeader;
    callOpened = false;
    givingUp = false;
    openingSinceNanos = settings.ticker.nanos();
    // Checked every sixth of the TTL from the start: an opening that is not answered within half
    // the TTL is given up as a keepalive is (a registry that takes the connection and never
    // answers:
    // a paused process, a partition), and once open, keepalives are sent every third of the TTL and
    // a registry that went silent is given up at most two thirds of the TTL after its last answer,
    // leaving a third for the session to be resumed elsewhere before its lease runs out (decision
    // 0185).
    cancel(keepAliveTask);
    long period = Math.max(1, settings.sessionTtl.toMillis() / 6);
    keepAliveTask =
        events.scheduleWithFixedDelay(this::keepAlive, period, period, TimeUnit.MILLISECONDS);
    c.start(new Listener(c), new Metadata());
    c.request(1);
    c.sendMessage(
        SessionRequests.of(
            SessionRequest.newBuilder()
                .setOpen(
                    OpenSession.newBuilder()
                        .setTtlMillis(settings.sessionTtl.toMillis())
                        .setResumeSessionId(sessionId)
                        .setResumeSessionSecret(sessionSecret)
                        .setClientName(settings.clientName)
                        // Where it was sent, it opens: one hop, never a chain.
                        .setPreferLeader(!toLeader && askForLeader()))
                .build()));
    if (toLeader) {
      // An address that takes the connection but never answers (a firewall dropping it, a paused
      // member) costs a third of the TTL, as a keepalive does, not the session.
      long waitMillis = Math.max(1, settings.sessionTtl.toMillis() / 3);
      openTimeout =
          events.schedule(() -> openTimedOut(c, waitMillis), waitMillis, TimeUnit.MILLISECONDS);
    }
  }

  // Under the lock: whether this opening asks for the leader.
  private boolean askForLeader() {
    if (!settings.sessionsOnLeader) {
      return false;
    }
    if (leaderFallback && settings.ticker.nanos() - leaderFallbackUntil < 0) {
      return false;
    }
    leaderFallback = false;
    return true;
  }

  // On the event thread.
  private void openTimedOut(ClientCall<byte[], SessionResponse> c, long waitMillis) {
    synchronized (this) {
      if (c == call && !callOpened) {
        c.cancel("session: no answer from the leader within " + waitMillis + " ms", null);
      }
    }
  }

  // The address the current stream goes to.
  private Object where() {
    return callToLeader && leaderTarget != null ? leaderTarget : channels.currentAddress();
  }

  // On the event thread.
  private void opened(ClientCall<byte[], SessionResponse> c, SessionOpened o) {
    synchronized (this) {
      if (c == call && !open) {
        if (o.getSessionId().isEmpty() && !o.getLeaderGrpcAddress().isEmpty()) {
          redirectedLocked(c, o.getLeaderGrpcAddress());
        } else {
          openedLocked(o);
        }
      }
    }
    runDeferred();
  }

  /**
   * A member sent the session to its leader at {@code address}: nothing was opened there, and the
   * same request goes to the leader at once.
   */
  private void redirectedLocked(ClientCall<byte[], SessionResponse> c, String address) {
    call = null;
    c.cancel("session: sent to the leader", null); // the registry ends it too
    if (closing) {
      later(() -> closed.complete(null));
      return;
    }
    RegistryAddress target = RegistryAddress.parseOne(address);
    if (target == null || callToLeader) {
      log.info(
          "{} sent the session to \"{}\", which is not followed; opening it at {}",
          where(),
          address,
          channels.currentAddress());
      leaderTarget = null;
      fallBackFromLeader();
    } else {
      leaderTarget = target;
    }
    callToLeader = false;
    connectLocked();
  }

  /**
   * Under the lock: whether {@code leader}, which did not answer, is taken for a member that is
   * down while the others elect the next leader (the client was on it before, and its first failure
   * is less than half the TTL ago); else it is taken for unreachable from here.
   */
  private boolean stillDown(RegistryAddress leader) {
    if (!reached.contains(leader)) {
      return false;
    }
    long now = settings.ticker.nanos();
    if (!leader.equals(down)) {
      down = leader;
      downSince = now;
    }
    return now - downSince <= settings.sessionTtl.toNanos() / 2;
  }

  // Under the lock: no registry is asked for the leader for a while.
  private void fallBackFromLeader() {
    leaderFallback = true;
    leaderFallbackUntil = settings.ticker.nanos() + LEADER_FALLBACK_NANOS;
  }

  private void openedLocked(SessionOpened o) {
    boolean resumed = o.getResumed() && o.getSessionId().equals(sessionId);
    cancel(openTimeout);
    openTimeout = null;
    callOpened = true;
    down = null;
    if (callToLeader) {
      reached.add(leaderTarget);
    }
    if (!resumed && !sessionId.isEmpty()) {
      log.info(
          "Session {} lost; opened {} on {}; registering {} instance(s) again",
          sessionId,
          o.getSessionId(),
          where(),
          registrations.size());
    }
    sessionId = o.getSessionId();
    if (!resumed) {
      sessionSecret = o.getSessionSecret();
    }
    open = true;
    if (failingWarned) {
      failingWarned = false;
      log.info(
          "Session {} open on {} after {} ms without one",
          sessionId,
          where(),
          TimeUnit.NANOSECONDS.toMillis(settings.ticker.nanos() - failingSinceNanos));
    }
    failures = 0;
    lastAckNanos = settings.ticker.nanos();
    lastKeepAliveNanos = lastAckNanos;
    for (RegistrationImpl r : registrations.values()) {
      sendRegister(r);
    }
    for (Map.Entry<String, Instance> e : new ArrayList<>(toDeregister.entrySet())) {
      sendDeregister(e.getKey(), e.getValue(), new CompletableFuture<>());
    }
  }

  // On the event thread.
  private synchronized void keepAlive() {
    if (call == null || givingUp) {
      return;
    }
    long now = settings.ticker.nanos();
    if (!callOpened) {
      // A leader's address has a shorter wait of its own (openTimedOut).
      long waited = now - openingSinceNanos;
      if (!callToLeader && waited > settings.sessionTtl.toNanos() / 2) {
        log.info(
            "No answer from {} to the session's opening for {} ms",
            where(),
            TimeUnit.NANOSECONDS.toMillis(waited));
        givingUp = true;
        silentSinceNanos = openingSinceNanos;
        call.cancel("session: no answer to its opening", null);
      }
      return;
    }
    if (!open) {
      return;
    }
    long silentNanos = now - lastAckNanos;
    if (silentNanos > settings.sessionTtl.toNanos() / 2) {
      log.info(
          "No keepalive answer from {} for {} ms",
          where(),
          TimeUnit.NANOSECONDS.toMillis(silentNanos));
      // Registrations made until the stream's end reaches the event thread wait for the next one.
      open = false;
      givingUp = true;
      silentSinceNanos = lastAckNanos;
      call.cancel("keepalive: no answer", null);
      return;
    }
    // Every third of the TTL (less a little, so that a tick that comes early still sends).
    if (now - lastKeepAliveNanos < settings.sessionTtl.toNanos() * 3 / 10) {
      return;
    }
    lastKeepAliveNanos = now;
    call.sendMessage(
        SessionRequests.of(
            SessionRequest.newBuilder().setKeepAlive(KeepAlive.getDefaultInstance()).build()));
  }

  private void sendRegister(RegistrationImpl r) {
    long id = ++nextRequestId;
    int version = r.healthVersion();
    Instance sent = r.instance();
    pending.put(id, result -> registerResult(r, version, sent, result));
    // Only the request id is encoded here: the rest was when the registration was made.
    call.sendMessage(SessionRequests.register(id, r.encodedBody()));
  }

  private void registerResult(
      RegistrationImpl r, int healthVersion, Instance sent, RequestResult result) {
    if (registrations.get(r.key()) != r) {
      return;
    }
    if (result.getErrorCode() == 0) {
      r.refusedAgainWith(null);
      String session = sessionId;
      List<CompletableFuture<Instance>> healthSet = r.healthTaken(healthVersion);
      // Built outside the lock, by the thread that completes the futures.
      later(
          () -> {
            Instance stored = stored(sent, session, result);
            r.registeredFuture().complete(stored);
            for (CompletableFuture<Instance> f : healthSet) {
              f.complete(stored);
            }
          });
      return;
    }
    ErrorCode code = ErrorCode.fromGrpcCode(result.getErrorCode());
    // An instance the registry acknowledged stays this client's until it is deregistered or the
    // client closes: sent again on a new session (the old one lost in a failover), it is refused
    // while the old session still holds it, or on a member that lost the session meanwhile. It is
    // tried again, as a retryable failure is; only a first registration's refusal is its answer.
    boolean held =
        r.registeredFuture().isDone() && !r.registeredFuture().isCompletedExceptionally();
    if (code.retryable() || held) {
      if (!code.retryable() && r.refusedAgainWith(code)) {
        log.warn(
            "Registering {} again on session {} was refused ({}: {}); trying again until it is"
                + " taken",
            r.key(),
            sessionId,
            code,
            result.getErrorMessage());
      }
      events.schedule(
          () -> {
            synchronized (this) {
              if (open && registrations.get(r.key()) == r) {
                sendRegister(r);
              }
            }
          },
          backoff.delayNanos(failures = Math.min(failures + 1, 64)),
          TimeUnit.NANOSECONDS);
      return;
    }
    registrations.remove(r.key());
    fail(r, CairnException.of(code, result.getErrorMessage()));
  }

  // What the server stored: the instance sent, owned by this session, with the id and revisions the
  // result names.
  private static Instance stored(Instance sent, String sessionId, RequestResult result) {
    String id = result.getInstanceId().isEmpty() ? sent.id() : result.getInstanceId();
    try {
      if (id.equals(sent.id())) {
        // The usual case: nothing but the session and revisions to set, nothing to check again.
        return sent.inSession(sessionId, result.getCreateRevision(), result.getRevision());
      }
      return sent.toBuilder()
          .id(id)
          .kind(InstanceKind.EPHEMERAL)
          .sessionId(sessionId)
          .revisions(result.getCreateRevision(), result.getRevision())
          .build();
    } catch (CairnException e) {
      return sent; // an id this SDK would not accept: keep what was sent
    }
  }

  private void sendDeregister(String key, Instance instance, CompletableFuture<Long> done) {
    long id = ++nextRequestId;
    pending.put(
        id,
        result -> {
          if (toDeregister.get(key) == instance) {
            toDeregister.remove(key);
          }
          long revision = result.getErrorCode() == 0 ? result.getRevision() : 0L;
          later(() -> done.complete(revision));
        });
    call.sendMessage(
        SessionRequests.of(
            SessionRequest.newBuilder()
                .setDeregister(
                    DeregisterInstance.newBuilder()
                        .setRequestId(id)
                        .setNamespace(settings.namespace)
                        .setService(instance.service())
                        .setInstanceId(instance.id()))
                .build()));
  }

  // On the event thread.
  private void ended(ClientCall<byte[], SessionResponse> c, Status status) {
    synchronized (this) {
      if (c == call) {
        endedLocked(status);
      }
    }
    runDeferred();
  }

  /** Failed openings in a row after which the client warns that no registry takes its session. */
  static final int FAILURES_WARNED = 3;

  /**
   * A failure as an operator reads it: the status, and the innermost cause's message, where a TLS
   * refusal ("Received fatal alert: unknown_ca") or a refused connection says what is wrong.
   */
  static String describe(Status status) {
    StringBuilder out = new StringBuilder(status.getCode().toString());
    String description = status.getDescription();
    if (description != null) {
      // Netty's descriptions go on with the channel's pipeline on the next lines: noise here.
      int end = description.indexOf('\n');
      out.append(": ").append(end < 0 ? description : description.substring(0, end));
    }
    Throwable root = status.getCause();
    while (root != null && root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root != null && root.getMessage() != null && !out.toString().contains(root.getMessage())) {
      out.append(" (").append(root.getMessage()).append(')');
    }
    return out.toString();
  }

  private void endedLocked(Status status) {
    call = null;
    open = false;
    pending.clear();
    cancel(keepAliveTask);
    keepAliveTask = null;
    cancel(openTimeout);
    openTimeout = null;
    RegistryAddress leader = callToLeader ? leaderTarget : null;
    callToLeader = false;
    leaderTarget = null;
    if (closing) {
      later(() -> closed.complete(null));
      return;
    }
    if (status.getCode() == Status.Code.PERMISSION_DENIED && !sessionId.isEmpty()) {
      // The registry would not let this client resume its session (one opened by an older
      // server has no secret): open a new one and register again.
      log.info("Session {} may not be resumed ({}); opening a new one", sessionId, status);
      sessionId = "";
      sessionSecret = "";
    } else if (leader != null) {
      if (!callOpened && !stillDown(leader)) {
        // An address this client never reached: not reachable from here (NAT, a name only the
        // members resolve); or one it reached, failing for half the TTL. One failed attempt,
        // then the registry that sent it, at once.
        down = null;
        log.info(
            "Could not open the session on the leader at {} ({}); opening it at {}, without"
                + " asking for the leader for {} s",
            leader,
            status,
            channels.currentAddress(),
            TimeUnit.NANOSECONDS.toSeconds(LEADER_FALLBACK_NANOS));
        fallBackFromLeader();
        connectLocked();
        return;
      }
      // The leader went away: the configured registries send the session to the next one.
    } else if (givingUp) {
      // Silent, not broken: the views watching it may not see that by themselves.
      channels.gaveUp(callIndex, silentSinceNanos);
    } else {
      channels.failed(callIndex);
    }
    if (failures == 0) {
      failingSinceNanos = settings.ticker.nanos();
    }
    long delay = backoff.delayNanos(failures = Math.min(failures + 1, 64));
    if (failures == FAILURES_WARNED && !failingWarned) {
      // A failover takes one or two tries; this many in a row is a registry that cannot be reached
      // or refuses this client (a wrong address, port, CA or token): say so once, and why.
      failingWarned = true;
      log.warn(
          "No registry has opened this client's session for {} ms ({} tries; the last, to {}: {});"
              + " registrations wait and the client keeps trying",
          TimeUnit.NANOSECONDS.toMillis(settings.ticker.nanos() - failingSinceNanos),
          failures,
          leader != null ? leader : channels.address(callIndex),
          describe(status));
    }
    log.debug(
        "Session stream ended ({}); reconnecting to {} in {} ms",
        status,
        channels.currentAddress(),
        TimeUnit.NANOSECONDS.toMillis(delay));
    reconnectTask = events.schedule(this::connect, delay, TimeUnit.NANOSECONDS);
  }

  // Under the lock: fails r's futures (its registration's, and its setHealth's still waiting) once
  // the lock is released.
  private void fail(RegistrationImpl r, Throwable error) {
    List<CompletableFuture<Instance>> healthSet = r.takeHealthWaiting();
    later(
        () -> {
          r.registeredFuture().completeExceptionally(error);
          for (CompletableFuture<Instance> f : healthSet) {
            f.completeExceptionally(error);
          }
        });
  }

  // Under the lock.
  private void later(Runnable completion) {
    deferred.add(completion);
  }

  // Not under the lock: runs the completions decided under it.
  private void runDeferred() {
    ArrayList<Runnable> run;
    synchronized (this) {
      if (deferred.isEmpty()) {
        return;
      }
      run = deferred;
      deferred = new ArrayList<>();
    }
    for (Runnable r : run) {
      r.run();
    }
  }

  private static void cancel(ScheduledFuture<?> task) {
    if (task != null) {
      task.cancel(false);
    }
  }

  private static CairnException closedError() {
    return CairnException.of(
        ErrorCode.FAILED_PRECONDITION, "client: closed (expected: an open client)");
  }

  /** The listener of one call; callbacks of a call that is no longer current are ignored. */
  private final class Listener extends ClientCall.Listener<SessionResponse> {
    private final ClientCall<byte[], SessionResponse> c;

    Listener(ClientCall<byte[], SessionResponse> c) {
      this.c = c;
    }

    // On the network thread.
    @Override
    public void onMessage(SessionResponse message) {
      synchronized (SessionManager.this) {
        if (c != call) {
          return;
        }
        c.request(1);
        switch (message.getBodyCase()) {
          case OPENED:
            SessionOpened o = message.getOpened();
            events.execute(() -> opened(c, o));
            return;
          case KEEP_ALIVE_ACK:
            lastAckNanos = settings.ticker.nanos();
            return;
          case RESULT:
            result(message.getResult());
            break;
          case RESULTS:
            for (RequestResult r : message.getResults().getResultsList()) {
              result(r);
            }
            break;
          default:
            open = false;
            c.cancel("session: unexpected message " + message.getBodyCase(), null);
            return;
        }
      }
      runDeferred();
    }

    // On the network thread.
    @Override
    public void onClose(Status status, Metadata trailers) {
      try {
        events.execute(() -> ended(c, status));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // The client is shutting down; nothing is left to reconnect.
        synchronized (SessionManager.this) {
          if (c == call && closing) {
            later(() -> closed.complete(null));
          }
        }
        runDeferred();
      }
    }

    // Under the lock.
    private void result(RequestResult result) {
      Consumer<RequestResult> onResult = pending.remove(result.getRequestId());
      if (onResult != null) {
        onResult.accept(result);
      }
    }
  }
}
