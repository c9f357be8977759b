package dev.cairn.server.core.internal;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Instance;
import dev.cairn.common.InstanceKind;
import dev.cairn.server.core.ServiceEvent;
import dev.cairn.server.core.ServiceList;
import dev.cairn.server.core.ServiceSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The catalog state machine: namespaces, services, instances and sessions, and the global revision.
 * Applying the same commands in the same order always gives the same state.
 *
 * <p>Threading: {@link #apply} and {@link #publish} and the snapshot methods run on the single
 * apply thread, which owns all mutable state. Readers on other threads only use {@link #service},
 * {@link #services}, {@link #revision}, {@link #instanceCount}, which read published immutable
 * snapshots through volatile fields and concurrent maps, and never wait for the apply thread.
 */
final class Catalog {

  private static final int SNAPSHOT_MAGIC = 0xCA1A5AFE;

  /** The hash of a session without a secret: no secret's hash equals it. */
  private static final byte[] NO_SECRET = new byte[0];

  /** Namespaces by name; entries are never removed. Mutated by the apply thread only. */
  private final ConcurrentHashMap<String, NamespaceState> namespaces = new ConcurrentHashMap<>();

  /**
   * Protection thresholds set per service, by namespace and service; written by the apply thread,
   * read by any.
   */
  private final ConcurrentHashMap<ServiceKey, Double> protection = new ConcurrentHashMap<>();

  /** ACL tokens and policies. */
  private final AclState acl = new AclState();

  /** The last writes and their authors (decision 0171). */
  private final AuditLog audit;

  Catalog() {
    this(AuditLog.DEFAULT_CAPACITY);
  }

  Catalog(int auditCapacity) {
    this.audit = new AuditLog(auditCapacity);
  }

  /** Sessions by id; apply thread only. */
  private final HashMap<String, SessionState> sessions = new HashMap<>();

  /**
   * The open sessions, by id, for other threads: only their final fields (secret hash, client name)
   * are read there; written by the apply thread.
   */
  private final ConcurrentHashMap<String, SessionState> published = new ConcurrentHashMap<>();

  /** Changes of the batch being applied; apply thread only. */
  private final LinkedHashMap<ServiceState, List<ServiceEvent>> touched = new LinkedHashMap<>();

  private final List<SessionState> opened = new ArrayList<>();
  private final List<String> closed = new ArrayList<>();

  /** Last applied revision; written by the apply thread. */
  private long revision;

  private volatile long publishedRevision;
  private volatile int publishedInstanceCount;
  private int instanceCount;

  // ---- reads, any thread ----

  long revision() {
    return publishedRevision;
  }

  int instanceCount() {
    return publishedInstanceCount;
  }

  /** Services with instances, across namespaces; builds each namespace's cached list. */
  int serviceCount() {
    int n = 0;
    for (NamespaceState ns : namespaces.values()) {
      n += ns.list().services().size();
    }
    return n;
  }

  ServiceSnapshot service(String namespace, String service) {
    NamespaceState ns = namespaces.get(namespace);
    ServiceState svc = ns == null ? null : ns.services.get(service);
    return svc == null ? ServiceSnapshot.of(namespace, service, 0, List.of()) : svc.published;
  }

  /**
   * The hash of an open session's secret: null when the catalog holds no such session, empty when
   * the session has no secret (opened by a version before secrets).
   */
  byte[] secretHash(String sessionId) {
    SessionState s = published.get(sessionId);
    return s == null ? null : s.secretHash();
  }

  /** The name an open session's client gave it; null when the catalog holds no such session. */
  String sessionName(String sessionId) {
    SessionState s = published.get(sessionId);
    return s == null ? null : s.clientName;
  }

  /** The ACL tokens and policies (read by any thread; changed by {@link #apply} only). */
  AclState acl() {
    return acl;
  }

  /** The last writes (read by any thread; recorded by {@link #apply} only). */
  AuditLog audit() {
    return audit;
  }

  /** The protection threshold set for a service, or a negative number when none is set. */
  double protectionThreshold(String namespace, String service) {
    Double t = protection.get(new ServiceKey(namespace, service));
    return t == null ? -1 : t;
  }

  /** The published snapshot of every service (apply thread, e.g. right after a restore). */
  List<ServiceSnapshot> allServices() {
    List<ServiceSnapshot> out = new ArrayList<>();
    for (NamespaceState ns : namespaces.values()) {
      for (ServiceState svc : ns.services.values()) {
        out.add(svc.published);
      }
    }
    return out;
  }

  /** The current snapshot of every service with a protection threshold of its own (any thread). */
  List<ServiceSnapshot> configuredServices() {
    List<ServiceSnapshot> out = new ArrayList<>(protection.size());
    for (ServiceKey k : protection.keySet()) {
      out.add(service(k.namespace(), k.service()));
    }
    return out;
  }

  ServiceList services(String namespace) {
    NamespaceState ns = namespaces.get(namespace);
    if (ns == null) {
      return new ServiceList(namespace, 0, List.of());
    }
    return ns.list();
  }

  // ---- apply thread ----

  /**
   * Applies one command, returning its result; never throws for a bad command. A command that
   * changed something is recorded in the audit, with its author when it has one.
   */
  Result apply(Command command) {
    Command c = command;
    dev.cairn.server.core.Author author = null;
    long at = 0;
    if (command instanceof Command.Authored a) {
      c = a.command();
      author = a.author();
      at = a.atMillis();
    }
    long before = revision;
    Result r = applyCommand(c);
    if (revision != before) {
      audit(c, author, at);
    }
    return r;
  }

  private void audit(Command c, dev.cairn.server.core.Author author, long at) {
    if (c instanceof Command.Register r) {
      Instance i = r.instance();
      audit.add(revision, at, AuditLog.REGISTER, r.namespace(), i.service(), i.id(), author);
    } else if (c instanceof Command.Deregister d) {
      audit.add(
          revision, at, AuditLog.DEREGISTER, d.namespace(), d.service(), d.instanceId(), author);
    } else if (c instanceof Command.SetHealth h) {
      audit.add(
          revision, at, AuditLog.SET_HEALTH, h.namespace(), h.service(), h.instanceId(), author);
    } else if (c instanceof Command.SetServiceConfig sc) {
      audit.add(revision, at, AuditLog.SET_CONFIG, sc.namespace(), sc.service(), "", author);
    } else if (c instanceof Command.OpenSession o) {
      audit.add(revision, at, AuditLog.OPEN_SESSION, "", "", o.sessionId(), author);
    } else if (c instanceof Command.CloseSession cs) {
      byte op = cs.expired() ? AuditLog.EXPIRE_SESSION : AuditLog.CLOSE_SESSION;
      audit.add(revision, at, op, "", "", cs.sessionId(), author);
    } else if (c instanceof Command.CreateAclToken t) {
      audit.add(revision, at, AuditLog.CREATE_TOKEN, "", "", t.accessorId(), author);
    } else if (c instanceof Command.DeleteAclToken t) {
      audit.add(revision, at, AuditLog.DELETE_TOKEN, "", "", t.accessorId(), author);
    } else if (c instanceof Command.CreateAclPolicy p) {
      audit.add(revision, at, AuditLog.CREATE_POLICY, "", "", p.policy().name(), author);
    } else if (c instanceof Command.DeleteAclPolicy p) {
      audit.add(revision, at, AuditLog.DELETE_POLICY, "", "", p.name(), author);
    }
  }

  private Result applyCommand(Command command) {
    try {
      if (command instanceof Command.Register r) {
        return register(r);
      } else if (command instanceof Command.Deregister d) {
        return deregister(d);
      } else if (command instanceof Command.OpenSession o) {
        return openSession(o);
      } else if (command instanceof Command.CloseSession c) {
        return closeSession(c.sessionId());
      } else if (command instanceof Command.SetHealth h) {
        return setHealth(h);
      } else if (command instanceof Command.SetServiceConfig sc) {
        return setServiceConfig(sc);
      } else if (command instanceof Command.CreateAclToken t) {
        acl.createToken(t, revision + 1);
        return Result.ok(++revision);
      } else if (command instanceof Command.DeleteAclToken t) {
        acl.deleteToken(t.accessorId());
        return Result.ok(++revision);
      } else if (command instanceof Command.CreateAclPolicy p) {
        acl.createPolicy(p.policy());
        return Result.ok(++revision);
      } else if (command instanceof Command.DeleteAclPolicy p) {
        acl.deletePolicy(p.name());
        return Result.ok(++revision);
      }
      throw CairnException.of(ErrorCode.INTERNAL, "unknown command " + command);
    } catch (CairnException e) {
      return Result.failed(e);
    }
  }

  /**
   * Publishes the snapshots of everything the applied commands changed and returns the changes for
   * the watchers. Call after each batch.
   */
  Changes publish() {
    List<ServiceChange> services = new ArrayList<>(touched.size());
    Set<NamespaceState> namespacesChanged = new LinkedHashSet<>();
    for (Map.Entry<ServiceState, List<ServiceEvent>> e : touched.entrySet()) {
      ServiceState svc = e.getKey();
      svc.publish();
      services.add(new ServiceChange(svc.namespace.name, svc.published, e.getValue()));
      namespacesChanged.add(svc.namespace);
    }
    List<String> changedNamespaces = new ArrayList<>(namespacesChanged.size());
    for (NamespaceState ns : namespacesChanged) {
      ns.generation = ns.generation + 1;
      changedNamespaces.add(ns.name);
    }
    List<OpenedSession> openedSessions = new ArrayList<>(opened.size());
    for (SessionState s : opened) {
      openedSessions.add(new OpenedSession(s.id, s.ttlMillis));
    }
    Changes changes =
        new Changes(revision, services, changedNamespaces, openedSessions, List.copyOf(closed));
    touched.clear();
    opened.clear();
    closed.clear();
    publishedInstanceCount = instanceCount;
    publishedRevision = revision;
    return changes;
  }

  /** The open sessions and their TTLs (apply thread, e.g. right after a restore). */
  List<OpenedSession> sessions() {
    List<OpenedSession> out = new ArrayList<>(sessions.size());
    for (SessionState s : sessions.values()) {
      out.add(new OpenedSession(s.id, s.ttlMillis));
    }
    return out;
  }

  private Result register(Command.Register r) {
    Instance instance = r.instance();
    if (instance.kind() == InstanceKind.EPHEMERAL && !sessions.containsKey(instance.sessionId())) {
      throw CairnException.notFound("session", instance.sessionId());
    }
    ServiceState existing = existingService(r.namespace(), instance.service());
    Instance previous = existing == null ? null : existing.get(instance.id());
    if (previous != null && !r.anySession()) {
      checkOwner(r.namespace(), previous, instance.sessionId(), true);
    }
    ServiceState svc = serviceForWrite(r.namespace(), instance.service());
    Instance old = previous;
    if (old != null && old.sameRegistration(instance)) {
      return Result.registered(old.modRevision(), old.createRevision());
    }
    long rev = ++revision;
    long createRevision = old == null ? rev : old.createRevision();
    Instance stored = instance.withRevisions(createRevision, rev);
    if (old != null && !old.sessionId().isEmpty()) {
      SessionState owner = sessions.get(old.sessionId());
      if (owner != null) {
        owner.instances.remove(new Owned(svc, old.id()));
      }
    }
    if (!stored.sessionId().isEmpty()) {
      sessions.get(stored.sessionId()).instances.add(new Owned(svc, stored.id()));
    }
    if (old == null) {
      instanceCount++;
    }
    svc.put(stored);
    event(
        svc,
        old == null
            ? ServiceEvent.of(ServiceEvent.Type.ADDED, rev, stored)
            : ServiceEvent.updated(rev, stored, old.health()));
    return Result.registered(rev, createRevision);
  }

  private Result deregister(Command.Deregister d) {
    ServiceState svc = existingService(d.namespace(), d.service());
    Instance old = svc == null ? null : svc.get(d.instanceId());
    if (old == null) {
      throw CairnException.notFound("id", d.namespace() + "/" + d.service() + "/" + d.instanceId());
    }
    if (!d.anySession()) {
      checkOwner(d.namespace(), old, d.asSession(), false);
    }
    long rev = ++revision;
    if (!old.sessionId().isEmpty()) {
      SessionState owner = sessions.get(old.sessionId());
      if (owner != null) {
        owner.instances.remove(new Owned(svc, old.id()));
      }
    }
    remove(svc, old, rev);
    return Result.ok(rev);
  }

  /**
   * Refuses a write to {@code old} by {@code actor} (a session proven by its secret, or empty) when
   * another open session owns it. A replacement must be registered into the owner: one without a
   * session would turn the session's instance into a persistent one.
   */
  private void checkOwner(String namespace, Instance old, String actor, boolean replacing) {
    String owner = old.sessionId();
    if (owner.isEmpty() || owner.equals(actor) || !sessions.containsKey(owner)) {
      return;
    }
    throw CairnException.of(
        ErrorCode.PERMISSION_DENIED,
        "secret",
        "secret: instance "
            + namespace
            + "/"
            + old.service()
            + "/"
            + old.id()
            + " belongs to session "
            + owner
            + (replacing
                ? " (expected: a replacement registered into session "
                    + owner
                    + " (HTTP ?session="
                    + owner
                    + ", gRPC session_id) with that session's secret, or a token with write on"
                    + " the service)"
                : " (expected: that session's secret, or a token with write on the service)"));
  }

  private Result setHealth(Command.SetHealth h) {
    ServiceState svc = existingService(h.namespace(), h.service());
    Instance old = svc == null ? null : svc.get(h.instanceId());
    if (old == null) {
      throw CairnException.notFound("id", h.namespace() + "/" + h.service() + "/" + h.instanceId());
    }
    if (old.health() == h.health()) {
      return Result.ok(revision);
    }
    long rev = ++revision;
    Instance stored =
        old.toBuilder().health(h.health()).revisions(old.createRevision(), rev).buildStored();
    svc.put(stored);
    event(svc, ServiceEvent.updated(rev, stored, old.health()));
    return Result.ok(rev);
  }

  private Result setServiceConfig(Command.SetServiceConfig sc) {
    ServiceKey key = new ServiceKey(sc.namespace(), sc.service());
    if (sc.protectionThreshold() < 0) {
      protection.remove(key);
    } else {
      protection.put(key, sc.protectionThreshold());
    }
    return Result.ok(++revision);
  }

  private Result openSession(Command.OpenSession o) {
    if (sessions.containsKey(o.sessionId())) {
      throw CairnException.of(
          ErrorCode.ALREADY_EXISTS, "session", "session: " + o.sessionId() + " (already open)");
    }
    long rev = ++revision;
    SessionState s = new SessionState(o.sessionId(), o.ttlMillis(), o.clientName(), o.secretHash());
    sessions.put(s.id, s);
    published.put(s.id, s);
    opened.add(s);
    return Result.ok(rev);
  }

  private Result closeSession(String sessionId) {
    SessionState s = sessions.remove(sessionId);
    if (s == null) {
      throw CairnException.notFound("session", sessionId);
    }
    published.remove(sessionId);
    long rev = ++revision;
    for (Owned o : s.instances) {
      Instance old = o.service.get(o.instanceId);
      if (old != null) {
        remove(o.service, old, rev);
      }
    }
    closed.add(sessionId);
    return Result.ok(rev);
  }

  private void remove(ServiceState svc, Instance old, long rev) {
    svc.remove(old.id());
    instanceCount--;
    event(svc, ServiceEvent.of(ServiceEvent.Type.REMOVED, rev, old));
  }

  private void event(ServiceState svc, ServiceEvent e) {
    svc.revision = e.revision();
    touched.computeIfAbsent(svc, k -> new ArrayList<>(4)).add(e);
  }

  private ServiceState serviceForWrite(String namespace, String service) {
    NamespaceState ns = namespaces.computeIfAbsent(namespace, NamespaceState::new);
    ServiceState svc = ns.services.get(service);
    if (svc == null) {
      svc = new ServiceState(ns, service);
      ns.services.put(service, svc);
    }
    return svc;
  }

  private ServiceState existingService(String namespace, String service) {
    NamespaceState ns = namespaces.get(namespace);
    return ns == null ? null : ns.services.get(service);
  }

  // ---- snapshots, apply thread ----

  void writeSnapshot(DataOutput out) throws IOException {
    capture().write(out);
  }

  /**
   * The whole state as it is now, to be written later on any thread while the apply thread goes on
   * (decision 0196): the services' published instance lists (immutable) and copies of the rest.
   * Costs O(sessions + services), plus the ACLs and the audit log encoded now (both bounded). Call
   * with nothing applied since the last {@link #publish}.
   */
  Captured capture() throws IOException {
    SessionState[] sessionsNow = sessions.values().toArray(new SessionState[0]);
    List<CapturedNamespace> namespacesNow = new ArrayList<>(namespaces.size());
    for (NamespaceState ns : namespaces.values()) {
      List<CapturedService> servicesNow = new ArrayList<>(ns.services.size());
      for (ServiceState svc : ns.services.values()) {
        servicesNow.add(new CapturedService(svc.name, svc.revision, svc.published.instances()));
      }
      namespacesNow.add(new CapturedNamespace(ns.name, servicesNow));
    }
    List<Map.Entry<ServiceKey, Double>> protectionNow = new ArrayList<>(protection.size());
    for (Map.Entry<ServiceKey, Double> e : protection.entrySet()) {
      protectionNow.add(Map.entry(e.getKey(), e.getValue()));
    }
    ByteArrayOutputStream tail = new ByteArrayOutputStream();
    DataOutputStream tailOut = new DataOutputStream(tail);
    acl.write(tailOut);
    audit.write(tailOut);
    tailOut.flush();
    return new Captured(revision, sessionsNow, namespacesNow, protectionNow, tail.toByteArray());
  }

  /** A state {@link #capture}d: nothing in it changes, so any thread may write it, once or more. */
  static final class Captured {
    private final long revision;
    private final SessionState[] sessions; // only their final fields are read
    private final List<CapturedNamespace> namespaces;
    private final List<Map.Entry<ServiceKey, Double>> protection;
    private final byte[] aclAndAudit;

    private Captured(
        long revision,
        SessionState[] sessions,
        List<CapturedNamespace> namespaces,
        List<Map.Entry<ServiceKey, Double>> protection,
        byte[] aclAndAudit) {
      this.revision = revision;
      this.sessions = sessions;
      this.namespaces = namespaces;
      this.protection = protection;
      this.aclAndAudit = aclAndAudit;
    }

    /** Writes the snapshot {@link Catalog#readSnapshot} reads. */
    void write(DataOutput out) throws IOException {
      out.writeInt(SNAPSHOT_MAGIC);
      out.writeByte(CommandCodec.VERSION);
      out.writeLong(revision);
      out.writeInt(sessions.length);
      for (SessionState s : sessions) {
        out.writeUTF(s.id);
        out.writeLong(s.ttlMillis);
        out.writeUTF(s.clientName);
        CommandCodec.writeHash(out, s.secretHash);
      }
      out.writeInt(namespaces.size());
      for (CapturedNamespace ns : namespaces) {
        out.writeUTF(ns.name());
        out.writeInt(ns.services().size());
        for (CapturedService svc : ns.services()) {
          out.writeUTF(svc.name());
          out.writeLong(svc.revision());
          out.writeInt(svc.instances().size());
          for (Instance i : svc.instances()) {
            CommandCodec.writeInstance(out, i);
          }
        }
      }
      out.writeInt(protection.size());
      for (Map.Entry<ServiceKey, Double> e : protection) {
        out.writeUTF(e.getKey().namespace());
        out.writeUTF(e.getKey().service());
        out.writeDouble(e.getValue());
      }
      out.write(aclAndAudit);
    }
  }

  private record CapturedNamespace(String name, List<CapturedService> services) {}

  private record CapturedService(String name, long revision, List<Instance> instances) {}

  /** Replaces the whole state; call with nothing applied since the last {@link #publish}. */
  void readSnapshot(DataInput in, StringPool pool) throws IOException {
    if (in.readInt() != SNAPSHOT_MAGIC) {
      throw new IOException("not a Cairn catalog snapshot");
    }
    int version = CommandCodec.checkVersion("snapshot", in.readUnsignedByte());
    namespaces.clear();
    protection.clear();
    sessions.clear();
    published.clear();
    instanceCount = 0;
    revision = in.readLong();
    int sessionCount = in.readInt();
    for (int i = 0; i < sessionCount; i++) {
      String id = in.readUTF();
      long ttl = in.readLong();
      String name = in.readUTF();
      SessionState s =
          new SessionState(id, ttl, name, version >= 3 ? CommandCodec.readHash(in) : null);
      sessions.put(s.id, s);
      published.put(s.id, s);
    }
    int nsCount = in.readInt();
    for (int i = 0; i < nsCount; i++) {
      NamespaceState ns = new NamespaceState(in.readUTF());
      namespaces.put(ns.name, ns);
      int svcCount = in.readInt();
      for (int j = 0; j < svcCount; j++) {
        ServiceState svc = new ServiceState(ns, in.readUTF());
        svc.revision = in.readLong();
        int n = in.readInt();
        if (n < 0) {
          throw new IOException("instance count " + n + " in a snapshot");
        }
        // Not sized by n alone: a corrupt count must not allocate gigabytes before the data ends.
        List<Instance> instances = new ArrayList<>(Math.min(n, 1024));
        for (int k = 0; k < n; k++) {
          Instance inst = CommandCodec.readInstance(in, pool, version);
          instances.add(inst);
          SessionState owner = inst.sessionId().isEmpty() ? null : sessions.get(inst.sessionId());
          if (owner != null) {
            owner.instances.add(new Owned(svc, inst.id()));
          }
        }
        svc.setInstances(instances.toArray(new Instance[0]));
        instanceCount += n;
        ns.services.put(svc.name, svc);
      }
    }
    int configs = version >= 2 ? in.readInt() : 0;
    for (int i = 0; i < configs; i++) {
      protection.put(new ServiceKey(in.readUTF(), in.readUTF()), in.readDouble());
    }
    if (version >= 4) {
      acl.read(in);
    } else {
      acl.clear();
    }
    if (version >= 5) {
      audit.read(in, pool);
    } else {
      audit.clear();
    }
    touched.clear();
    opened.clear();
    closed.clear();
    publishedInstanceCount = instanceCount;
    publishedRevision = revision;
  }

  // ---- state ----

  /** A service by namespace and name. */
  private record ServiceKey(String namespace, String service) {}

  /** An instance owned by a session. */
  private record Owned(ServiceState service, String instanceId) {}

  /** One session as the state machine knows it (its lease lives outside, on the leader). */
  private static final class SessionState {
    final String id;
    final long ttlMillis;
    final String clientName;
    final byte[] secretHash;
    final Set<Owned> instances = new HashSet<>();

    SessionState(String id, long ttlMillis, String clientName, byte[] secretHash) {
      this.id = id;
      this.ttlMillis = ttlMillis;
      this.clientName = clientName;
      this.secretHash = secretHash;
    }

    /** The hash as {@link #secretHash(String)} answers it: empty for none. */
    byte[] secretHash() {
      return secretHash == null ? NO_SECRET : secretHash;
    }
  }

  /** A session opened by the batch. */
  record OpenedSession(String id, long ttlMillis) {}

  /** A service changed by the batch: its new snapshot and the events that led there. */
  record ServiceChange(String namespace, ServiceSnapshot snapshot, List<ServiceEvent> events) {}

  /** Everything one batch changed. */
  record Changes(
      long revision,
      List<ServiceChange> services,
      List<String> namespaces,
      List<OpenedSession> openedSessions,
      List<String> closedSessions) {}
}
