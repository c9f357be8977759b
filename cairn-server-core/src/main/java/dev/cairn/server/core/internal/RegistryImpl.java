package dev.cairn.server.core.internal;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Health;
import dev.cairn.common.HealthCheck;
import dev.cairn.common.Instance;
import dev.cairn.common.InstanceKind;
import dev.cairn.common.Limits;
import dev.cairn.common.Names;
import dev.cairn.server.core.AuditEntry;
import dev.cairn.server.core.Author;
import dev.cairn.server.core.CheckStatus;
import dev.cairn.server.core.DrainReport;
import dev.cairn.server.core.HealthCheckStats;
import dev.cairn.server.core.HealthySelection;
import dev.cairn.server.core.Poller;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.RegistryMonitor;
import dev.cairn.server.core.RegistryOptions;
import dev.cairn.server.core.SelfPreservationStatus;
import dev.cairn.server.core.ServiceConfig;
import dev.cairn.server.core.ServiceList;
import dev.cairn.server.core.ServiceSnapshot;
import dev.cairn.server.core.SessionAccess;
import dev.cairn.server.core.SessionInfo;
import dev.cairn.server.core.Watch;
import dev.cairn.server.core.WatchListener;
import dev.cairn.server.core.acl.Authorizer;
import dev.cairn.server.core.acl.IssuedToken;
import dev.cairn.server.core.acl.Policy;
import dev.cairn.server.core.acl.Secrets;
import dev.cairn.server.core.acl.Token;
import dev.cairn.server.core.acl.TokenCache;
import dev.cairn.server.core.log.CommandLog;
import dev.cairn.server.core.log.LogMember;
import dev.cairn.server.core.log.LogStatus;
import dev.cairn.server.core.log.StorageStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The registry's implementation; see {@link dev.cairn.server.core.Registry} for the contract. */
public final class RegistryImpl {

  private static final Logger log = LoggerFactory.getLogger(RegistryImpl.class);

  /**
   * How often a follower sends the leader the sessions its clients renewed: well under the shortest
   * TTL (1 s), so a renewal reaches the leader long before the lease could run out.
   */
  static final Duration FORWARD_RENEWALS_EVERY = Duration.ofMillis(100);

  /**
   * Forwarded batches whose results the leader keeps to answer a batch sent again (decision 0107):
   * at a follower's batch a millisecond, several seconds of them.
   */
  static final int FORWARDED_BATCHES_KEPT = 8192;

  private final RegistryOptions options;
  private final RegistryMonitor monitor;
  private final CommandLog commandLog;
  private final Catalog catalog = new Catalog();
  // Shared by the callers that submit registrations and by the apply thread that decodes replays.
  private final StringPool pool = new StringPool();
  private final LocalEntries local = new LocalEntries();
  private final ForwardedWrites forwardedWrites = new ForwardedWrites(FORWARDED_BATCHES_KEPT);
  private final SessionLeases leases;
  // In a cluster: how long this member's keepalives wait for the leader (decision 0194).
  private final KeepAliveWaits keepAliveWaits;
  private final WatchHub hub;
  private final CommandBatcher batcher;
  private final ExecutorService watchExecutor;
  private final ScheduledExecutorService sweeper;
  private final HealthChecker checker;
  private final SelfPreservation preservation;
  private final CompletableFuture<CairnException> failure = new CompletableFuture<>();
  private volatile boolean closed;
  // Whether this member keeps the leases and runs the checks: a single node always, a member of a
  // cluster while it leads (decision 0102).
  private volatile boolean leading;
  private final LeaderChannel channel;
  // This member's id in its cluster, once its log told it ("" until then, and on a single node).
  private volatile String memberId = "";
  private final RevisionWaits revisionWaits = new RevisionWaits();
  private final TokenCache tokenCache =
      new TokenCache(s -> catalog.acl().resolve(s), () -> catalog.acl().generation());
  // The anonymous policy compiled, with the ACL generation it was compiled at.
  private volatile Anonymous anonymous;
  // The one-shot expiry scheduled by expireAt; guarded by `this`.
  private boolean exactExpiryPending;
  private long exactExpiryAt;

  private RegistryImpl(CommandLog commandLog, RegistryOptions options) {
    this.options = options;
    this.monitor = options.monitor();
    this.commandLog = commandLog;
    this.leases = new SessionLeases(options.ticker());
    this.keepAliveWaits =
        new KeepAliveWaits(options.ticker(), FORWARD_RENEWALS_EVERY.multipliedBy(2));
    this.watchExecutor =
        Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()), daemon("cairn-watch"));
    this.hub =
        new WatchHub(
            k -> catalog.service(k.namespace(), k.service()),
            catalog::services,
            watchExecutor,
            options.watchBufferEvents(),
            options.ticker(),
            monitor,
            new WatchHistory(options.watchHistoryEvents(), options.watchHistoryBytes()),
            this::schedule,
            catalog::revision);
    this.batcher =
        new CommandBatcher(
            commandLog,
            local,
            options.maxCommandsPerEntry(),
            options.maxEntriesInFlight(),
            options.maxForwardsInFlight(),
            () -> !leading,
            options.ticker());
    this.sweeper = Executors.newSingleThreadScheduledExecutor(daemon("cairn-sessions"));
    this.checker =
        new HealthChecker(
            options.healthProbe(),
            options.ticker(),
            (ns, svc, id, h) ->
                batcher.submit(authored(new Command.SetHealth(ns, svc, id, h), Author.SERVER)),
            options.flapHalfLife().toNanos(),
            options.maxConcurrentProbes(),
            monitor);
    this.leading = !commandLog.replicated();
    this.channel = commandLog.replicated() ? new LeaderChannel(commandLog, this::memberId) : null;
    if (!leading) {
      checker.lead(false);
    }
    this.preservation =
        new SelfPreservation(
            options.selfPreservationThreshold(),
            options.selfPreservationWindow().toNanos(),
            options.selfPreservationMinSessions(),
            options.selfPreservationMaxPause().toNanos());
  }

  /** Starts a registry on {@code log}; see {@link dev.cairn.server.core.Registry#start}. */
  public static RegistryImpl start(CommandLog log, RegistryOptions options) throws IOException {
    RegistryImpl r = new RegistryImpl(log, options);
    try {
      log.start(
          new CatalogMachine(
              r.catalog,
              r.pool,
              r.local,
              r::onChanges,
              r::onRestore,
              r::leadershipChanged,
              r::leaderMessage,
              r.forwardedWrites,
              r::acceptForwarded));
    } catch (IOException | RuntimeException e) {
      r.close();
      throw e;
    }
    log.failure().thenAccept(r::logFailed);
    if (options.autoExpireSessions()) {
      long every = options.sessionSweepInterval().toNanos();
      r.sweeper.scheduleWithFixedDelay(r::expireSessions, every, every, TimeUnit.NANOSECONDS);
    }
    if (r.channel != null) {
      long flush = FORWARD_RENEWALS_EVERY.toNanos();
      r.sweeper.scheduleWithFixedDelay(r.channel::flush, flush, flush, TimeUnit.NANOSECONDS);
    }
    return r;
  }

  // ---- writes ----

  /** {@code command} with its author and the time now, for the audit (decision 0171). */
  private Command authored(Command command, Author author) {
    return new Command.Authored(author, options.clock().millis(), command);
  }

  public CompletableFuture<Instance> register(
      String namespace, Instance instance, SessionAccess access, Author author) {
    String ns = Names.namespace(namespace);
    if (!instance.id().isEmpty()) {
      Names.checkNewInstanceId("id", instance.id());
    }
    String session = instance.sessionId();
    InstanceKind kind = session.isEmpty() ? InstanceKind.PERSISTENT : InstanceKind.EPHEMERAL;
    // Strings are shared here, on the caller's thread, not on the single apply thread.
    Instance toStore = normalized(instance, kind).withSharedStrings(pool::share);
    if (!session.isEmpty()) {
      checkSession(session, access);
      renew(session); // fails fast on unknown sessions, and counts as a keepalive
    }
    return batcher
        .submit(
            authored(
                new Command.Register(ns, toStore, access.actsForAnySession()),
                session.isEmpty() ? author : author.inSession(session)))
        .thenCompose(
            r -> {
              if (!r.isOk()) {
                return CompletableFuture.failedFuture(r.toException());
              }
              monitor.registered(kind);
              return CompletableFuture.completedFuture(
                  toStore.withRevisions(r.createRevision(), r.revision()));
            });
  }

  // Rebuilt only when something must change: an instance is checked when it is built.
  private static Instance normalized(Instance instance, InstanceKind kind) {
    if (!instance.id().isEmpty() && instance.kind() == kind && instance.modRevision() == 0) {
      return instance;
    }
    Instance.Builder b = instance.toBuilder().revisions(0, 0).kind(kind);
    if (instance.id().isEmpty()) {
      b.id(UUID.randomUUID().toString());
    }
    return b.build();
  }

  public CompletableFuture<Long> deregister(
      String namespace, String service, String id, SessionAccess access, Author author) {
    String ns = Names.namespace(namespace);
    Names.checkLabel("service", service);
    Names.checkInstanceId("id", id);
    // The session this caller proves, when it proves the instance's owner; the catalog checks the
    // owner again when it applies the removal.
    String asSession = "";
    String own = access.sessionId();
    if (!access.actsForAnySession() && !own.isEmpty() && access.proves(catalog.secretHash(own))) {
      // A session stream removing from its own session: its registration of the instance may be
      // right ahead of this removal, not applied yet, and must not make it fail.
      asSession = own;
    } else if (!access.actsForAnySession() && access.hasSecret()) {
      Instance found = find(catalog.service(ns, service).instances(), id);
      if (found != null
          && !found.sessionId().isEmpty()
          && access.proves(catalog.secretHash(found.sessionId()))) {
        asSession = found.sessionId();
      }
    }
    CompletableFuture<Long> done =
        revisionOf(
            batcher.submit(
                authored(
                    new Command.Deregister(ns, service, id, asSession, access.actsForAnySession()),
                    author.inSession(asSession.isEmpty() ? null : asSession))));
    done.thenRun(monitor::deregistered);
    return done;
  }

  public CompletableFuture<SessionInfo> openSession(
      Duration ttl, String resumeId, SessionAccess access, String name, Author author) {
    long ttlMillis = ttlMillis(ttl);
    String clientName = Limits.checkSessionName("name", name == null ? "" : name);
    if (clientName.startsWith(Registry.SERVER_SESSION_PREFIX) && !access.actsForAnySession()) {
      throw CairnException.invalid(
          "name",
          clientName,
          "a name not starting with \""
              + Registry.SERVER_SESSION_PREFIX
              + "\": such names are the server's own sessions");
    }
    if (resumeId != null && !resumeId.isEmpty() && leases.isLive(resumeId)) {
      checkSession(resumeId, access); // a live session is resumed only by its holder
      try {
        long kept = renew(resumeId);
        claim(resumeId);
        monitor.sessionOpened(true);
        return CompletableFuture.completedFuture(
            new SessionInfo(resumeId, "", kept, true, catalog.revision()));
      } catch (CairnException e) {
        // It ended between the check and the renewal: open a new one below.
      }
    }
    String id = UUID.randomUUID().toString();
    String secret = Secrets.newSecret();
    return batcher
        .submit(
            authored(
                new Command.OpenSession(id, ttlMillis, clientName, Secrets.hash(secret)),
                author.inSession(id)))
        .thenCompose(
            r -> {
              if (!r.isOk()) {
                return CompletableFuture.failedFuture(r.toException());
              }
              monitor.sessionOpened(false);
              claim(id);
              return CompletableFuture.completedFuture(
                  new SessionInfo(id, secret, ttlMillis, false, r.revision()));
            });
  }

  public long keepAlive(String sessionId, SessionAccess access) {
    checkSession(sessionId, access);
    return renew(sessionId);
  }

  /**
   * Renews as {@link #keepAlive}; completes with the TTL once the leader's lease has the renewal:
   * at once on the leader or a single node, on a follower once the flush carrying it reached the
   * leader (decision 0187).
   */
  public CompletableFuture<Long> keepAliveAtLeader(String sessionId, SessionAccess access) {
    checkSession(sessionId, access);
    if (channel == null || leading) {
      if (channel != null) {
        // Answered at once: a wait from before this member led is over (decision 0194).
        keepAliveWaits.forget(sessionId);
      }
      return CompletableFuture.completedFuture(renew(sessionId));
    }
    long ttl = leases.renew(sessionId);
    long since = keepAliveWaits.waiting(sessionId, ttl);
    return channel
        .renewedToLeader(sessionId)
        .thenApply(
            v -> {
              keepAliveWaits.answered(sessionId, since);
              return ttl;
            });
  }

  /**
   * Refuses with {@code PERMISSION_DENIED} a caller that does not prove a session the catalog
   * holds; a session the catalog does not hold passes (the write then fails as it always did).
   */
  public void checkSession(String sessionId, SessionAccess access) {
    if (access.actsForAnySession()) {
      return;
    }
    byte[] hash = catalog.secretHash(sessionId);
    if (hash == null || access.proves(hash)) {
      return;
    }
    throw CairnException.of(
        ErrorCode.PERMISSION_DENIED,
        "secret",
        "secret: "
            + (access.hasSecret() ? "wrong" : "missing")
            + " for session "
            + sessionId
            + (hash.length == 0
                ? " (it was opened by an older server and has no secret: open a new session)"
                : " (expected: the secret returned when the session was opened)"));
  }

  // A renewal here; on a follower also noted for the leader, which keeps the lease that counts.
  /** The name the client of an open session gave it; null when the catalog holds none. */
  public String sessionName(String sessionId) {
    return catalog.sessionName(sessionId);
  }

  /** Whether the session's lease is known here. */
  public boolean isSessionOpen(String sessionId) {
    return leases.isKnown(sessionId);
  }

  private long renew(String sessionId) {
    long ttl = leases.renew(sessionId);
    if (channel != null) {
      if (leading) {
        leases.renewedBy(sessionId, memberId());
      } else {
        channel.renewed(sessionId);
      }
    }
    return ttl;
  }

  // In a cluster: the session's client opened or resumed it on this member, which holds it now; a
  // detach from any other member no longer ends it (decision 0186).
  private void claim(String sessionId) {
    if (channel == null) {
      return;
    }
    if (leading) {
      leases.claim(sessionId, memberId());
    } else {
      channel.claimed(sessionId);
    }
  }

  /** This member's id in its cluster; {@code ""} while its log does not know it. */
  private String memberId() {
    String id = memberId;
    if (id.isEmpty()) {
      id = commandLog.status().nodeId();
      memberId = id;
    }
    return id;
  }

  public CompletableFuture<Long> closeSession(
      String sessionId, SessionAccess access, Author author) {
    if (!leases.isKnown(sessionId)) {
      return CompletableFuture.failedFuture(CairnException.notFound("session", sessionId));
    }
    try {
      checkSession(sessionId, access);
    } catch (CairnException e) {
      return CompletableFuture.failedFuture(e);
    }
    leases.end(sessionId);
    return revisionOf(
        batcher.submit(
            authored(new Command.CloseSession(sessionId, false), author.inSession(sessionId))));
  }

  public void detachSession(String sessionId) {
    if (channel != null && keepAliveWaits.leftUnanswered(sessionId)) {
      // Its client gave this member up for its silence and resumes the session on another
      // (decision 0194): the session is kept, and this member no longer claims it.
      channel.forget(sessionId);
      log.debug(
          "session {}: its stream here ended while its keepalives waited for a leader; kept for"
              + " its client to resume on another member (else its lease runs out)",
          sessionId);
      return;
    }
    if (!leading && channel != null) {
      // The leader ends the lease; this member only tells it, at once.
      channel
          .detach(sessionId)
          .whenComplete(
              (r, e) -> {
                if (e != null && !closed) {
                  log.warn(
                      "telling the leader that session {} detached failed (its lease runs out"
                          + " instead): {}",
                      sessionId,
                      e.toString());
                }
              });
      return;
    }
    detachFrom(memberId(), sessionId);
  }

  // On the leader: a detach counts only from the member that holds the session (decision 0186);
  // one from another member (a stream its client abandoned, seen to end only now) is ignored. When
  // the holder or the sender is unknown (after a leader change, a member of an earlier version),
  // it counts.
  private void detachFrom(String member, String sessionId) {
    if (channel != null && !member.isEmpty()) {
      String holder = leases.holder(sessionId);
      if (!holder.isEmpty() && !holder.equals(member)) {
        log.debug(
            "session {} detached from member {}, but member {} holds it now: ignored",
            sessionId,
            member,
            holder);
        return;
      }
    }
    detachHere(sessionId);
  }

  private void detachHere(String sessionId) {
    long grace = options.detachGrace().toNanos();
    if (grace > 0) {
      leases.shorten(sessionId, grace);
      expireAt(options.ticker().nanos() + grace);
      return;
    }
    if (leases.end(sessionId)) {
      logClose(sessionId, false);
    }
  }

  /**
   * Closes every session whose lease ran out, unless self-preservation holds them; runs on the
   * sweeper, or from tests.
   */
  public void expireSessions() {
    if (closed || !leading) {
      return;
    }
    if (!preservation.mayExpire(leases.due(), leases.size(), options.ticker().nanos())) {
      return;
    }
    for (String id : leases.expire()) {
      logClose(id, true);
    }
    leases.nextDeadline().ifPresent(this::expireAt);
  }

  /**
   * Runs an expiry at {@code deadline} (ticker nanos) when the regular sweep would come later, so
   * that a lease ends within about a millisecond of running out rather than up to a sweep interval
   * after.
   */
  private void expireAt(long deadline) {
    if (!options.autoExpireSessions() || closed || !leading) {
      return;
    }
    long delay = deadline - options.ticker().nanos();
    if (delay >= options.sessionSweepInterval().toNanos()) {
      return; // a regular sweep runs before, and looks again
    }
    synchronized (this) {
      if (exactExpiryPending && exactExpiryAt - deadline <= 0) {
        return;
      }
      exactExpiryPending = true;
      exactExpiryAt = deadline;
    }
    try {
      sweeper.schedule(this::exactExpiry, Math.max(0, delay), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
  }

  private void exactExpiry() {
    synchronized (this) {
      exactExpiryPending = false;
    }
    expireSessions();
  }

  private void logClose(String sessionId, boolean expired) {
    batcher
        .submit(authored(new Command.CloseSession(sessionId, expired), Author.SERVER))
        .whenComplete(
            (r, e) -> {
              if (e != null && !closed) {
                log.warn("closing session {} failed: {}", sessionId, e.toString());
              } else if (r != null && r.isOk() && expired) {
                monitor.sessionExpired();
                log.debug("session {} expired", sessionId);
              }
            });
  }

  // ---- ACLs ----

  private record Anonymous(long generation, Authorizer authorizer) {}

  /** The authorizer of the token with {@code secret}; the anonymous one for none. */
  public Authorizer authorizer(String secret) {
    if (secret == null || secret.isEmpty()) {
      return anonymousAuthorizer();
    }
    return tokenCache.get(secret);
  }

  public Authorizer anonymousAuthorizer() {
    long generation = catalog.acl().generation();
    Anonymous a = anonymous;
    if (a != null && a.generation() == generation) {
      return a.authorizer();
    }
    Authorizer compiled = catalog.acl().anonymous();
    anonymous = new Anonymous(generation, compiled);
    return compiled;
  }

  public boolean aclBootstrapped() {
    return catalog.acl().bootstrapped();
  }

  public List<Token> aclTokens() {
    return catalog.acl().tokens();
  }

  public List<Policy> aclPolicies() {
    return catalog.acl().policies();
  }

  public CompletableFuture<IssuedToken> createToken(
      String description, List<String> policies, boolean bootstrap, Author author) {
    String d = description == null ? "" : description;
    if (d.length() > 256) {
      throw CairnException.invalid("description", d.length() + " characters", "0..256");
    }
    if (policies.isEmpty()) {
      // A token without a policy may do nothing at all, not even what the anonymous policy allows.
      throw CairnException.of(
          ErrorCode.INVALID_ARGUMENT,
          "policies",
          "policies: none (expected: one or more policy names; "
              + Policy.MANAGEMENT
              + " for everything)");
    }
    if (policies.size() > Policy.MAX_RULES) {
      throw CairnException.invalid("policies", policies.size() + " policies", "0..256");
    }
    for (String p : policies) {
      Names.checkLabel("policies", p);
      if (!p.equals(Policy.MANAGEMENT) && catalog.acl().policy(p) == null) {
        throw CairnException.notFound("policies", p);
      }
    }
    if (bootstrap && catalog.acl().bootstrapped()) {
      return CompletableFuture.failedFuture(
          CairnException.of(
              ErrorCode.FAILED_PRECONDITION,
              "acl",
              "acl: already bootstrapped (expected: one bootstrap; create tokens with a"
                  + " management token)"));
    }
    String accessor = UUID.randomUUID().toString();
    String secret = Secrets.newSecret();
    List<String> names = List.copyOf(policies);
    return batcher
        .submit(
            authored(
                new Command.CreateAclToken(accessor, Secrets.hash(secret), d, names, bootstrap),
                author))
        .thenCompose(
            r ->
                r.isOk()
                    ? CompletableFuture.completedFuture(
                        new IssuedToken(new Token(accessor, d, names, r.revision()), secret))
                    : CompletableFuture.failedFuture(r.toException()));
  }

  public CompletableFuture<Long> deleteToken(String accessorId, Author author) {
    if (accessorId == null || accessorId.isEmpty() || accessorId.length() > 64) {
      throw CairnException.invalid("accessorId", accessorId, "a token's accessor id");
    }
    return revisionOf(batcher.submit(authored(new Command.DeleteAclToken(accessorId), author)));
  }

  public CompletableFuture<Long> createPolicy(Policy policy, Author author) {
    if (policy.name().equals(Policy.MANAGEMENT)) {
      throw CairnException.invalid("name", policy.name(), "not a built-in policy's name");
    }
    return revisionOf(batcher.submit(authored(new Command.CreateAclPolicy(policy), author)));
  }

  public CompletableFuture<Long> deletePolicy(String name, Author author) {
    Names.checkLabel("name", name);
    return revisionOf(batcher.submit(authored(new Command.DeleteAclPolicy(name), author)));
  }

  // ---- health ----

  public CompletableFuture<Health> reportHealth(
      String namespace, String service, String id, Health health, Author author) {
    String ns = Names.namespace(namespace);
    Names.checkLabel("service", service);
    Names.checkInstanceId("id", id);
    Instance found = find(catalog.service(ns, service).instances(), id);
    if (found == null) {
      return CompletableFuture.failedFuture(
          CairnException.notFound("id", ns + "/" + service + "/" + id));
    }
    HealthCheck check = found.check().orElse(null);
    if (check == null) {
      return batcher
          .submit(authored(new Command.SetHealth(ns, service, id, health), author))
          .thenCompose(
              r ->
                  r.isOk()
                      ? CompletableFuture.completedFuture(health)
                      : CompletableFuture.failedFuture(r.toException()));
    }
    if (check.type() != HealthCheck.Type.TTL) {
      return CompletableFuture.failedFuture(
          CairnException.of(
              ErrorCode.FAILED_PRECONDITION,
              "check",
              "check: "
                  + check.type().label()
                  + " (expected: a ttl check or none; the registry probes this instance itself)"));
    }
    if (!leading && channel != null) {
      // The leader runs the checks: it takes the report.
      return channel
          .send(LeaderChannel.Op.report(ns, service, id, health))
          .thenApply(answer -> health);
    }
    return checker.report(ns, service, id, health);
  }

  public ServiceConfig serviceConfig(String namespace, String service) {
    double t =
        catalog.protectionThreshold(
            Names.namespace(namespace), Names.checkLabel("service", service));
    return t < 0
        ? new ServiceConfig(options.protectionThreshold(), true)
        : new ServiceConfig(t, false);
  }

  public CompletableFuture<Long> setProtectionThreshold(
      String namespace, String service, Double threshold, Author author) {
    String ns = Names.namespace(namespace);
    Names.checkLabel("service", service);
    if (threshold != null && !(threshold >= 0 && threshold <= 1)) {
      throw CairnException.invalid("protectionThreshold", threshold, "0..1");
    }
    return revisionOf(
        batcher.submit(
            authored(
                new Command.SetServiceConfig(ns, service, threshold == null ? -1 : threshold),
                author)));
  }

  public HealthySelection healthy(String namespace, String service, List<Instance> candidates) {
    HealthySelection s =
        HealthySelection.of(candidates, serviceConfig(namespace, service).protectionThreshold());
    if (s.protection()) {
      monitor.protectionApplied();
    }
    return s;
  }

  public CompletableFuture<List<CheckStatus>> checks(String namespace, String service) {
    String ns = Names.namespace(namespace);
    Names.checkLabel("service", service);
    List<Instance> instances = catalog.service(ns, service).instances();
    if (instances.isEmpty()) {
      return CompletableFuture.failedFuture(CairnException.notFound("service", ns + "/" + service));
    }
    List<String> ids = new java.util.ArrayList<>(instances.size());
    for (Instance i : instances) {
      if (i.hasCheck()) {
        ids.add(i.id());
      }
    }
    return ids.isEmpty()
        ? CompletableFuture.completedFuture(List.of())
        : checker.checks(ns, service, ids);
  }

  public HealthCheckStats healthCheckStats() {
    return checker.stats();
  }

  public SelfPreservationStatus selfPreservation() {
    return preservation.status();
  }

  // ---- reads ----

  /**
   * The latest {@code limit} writes (newest first) of {@code namespace} and {@code service}, each
   * when not null.
   */
  public List<AuditEntry> audit(String namespace, String service, int limit) {
    String ns = namespace == null ? null : Names.namespace(namespace);
    if (service != null) {
      Names.checkLabel("service", service);
    }
    if (limit < 1 || limit > MAX_AUDIT_LIMIT) {
      throw CairnException.invalid("limit", limit, "1.." + MAX_AUDIT_LIMIT);
    }
    return catalog.audit().latest(ns, service, limit);
  }

  /** The most writes one audit read returns: all the audit keeps. */
  public static final int MAX_AUDIT_LIMIT = AuditLog.DEFAULT_CAPACITY;

  public ServiceSnapshot service(String namespace, String service) {
    return catalog.service(Names.namespace(namespace), Names.checkLabel("service", service));
  }

  public ServiceList services(String namespace) {
    return catalog.services(Names.namespace(namespace));
  }

  public long revision() {
    return catalog.revision();
  }

  public List<ServiceSnapshot> allServices() {
    return catalog.allServices();
  }

  public List<ServiceSnapshot> configuredServices() {
    return catalog.configuredServices();
  }

  public int instanceCount() {
    return catalog.instanceCount();
  }

  public int serviceCount() {
    return catalog.serviceCount();
  }

  public int sessionCount() {
    return leases.size();
  }

  public Watch watchService(String ns, String service, long from, WatchListener listener) {
    WatchHub.Key key = new WatchHub.Key(Names.namespace(ns), Names.checkLabel("service", service));
    checkFrom(from);
    return hub.watchService(key, from, listener);
  }

  public Watch watchServices(String ns, long from, WatchListener listener) {
    String namespace = Names.namespace(ns);
    checkFrom(from);
    return hub.watchServices(namespace, from, listener);
  }

  public CompletableFuture<Void> awaitService(String ns, String service, long after) {
    WatchHub.Key key = new WatchHub.Key(Names.namespace(ns), Names.checkLabel("service", service));
    checkFrom(after);
    return hub.awaitService(key, after);
  }

  public CompletableFuture<Void> awaitServices(String ns, long after) {
    String namespace = Names.namespace(ns);
    checkFrom(after);
    return hub.awaitServices(namespace, after);
  }

  public CompletableFuture<DrainReport> awaitDrained(
      String ns, String service, long revision, Duration timeout) {
    WatchHub.Key key = new WatchHub.Key(Names.namespace(ns), Names.checkLabel("service", service));
    if (revision < 1) {
      throw CairnException.invalid("revision", revision, ">= 1");
    }
    Duration max = Duration.ofMillis(Limits.MAX_WAIT_MILLIS);
    if (timeout.isNegative() || timeout.compareTo(max) > 0) {
      throw CairnException.invalid("timeout", timeout, "0.." + max);
    }
    return hub.awaitDrained(key, revision, timeout.toNanos());
  }

  public Poller poller(String ns, String service, String description) {
    WatchHub.Key key = new WatchHub.Key(Names.namespace(ns), Names.checkLabel("service", service));
    return hub.poller(key, description);
  }

  public String historyId() {
    return commandLog.historyId();
  }

  // ---- cluster ----

  public boolean replicated() {
    return commandLog.replicated();
  }

  public StorageStatus logStorage() {
    return commandLog.storage();
  }

  public LogStatus clusterStatus() {
    return commandLog.status();
  }

  /** Completes once this member applied everything committed when called (ReadIndex). */
  public CompletableFuture<Long> readBarrier() {
    return commandLog.readBarrier().thenApply(index -> catalog.revision());
  }

  /**
   * Completes once this member's catalog is at {@code revision} or later; fails with {@code
   * UNAVAILABLE} (naming both revisions) after {@code timeout}.
   */
  public CompletableFuture<Long> awaitRevision(long revision, Duration timeout) {
    long current = catalog.revision();
    if (current >= revision) {
      return CompletableFuture.completedFuture(current);
    }
    return revisionWaits
        .await(revision, current)
        .orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
        .handle(
            (v, e) -> {
              long now = catalog.revision();
              if (now >= revision) {
                return now;
              }
              throw CairnException.of(
                  ErrorCode.UNAVAILABLE,
                  "revision",
                  "this member is behind: at revision "
                      + now
                      + ", asked for "
                      + revision
                      + " (retry, or ask another member)");
            });
  }

  public CompletableFuture<List<LogMember>> members() {
    return commandLog.members();
  }

  public CompletableFuture<List<LogMember>> addMember(String id, String address) {
    return commandLog.addMember(id, address);
  }

  public CompletableFuture<List<LogMember>> removeMember(String id) {
    return commandLog.removeMember(id);
  }

  public CompletableFuture<Void> transferLeadership(String id) {
    return commandLog.transferLeadership(id);
  }

  /** Whether this member keeps the leases and runs the checks. */
  public boolean leading() {
    return leading;
  }

  // On a log thread: this member starts or stops leading.
  private void leadershipChanged(boolean leads) {
    try {
      sweeper.execute(
          () -> {
            // Which member holds each session is learnt again from the members' messages.
            leases.forgetHolders();
            if (leads) {
              // Every lease's clock starts afresh: no mass expiry after an election.
              leases.refreshAll();
              leading = true;
              checker.lead(true);
              log.info(
                  "leading: {} session leases restarted, health checks run here", leases.size());
              expireSessions();
            } else {
              leading = false;
              checker.lead(false);
              log.info("no longer leading: leases and health checks are the new leader's");
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
  }

  // On the leader, any thread: a batch a follower forwarded, applied inside this member's entries
  // with its own clients' commands (decision 0107); a batch sent again is answered, not applied.
  // Its sender's deadline is budgetNanos away (LogStateMachine.NO_BUDGET: none): a batch still
  // queued here past it is dropped before it is appended (decision 0183).
  private CompletableFuture<byte[]> acceptForwarded(byte[] entry, long budgetNanos) {
    if (!leading) {
      return CompletableFuture.failedFuture(
          CairnException.of(ErrorCode.UNAVAILABLE, "this member does not lead (any more)"));
    }
    long batchId;
    List<Command> flat = new ArrayList<>();
    try {
      batchId = CommandCodec.batchId(entry);
      for (Command c : CommandCodec.decodeBatch(entry, pool)) {
        // An entry of a leader that lost its leadership while appending comes here whole.
        if (c instanceof Command.Forwarded f) {
          flat.addAll(f.commands());
        } else {
          flat.add(c);
        }
      }
    } catch (IOException e) {
      return CompletableFuture.failedFuture(
          CairnException.of(
              ErrorCode.INVALID_ARGUMENT, "a forwarded entry that does not decode: " + e));
    }
    ForwardedWrites.Start start = forwardedWrites.start(batchId);
    if (start.submit()) {
      long deadline =
          budgetNanos == dev.cairn.server.core.log.LogStateMachine.NO_BUDGET
              ? CommandBatcher.NO_DEADLINE
              : options.ticker().nanos() + budgetNanos;
      batcher.submitForwarded(new Command.Forwarded(batchId, flat), start.results(), deadline);
    }
    int n = flat.size();
    return start
        .results()
        .handle(
            (results, error) -> {
              if (error == null) {
                return CommandCodec.encodeResults(results);
              }
              Throwable cause =
                  error instanceof CompletionException && error.getCause() != null
                      ? error.getCause()
                      : error;
              // A refusal that holds wherever the batch is sent (a full disk, say) is the
              // commands' answer; anything else (no quorum, leadership gone) fails the message, so
              // the member sends the batch again to whoever leads.
              if (cause instanceof CairnException e && e.code() != ErrorCode.UNAVAILABLE) {
                List<Result> failed = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                  failed.add(Result.failed(e));
                }
                return CommandCodec.encodeResults(failed);
              }
              throw error instanceof CompletionException c ? c : new CompletionException(cause);
            });
  }

  // On the leader, any thread: what a follower tells about the sessions and checks it serves.
  private byte[] leaderMessage(byte[] message) {
    LeaderChannel.Message decoded;
    try {
      decoded = LeaderChannel.decode(message);
    } catch (IOException e) {
      log.warn(
          "a leader message that does not decode ({} bytes): {}", message.length, e.getMessage());
      return new byte[0];
    }
    String sender = decoded.sender();
    for (LeaderChannel.Op op : decoded.ops()) {
      switch (op.kind()) {
        case LeaderChannel.RENEW -> {
          try {
            leases.renew(op.session());
            if (!sender.isEmpty()) {
              leases.renewedBy(op.session(), sender);
            }
          } catch (CairnException e) {
            // Ended meanwhile: its close is in the log.
          }
        }
        case LeaderChannel.CLAIM -> {
          if (!sender.isEmpty()) {
            leases.claim(op.session(), sender);
          }
        }
        case LeaderChannel.DETACH -> detachFrom(sender, op.session());
        case LeaderChannel.REPORT ->
            checker
                .report(op.namespace(), op.service(), op.id(), op.health())
                .exceptionally(e -> null);
        default -> {}
      }
    }
    return new byte[0];
  }

  public int pendingWaits() {
    return hub.waitKeys();
  }

  public int watcherCount() {
    return hub.watcherCount();
  }

  /** See {@link dev.cairn.server.core.Registry#failure()}. */
  public CompletableFuture<CairnException> failure() {
    return failure.copy();
  }

  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    sweeper.shutdownNow();
    checker.close();
    hub.closeAll();
    batcher.close();
    commandLog.close();
    watchExecutor.shutdown();
  }

  // Runs once, on the log's failure thread, when the log stopped by itself.
  private void logFailed(CairnException cause) {
    if (closed) {
      return;
    }
    if (dev.cairn.server.core.log.CommandLog.removedFromCluster(cause)) {
      log.warn("{}", cause.getMessage());
    } else {
      log.error(
          "The registry can no longer write and must be restarted: {}", cause.getMessage(), cause);
    }
    batcher.fail(cause);
    failure.complete(cause);
  }

  // ---- apply thread ----

  private void onChanges(Catalog.Changes changes) {
    revisionWaits.reached(changes.revision());
    for (Catalog.OpenedSession s : changes.openedSessions()) {
      leases.grant(s.id(), s.ttlMillis());
      expireAt(options.ticker().nanos() + s.ttlMillis() * 1_000_000L);
    }
    for (String id : changes.closedSessions()) {
      leases.remove(id);
      keepAliveWaits.forget(id);
    }
    for (Catalog.ServiceChange c : changes.services()) {
      checker.onServiceChanged(c.namespace(), c.events());
      hub.serviceChanged(c.namespace(), c.snapshot().name(), c.events());
    }
    for (String ns : changes.namespaces()) {
      hub.namespaceChanged(ns);
    }
  }

  /**
   * After a snapshot is loaded: every open session gets a fresh lease of its TTL, so clients that
   * reconnect within it resume, and the others expire.
   */
  private void onRestore() {
    leases.clear();
    List<Catalog.OpenedSession> open = catalog.sessions();
    for (Catalog.OpenedSession s : open) {
      leases.grant(s.id(), s.ttlMillis());
    }
    checker.reset(catalog.allServices());
    hub.restored(catalog.revision());
    revisionWaits.reached(catalog.revision());
    if (!open.isEmpty()) {
      log.info("restored {} sessions; each expires unless resumed within its TTL", open.size());
    }
  }

  // ---- helpers ----

  private void checkFrom(long from) {
    long current = catalog.revision();
    if (from > current && commandLog.replicated()) {
      // A watch resumed here after another member delivered revisions this one has not applied.
      throw CairnException.of(
          ErrorCode.UNAVAILABLE,
          "revision",
          "this member is behind: at revision "
              + current
              + ", asked to resume from "
              + from
              + " (retry in a moment, or watch on another member)");
    }
    if (from < 0 || from > current) {
      throw CairnException.invalid("revision", from, "0.." + current + " (the current revision)");
    }
  }

  // Drain timeouts; on the sessions' scheduler, whose tasks are all short.
  private Runnable schedule(Runnable task, long delayNanos) {
    try {
      java.util.concurrent.ScheduledFuture<?> f =
          sweeper.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
      return () -> f.cancel(false);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      task.run(); // closing
      return () -> {};
    }
  }

  private static Instance find(List<Instance> instances, String id) {
    for (Instance i : instances) {
      if (i.id().equals(id)) {
        return i;
      }
    }
    return null;
  }

  private static long ttlMillis(Duration ttl) {
    if (ttl == null || ttl.isZero()) {
      return Limits.DEFAULT_SESSION_TTL_MILLIS;
    }
    long ms = ttl.toMillis();
    if (ttl.isNegative()
        || ms < Limits.MIN_SESSION_TTL_MILLIS
        || ms > Limits.MAX_SESSION_TTL_MILLIS) {
      throw CairnException.invalid(
          "ttl",
          ttl,
          Duration.ofMillis(Limits.MIN_SESSION_TTL_MILLIS)
              + ".."
              + Duration.ofMillis(Limits.MAX_SESSION_TTL_MILLIS));
    }
    return ms;
  }

  private static CompletableFuture<Long> revisionOf(CompletableFuture<Result> f) {
    return f.thenCompose(
        r ->
            r.isOk()
                ? CompletableFuture.completedFuture(r.revision())
                : CompletableFuture.failedFuture(r.toException()));
  }

  private static java.util.concurrent.ThreadFactory daemon(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
