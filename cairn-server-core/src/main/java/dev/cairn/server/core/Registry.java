package dev.cairn.server.core;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.CairnException;
import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.server.core.log.CommandLog;
import dev.cairn.server.core.log.StorageStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The registry: the catalog of namespaces, services and instances, its sessions and its watches.
 * This is what every transport talks to.
 *
 * <p>Writes are commands appended to a {@link CommandLog} and applied in order by one state
 * machine; their futures complete once the command is durable and applied, with the revision it
 * made. Reads ({@link #service}, {@link #services}, {@link #revision}) come from immutable
 * snapshots and never wait for writes. Every method is thread-safe.
 *
 * <p>Failures are {@link CairnException}s: thrown directly for bad arguments, or completing the
 * returned future exceptionally.
 *
 * <p>Writes that touch a session take a {@link SessionAccess}: what the caller proves. The forms
 * without one act for every session; they are for callers inside the server (a front door that
 * keeps its own sessions, tests). A transport passes what its client sent.
 */
public final class Registry implements AutoCloseable {

  /**
   * Session names starting with this are the server's own: a front door's sessions (a Eureka lease)
   * carry one, so that the door knows them from any other. Only a caller acting for every session
   * opens one; a client asking for such a name is refused with {@code INVALID_ARGUMENT}.
   */
  public static final String SERVER_SESSION_PREFIX = "cairn:";

  private final dev.cairn.server.core.internal.RegistryImpl impl;
  private final Cluster cluster;
  private final Acls acls;

  private Registry(dev.cairn.server.core.internal.RegistryImpl impl) {
    this.impl = impl;
    this.cluster = new Cluster(impl);
    this.acls = new Acls(impl);
  }

  /**
   * Starts a registry on {@code log}: restores the catalog from the log, then begins expiring
   * sessions. The caller keeps ownership of nothing: {@link #close()} closes the log too.
   */
  public static Registry start(CommandLog log, RegistryOptions options) throws IOException {
    return new Registry(dev.cairn.server.core.internal.RegistryImpl.start(log, options));
  }

  /**
   * Registers or replaces an instance. An instance with a non-empty {@link Instance#sessionId()} is
   * ephemeral and owned by that session, which must be open. An empty id is replaced by a generated
   * one. Completes with the stored instance (its id and revisions set). Acts for every session.
   */
  public CompletableFuture<Instance> register(String namespace, Instance instance) {
    return impl.register(namespace, instance, SessionAccess.anySession(), Author.SERVER);
  }

  /**
   * Registers or replaces an instance as {@code access}: an instance bound to a session needs that
   * session's secret, and one that replaces an instance of another open session fails with {@code
   * PERMISSION_DENIED} (field {@code secret}) unless {@code access} acts for every session.
   */
  public CompletableFuture<Instance> register(
      String namespace, Instance instance, SessionAccess access) {
    return register(namespace, instance, access, Author.SERVER);
  }

  /**
   * Like {@link #register(String, Instance, SessionAccess)}, recording {@code author} in the audit.
   */
  public CompletableFuture<Instance> register(
      String namespace, Instance instance, SessionAccess access, Author author) {
    return impl.register(
        namespace, instance, requireNonNull(access, "access"), requireNonNull(author, "author"));
  }

  /**
   * Removes an instance. Completes with the revision of the removal, or with {@code NOT_FOUND} when
   * there was no such instance. Acts for every session.
   */
  public CompletableFuture<Long> deregister(String namespace, String service, String instanceId) {
    return impl.deregister(
        namespace, service, instanceId, SessionAccess.anySession(), Author.SERVER);
  }

  /**
   * Removes an instance as {@code access}: one owned by an open session needs that session's secret
   * ({@code PERMISSION_DENIED} otherwise), unless {@code access} acts for every session.
   */
  public CompletableFuture<Long> deregister(
      String namespace, String service, String instanceId, SessionAccess access) {
    return deregister(namespace, service, instanceId, access, Author.SERVER);
  }

  /**
   * Like {@link #deregister(String, String, String, SessionAccess)}, recording {@code author} in
   * the audit.
   */
  public CompletableFuture<Long> deregister(
      String namespace, String service, String instanceId, SessionAccess access, Author author) {
    return impl.deregister(
        namespace,
        service,
        instanceId,
        requireNonNull(access, "access"),
        requireNonNull(author, "author"));
  }

  /**
   * Opens a session with the given TTL, or resumes {@code resumeId} when that session is still
   * alive (then its instances stay). {@code resumeId} may be empty. Acts for every session.
   */
  public CompletableFuture<SessionInfo> openSession(
      Duration ttl, String resumeId, String clientName) {
    return impl.openSession(ttl, resumeId, SessionAccess.anySession(), clientName, Author.SERVER);
  }

  /**
   * Opens a session, or resumes {@code resumeId} when that session is still alive and {@code
   * resumeAccess} proves it: a live session that it does not prove is refused with {@code
   * PERMISSION_DENIED} (thrown), never taken over. A new session's {@link SessionInfo#secret()} is
   * handed out only here.
   */
  public CompletableFuture<SessionInfo> openSession(
      Duration ttl, String resumeId, SessionAccess resumeAccess, String clientName) {
    return openSession(ttl, resumeId, resumeAccess, clientName, Author.SERVER);
  }

  /**
   * Like {@link #openSession(Duration, String, SessionAccess, String)}, recording {@code author} in
   * the audit.
   */
  public CompletableFuture<SessionInfo> openSession(
      Duration ttl, String resumeId, SessionAccess resumeAccess, String clientName, Author author) {
    return impl.openSession(
        ttl,
        resumeId,
        requireNonNull(resumeAccess, "access"),
        clientName,
        requireNonNull(author, "author"));
  }

  /**
   * Renews a session's lease; not logged. Returns the TTL in milliseconds. Acts for every session.
   *
   * @throws CairnException {@code NOT_FOUND} when the session is unknown or already expired
   */
  public long keepAlive(String sessionId) {
    return impl.keepAlive(sessionId, SessionAccess.anySession());
  }

  /**
   * Renews a session's lease as {@code access}.
   *
   * @throws CairnException {@code PERMISSION_DENIED} when {@code access} does not prove the
   *     session, {@code NOT_FOUND} when the session is unknown or already expired
   */
  public long keepAlive(String sessionId, SessionAccess access) {
    return impl.keepAlive(sessionId, requireNonNull(access, "access"));
  }

  /**
   * Renews a session's lease as {@code access}, as {@link #keepAlive(String, SessionAccess)} does,
   * and completes with the TTL once the lease that counts has the renewal: at once on a single node
   * and on the leader; on a follower once the renewal reached the leader, which it does with the
   * next batch of renewals (every 100 ms) while the follower can reach one, and never while it
   * cannot (decision 0187). A session stream answers its keepalives so, so that a client whose
   * member is cut off from the leader goes unanswered and moves to another member in time.
   *
   * @throws CairnException {@code PERMISSION_DENIED} when {@code access} does not prove the
   *     session, {@code NOT_FOUND} when the session is unknown or already expired
   */
  public CompletableFuture<Long> keepAliveAtLeader(String sessionId, SessionAccess access) {
    return impl.keepAliveAtLeader(sessionId, requireNonNull(access, "access"));
  }

  /** Closes a session and removes its instances. Acts for every session. */
  public CompletableFuture<Long> closeSession(String sessionId) {
    return impl.closeSession(sessionId, SessionAccess.anySession(), Author.SERVER);
  }

  /**
   * Closes a session as {@code access}; fails with {@code PERMISSION_DENIED} when {@code access}
   * does not prove it.
   */
  public CompletableFuture<Long> closeSession(String sessionId, SessionAccess access) {
    return closeSession(sessionId, access, Author.SERVER);
  }

  /** Like {@link #closeSession(String, SessionAccess)}, recording {@code author} in the audit. */
  public CompletableFuture<Long> closeSession(
      String sessionId, SessionAccess access, Author author) {
    return impl.closeSession(
        sessionId, requireNonNull(access, "access"), requireNonNull(author, "author"));
  }

  /**
   * Checks that {@code access} proves a session, before acting on it: a session the registry does
   * not hold passes (what follows then fails as for any unknown session).
   *
   * @throws CairnException {@code PERMISSION_DENIED} (field {@code secret}) when the registry holds
   *     the session and {@code access} does not prove it
   */
  public void checkSession(String sessionId, SessionAccess access) {
    impl.checkSession(sessionId, requireNonNull(access, "access"));
  }

  /**
   * Tells the registry that the connection carrying a session is gone: the session is closed after
   * the detach grace ({@link RegistryOptions#detachGrace()}), unless it is resumed first. On a
   * member of a cluster whose keepalives for the session have long waited for a leader (see {@link
   * #keepAliveAtLeader}), the session is kept instead: its client left this member for its silence
   * and resumes it on another, or its lease runs out.
   */
  public void detachSession(String sessionId) {
    impl.detachSession(sessionId);
  }

  /**
   * Closes every session whose lease ran out, now. The registry does this by itself every {@link
   * RegistryOptions#sessionSweepInterval()} unless {@link RegistryOptions#autoExpireSessions()} is
   * off, as in tests that drive a fake ticker.
   */
  public void expireSessions() {
    impl.expireSessions();
  }

  /**
   * Reports an instance's health. For an instance with a TTL check this is the check's report: it
   * renews the TTL and the health shows at once (flap damping aside). For an instance without a
   * check it sets the health. Completes with the health the instance now shows (or will once the
   * change applies).
   *
   * <p>Fails with {@code NOT_FOUND} when there is no such instance, and {@code FAILED_PRECONDITION}
   * when the registry probes the instance itself (HTTP, TCP or gRPC check).
   */
  public CompletableFuture<Health> reportHealth(
      String namespace, String service, String instanceId, Health health) {
    return reportHealth(namespace, service, instanceId, health, Author.SERVER);
  }

  /**
   * Like {@link #reportHealth(String, String, String, Health)}, recording {@code author} in the
   * audit when the report sets the health itself (a TTL check's report is judged by the server's
   * check, whose changes the audit records as the server's).
   */
  public CompletableFuture<Health> reportHealth(
      String namespace, String service, String instanceId, Health health, Author author) {
    return impl.reportHealth(
        namespace,
        service,
        instanceId,
        requireNonNull(health, "health"),
        requireNonNull(author, "author"));
  }

  /** A service's settings, the registry's defaults where it sets none. */
  public ServiceConfig serviceConfig(String namespace, String service) {
    return impl.serviceConfig(namespace, service);
  }

  /**
   * Sets a service's protection threshold (0..1), or with null returns it to the registry's
   * default. Logged as a command; completes with its revision.
   *
   * @throws CairnException {@code INVALID_ARGUMENT} for a threshold outside 0..1
   */
  public CompletableFuture<Long> setProtectionThreshold(
      String namespace, String service, Double threshold) {
    return setProtectionThreshold(namespace, service, threshold, Author.SERVER);
  }

  /**
   * Like {@link #setProtectionThreshold(String, String, Double)}, recording {@code author} in the
   * audit.
   */
  public CompletableFuture<Long> setProtectionThreshold(
      String namespace, String service, Double threshold, Author author) {
    return impl.setProtectionThreshold(
        namespace, service, threshold, requireNonNull(author, "author"));
  }

  /**
   * The latest {@code limit} writes, newest first, with who made them (decision 0171): of {@code
   * namespace} and {@code service} when not null (sessions and ACL changes belong to no service).
   * The audit keeps the last {@value #MAX_AUDIT_LIMIT} writes in memory and in snapshots.
   *
   * @throws CairnException {@code INVALID_ARGUMENT} for a bad name, or a limit outside 1..{@value
   *     #MAX_AUDIT_LIMIT}
   */
  public List<AuditEntry> audit(String namespace, String service, int limit) {
    return impl.audit(namespace, service, limit);
  }

  /** The most writes {@link #audit} returns, and keeps. */
  public static final int MAX_AUDIT_LIMIT = 10_000;

  /**
   * The answer to a healthy-only read of {@code candidates} (instances of the service, usually
   * after other filters): the healthy ones, or all of them under the service's protection
   * threshold.
   */
  public HealthySelection healthy(String namespace, String service, List<Instance> candidates) {
    return impl.healthy(namespace, service, candidates);
  }

  /**
   * The health-check states of a service's checked instances, sorted by id: each check's last
   * output and how long ago it ran (see {@link CheckStatus}). Read from the checker's memory, not
   * the catalog: it carries no revision. Thread-safe; the future completes on the health thread.
   * Fails with {@code NOT_FOUND} when the service has no instances.
   */
  public CompletableFuture<java.util.List<CheckStatus>> checks(String namespace, String service) {
    return impl.checks(namespace, service);
  }

  /** Counters of the health checks (a snapshot; thread-safe, never blocks). */
  public HealthCheckStats healthCheckStats() {
    return impl.healthCheckStats();
  }

  /** Whether session expiry is paused by self-preservation, and since when. */
  public SelfPreservationStatus selfPreservation() {
    return impl.selfPreservation();
  }

  /** The number of open watches (service and service-list). */
  public int watcherCount() {
    return impl.watcherCount();
  }

  /**
   * The id of this registry's history ({@link CommandLog#historyId()}): the same on every member of
   * a cluster, different for any other registry. Transports hand it to watchers, who send it back
   * when they resume, so that a revision of another registry is never taken for one of this one.
   */
  public String historyId() {
    return impl.historyId();
  }

  /**
   * Every service with instances, in every namespace, each an immutable snapshot (for a backup:
   * read {@link #revision()} first and after, or after a {@link Cluster#readBarrier()}).
   */
  public java.util.List<ServiceSnapshot> allServices() {
    return impl.allServices();
  }

  /**
   * Every service with a protection threshold of its own ({@link #serviceConfig}), with or without
   * instances, each an immutable snapshot: what a backup saves besides {@link #allServices()}.
   */
  public java.util.List<ServiceSnapshot> configuredServices() {
    return impl.configuredServices();
  }

  /** This registry's ACL tokens and policies. */
  public Acls acls() {
    return acls;
  }

  /** This registry's cluster: status, consistent reads and membership. */
  public Cluster cluster() {
    return cluster;
  }

  /** The number of services and namespaces with long-poll waits pending. */
  public int pendingWaits() {
    return impl.pendingWaits();
  }

  /** The current snapshot of a service; empty (and revision 0) when it never existed. */
  public ServiceSnapshot service(String namespace, String service) {
    return impl.service(namespace, service);
  }

  /** The services of a namespace, sorted by name. */
  public ServiceList services(String namespace) {
    return impl.services(namespace);
  }

  /**
   * Whether the command log can write to its storage now (a full disk, a failed log write), at once
   * (decision 0094).
   */
  public StorageStatus logStorage() {
    return impl.logStorage();
  }

  /** The global revision: the revision of the last applied change. */
  public long revision() {
    return impl.revision();
  }

  /** The number of instances across all namespaces. */
  public int instanceCount() {
    return impl.instanceCount();
  }

  /** The number of services with at least one instance, across all namespaces. */
  public int serviceCount() {
    return impl.serviceCount();
  }

  /** The number of open sessions. */
  public int sessionCount() {
    return impl.sessionCount();
  }

  /**
   * The name the client of session {@code sessionId} gave it when it opened it, as every member
   * applied it; null when the session is not open. A name starting with {@link
   * #SERVER_SESSION_PREFIX} was given by the server itself.
   */
  public String sessionName(String sessionId) {
    return impl.sessionName(sessionId);
  }

  /** Whether session {@code sessionId} is open (its lease is known to this server). */
  public boolean isSessionOpen(String sessionId) {
    return impl.isSessionOpen(sessionId);
  }

  /**
   * Watches one service. With {@code fromRevision} 0 the first delivery is a snapshot ({@link
   * SnapshotReason#INITIAL}); from a revision N the watch resumes: the first delivery is {@link
   * WatchListener#onResumed} with the events after N from the event history (none when the service
   * did not change after N), or a snapshot when that history no longer reaches back to N ({@link
   * SnapshotReason#COMPACTED}) or would replay more than the watch buffer holds ({@link
   * SnapshotReason#RESYNC}); then events as they commit. See {@link
   * RegistryOptions#watchHistoryEvents()}.
   *
   * @throws CairnException {@code INVALID_ARGUMENT} when {@code fromRevision} is negative or
   *     greater than the current revision
   */
  public Watch watchService(
      String namespace, String service, long fromRevision, WatchListener listener) {
    return impl.watchService(namespace, service, fromRevision, listener);
  }

  /** Watches a namespace's service list: the list first, then again whenever it changes. */
  public Watch watchServices(String namespace, long fromRevision, WatchListener listener) {
    return impl.watchServices(namespace, fromRevision, listener);
  }

  /**
   * Waits until every client watching {@code service} through this registry has received {@code
   * revision} (typically a deregistration's), or {@code timeout} passes: completes with a report
   * that names the watchers still behind, never exceptionally for a timeout. Counted are the
   * service's watches, by what their transports {@linkplain Watch#acknowledge acknowledge}, and its
   * {@linkplain #poller pollers}, by their latest poll; watches that start or end during the wait
   * count from then on. A registry that has not applied {@code revision} yet counts as behind.
   *
   * @throws CairnException {@code INVALID_ARGUMENT} for a revision below 1 or a timeout outside
   *     0..10 minutes
   */
  public CompletableFuture<DrainReport> awaitDrained(
      String namespace, String service, long revision, Duration timeout) {
    return impl.awaitDrained(namespace, service, revision, requireNonNull(timeout, "timeout"));
  }

  /**
   * Registers a client that polls {@code service} (an HTTP long-poll loop), so that drains count
   * it; {@code description} names it in their reports. The caller reports each poll and closes the
   * poller when the client is gone.
   */
  public Poller poller(String namespace, String service, String description) {
    return impl.poller(namespace, service, requireNonNull(description, "description"));
  }

  /**
   * Completes when the service's revision exceeds {@code afterRevision} (at once if it already
   * does). Cancel the future to stop waiting; for long-poll reads.
   */
  public CompletableFuture<Void> awaitService(
      String namespace, String service, long afterRevision) {
    return impl.awaitService(namespace, service, afterRevision);
  }

  /** Like {@link #awaitService} for the namespace's service list. */
  public CompletableFuture<Void> awaitServices(String namespace, long afterRevision) {
    return impl.awaitServices(namespace, afterRevision);
  }

  /**
   * Completes when the registry stopped writing by itself because its command log failed (see
   * {@link CommandLog#failure()}), with the log's {@code UNAVAILABLE} exception that names the
   * cause; the registry logs it at ERROR once. From then on every write fails with that exception;
   * reads still answer from the last applied state. The owner should {@link #close} the registry
   * and stop serving, so that clients fail over and a supervisor restarts the process ({@code
   * CairnServer} does both). Never completes when {@link #close} came first. Dependent stages run
   * on a thread that does nothing else; they may block and may call {@link #close}.
   */
  public CompletableFuture<CairnException> failure() {
    return impl.failure();
  }

  /** Stops expiring sessions, ends every watch and closes the log. */
  @Override
  public void close() {
    impl.close();
  }
}
