package dev.cairn.server.internal;

import dev.cairn.common.CairnException;
import dev.cairn.common.Health;
import dev.cairn.common.HealthCheck;
import dev.cairn.common.Instance;
import dev.cairn.common.InstanceKind;
import dev.cairn.common.Limits;
import dev.cairn.proto.v1.EventBatch;
import dev.cairn.proto.v1.ListServicesResponse;
import dev.cairn.proto.v1.WatchEvent;
import dev.cairn.proto.v1.WatchResponse;
import dev.cairn.server.core.DrainReport;
import dev.cairn.server.core.ServiceEvent;
import dev.cairn.server.core.ServiceList;
import dev.cairn.server.core.ServiceSnapshot;
import dev.cairn.server.core.ServiceSummary;
import dev.cairn.server.core.SnapshotReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Conversions between the {@code cairn.v1} wire messages and the registry's model. Conversions to
 * the model validate (through {@link Instance.Builder#build()}) and throw {@link CairnException}
 * with {@code INVALID_ARGUMENT}; conversions to the wire cannot fail.
 */
public final class Protos {

  // Keys under which encodings are cached on each immutable ServiceSnapshot.
  private static final Object INSTANCES_KEY = new Object();
  private static final Object INITIAL_SNAPSHOT_KEY = new Object();
  private static final Object RESYNC_SNAPSHOT_KEY = new Object();

  private Protos() {}

  /**
   * The model instance described by {@code proto}. {@code sessionId} (may be empty) is the session
   * the request names; it must agree with the instance's own {@code session_id} when both are set.
   * Server-set fields (revisions) are ignored.
   */
  public static Instance toModel(dev.cairn.proto.v1.Instance proto, String sessionId) {
    String session = sessionId;
    if (!proto.getSessionId().isEmpty()) {
      if (!session.isEmpty() && !session.equals(proto.getSessionId())) {
        throw CairnException.invalid(
            "instance.session_id", proto.getSessionId(), "empty or the request's " + session);
      }
      session = proto.getSessionId();
    }
    return Instance.builder(proto.getService(), proto.getAddress())
        .check(proto.hasCheck() ? toModel(proto.getCheck()) : null)
        .id(proto.getId())
        .ports(proto.getPortsMap())
        .tags(proto.getTagsList())
        .metadata(proto.getMetadataMap())
        .weight(proto.getWeight() == 0 ? Limits.DEFAULT_WEIGHT : proto.getWeight())
        .zone(proto.getZone())
        .health(health(proto.getHealthValue()))
        .kind(kind(proto.getKindValue(), session))
        .sessionId(session)
        .build();
  }

  /** The model check described by {@code proto}; 0 and empty fields mean the defaults. */
  public static HealthCheck toModel(dev.cairn.proto.v1.HealthCheck proto) {
    HealthCheck.Type type;
    switch (proto.getType()) {
      case HTTP:
        type = HealthCheck.Type.HTTP;
        break;
      case TCP:
        type = HealthCheck.Type.TCP;
        break;
      case GRPC:
        type = HealthCheck.Type.GRPC;
        break;
      case TTL:
        type = HealthCheck.Type.TTL;
        break;
      default:
        throw CairnException.invalid("check.type", proto.getTypeValue(), "HTTP, TCP, GRPC or TTL");
    }
    HealthCheck.Builder b = HealthCheck.builder(type).port(proto.getPort());
    if (!proto.getPath().isEmpty()) {
      b.path(proto.getPath());
    }
    if (proto.getIntervalMillis() != 0) {
      b.interval(Duration.ofMillis(proto.getIntervalMillis()));
    }
    if (proto.getTimeoutMillis() != 0) {
      b.timeout(Duration.ofMillis(proto.getTimeoutMillis()));
    }
    if (proto.getRise() != 0) {
      b.rise(proto.getRise());
    }
    if (proto.getFall() != 0) {
      b.fall(proto.getFall());
    }
    return b.build();
  }

  /** The wire form of a check. */
  public static dev.cairn.proto.v1.HealthCheck toProto(HealthCheck check) {
    dev.cairn.proto.v1.HealthCheck.Type type;
    switch (check.type()) {
      case HTTP:
        type = dev.cairn.proto.v1.HealthCheck.Type.HTTP;
        break;
      case TCP:
        type = dev.cairn.proto.v1.HealthCheck.Type.TCP;
        break;
      case GRPC:
        type = dev.cairn.proto.v1.HealthCheck.Type.GRPC;
        break;
      default:
        type = dev.cairn.proto.v1.HealthCheck.Type.TTL;
        break;
    }
    return dev.cairn.proto.v1.HealthCheck.newBuilder()
        .setType(type)
        .setPort(check.port())
        .setPath(check.path())
        .setIntervalMillis(check.intervalMillis())
        .setTimeoutMillis(check.timeoutMillis())
        .setRise(check.rise())
        .setFall(check.fall())
        .build();
  }

  /** The model health of a report; UNSPECIFIED is rejected. */
  public static Health reportedHealth(int value) {
    if (value == dev.cairn.proto.v1.Health.HEALTH_UNSPECIFIED_VALUE) {
      throw CairnException.invalid("health", value, "PASSING, WARNING or CRITICAL");
    }
    return health(value);
  }

  /** The wire form of a health. */
  public static dev.cairn.proto.v1.Health healthToProto(Health health) {
    return toProto(health);
  }

  /** The wire form of a stored instance. */
  public static dev.cairn.proto.v1.Instance toProto(Instance instance) {
    dev.cairn.proto.v1.Instance.Builder b = dev.cairn.proto.v1.Instance.newBuilder();
    instance.check().ifPresent(c -> b.setCheck(toProto(c)));
    return b.setId(instance.id())
        .setService(instance.service())
        .setAddress(instance.address())
        .putAllPorts(instance.ports())
        .addAllTags(instance.tags())
        .putAllMetadata(instance.metadata())
        .setWeight(instance.weight())
        .setZone(instance.zone())
        .setHealth(toProto(instance.health()))
        .setKind(toProto(instance.kind()))
        .setSessionId(instance.sessionId())
        .setCreateRevision(instance.createRevision())
        .setModRevision(instance.modRevision())
        .build();
  }

  /** The wire form of a snapshot's instances; computed once per snapshot and cached on it. */
  public static List<dev.cairn.proto.v1.Instance> instances(ServiceSnapshot snapshot) {
    return snapshot.encoded(INSTANCES_KEY, Protos::encodeInstances);
  }

  /**
   * The watch message carrying {@code snapshot}; for {@code INITIAL} and {@code RESYNC} computed
   * once per snapshot and reason, and cached on it, so that many watchers of one service share one
   * message. {@code compactRevision} is for {@code COMPACTED} (rare: built each time).
   */
  public static WatchResponse watchSnapshot(
      ServiceSnapshot snapshot, SnapshotReason reason, long compactRevision) {
    return switch (reason) {
      case INITIAL ->
          snapshot.encoded(
              INITIAL_SNAPSHOT_KEY,
              s -> snapshotMessage(s, dev.cairn.proto.v1.ServiceSnapshot.Reason.INITIAL, 0));
      case RESYNC ->
          snapshot.encoded(
              RESYNC_SNAPSHOT_KEY,
              s -> snapshotMessage(s, dev.cairn.proto.v1.ServiceSnapshot.Reason.RESYNC, 0));
      case COMPACTED ->
          snapshotMessage(
              snapshot, dev.cairn.proto.v1.ServiceSnapshot.Reason.COMPACTED, compactRevision);
    };
  }

  private static WatchResponse snapshotMessage(
      ServiceSnapshot s, dev.cairn.proto.v1.ServiceSnapshot.Reason reason, long compactRevision) {
    return WatchResponse.newBuilder()
        .setRevision(s.revision())
        .setSnapshot(
            dev.cairn.proto.v1.ServiceSnapshot.newBuilder()
                .setReason(reason)
                .setCompactRevision(compactRevision)
                .addAllInstances(instances(s)))
        .build();
  }

  /** The wire form of a drain's report. */
  public static dev.cairn.proto.v1.AwaitDrainedResponse toProto(DrainReport report) {
    dev.cairn.proto.v1.AwaitDrainedResponse.Builder b =
        dev.cairn.proto.v1.AwaitDrainedResponse.newBuilder()
            .setDrained(report.drained())
            .setRevision(report.revision())
            .setWatchers(report.watchers())
            .setWaitedMillis(report.waited().toMillis());
    for (DrainReport.PendingWatcher p : report.pending()) {
      b.addPending(
          dev.cairn.proto.v1.PendingWatcher.newBuilder()
              .setWatcher(p.watcher())
              .setAcknowledged(p.acknowledged()));
    }
    return b.build();
  }

  /**
   * The first message of a resumed watch: the replayed {@code events} (maybe none), at {@code
   * revision}.
   */
  public static WatchResponse watchResumed(long revision, List<ServiceEvent> events) {
    return WatchResponse.newBuilder().setRevision(revision).setResumed(toProto(events)).build();
  }

  /** The watch message carrying {@code events} (not empty), at the revision of the last one. */
  public static WatchResponse watchEvents(List<ServiceEvent> events) {
    return WatchResponse.newBuilder()
        .setRevision(events.get(events.size() - 1).revision())
        .setEvents(toProto(events))
        .build();
  }

  /** The watch message carrying a namespace's service list. */
  public static WatchResponse watchServices(ServiceList list) {
    return WatchResponse.newBuilder()
        .setRevision(list.revision())
        .setServices(toProto(list))
        .build();
  }

  // One proto per event, shared by every watcher that gets it.
  private static final Object WATCH_EVENT_KEY = new Object();

  private static WatchEvent toWatchEvent(ServiceEvent e) {
    return WatchEvent.newBuilder()
        .setType(toProto(e.type()))
        .setRevision(e.revision())
        .setInstance(toProto(e.instance()))
        .build();
  }

  /** The wire form of a batch of events. */
  public static EventBatch toProto(List<ServiceEvent> events) {
    EventBatch.Builder batch = EventBatch.newBuilder();
    for (ServiceEvent e : events) {
      batch.addEvents(e.encoded(WATCH_EVENT_KEY, Protos::toWatchEvent));
    }
    return batch.build();
  }

  /** The wire form of a namespace's service list. */
  public static ListServicesResponse toProto(ServiceList list) {
    ListServicesResponse.Builder b = ListServicesResponse.newBuilder().setRevision(list.revision());
    for (ServiceSummary s : list.services()) {
      b.addServices(
          dev.cairn.proto.v1.ServiceSummary.newBuilder()
              .setName(s.name())
              .setInstanceCount(s.instanceCount())
              .setPassingCount(s.passingCount())
              .setRevision(s.revision()));
    }
    return b.build();
  }

  private static List<dev.cairn.proto.v1.Instance> encodeInstances(ServiceSnapshot snapshot) {
    List<dev.cairn.proto.v1.Instance> out = new ArrayList<>(snapshot.instances().size());
    for (Instance i : snapshot.instances()) {
      out.add(toProto(i));
    }
    return List.copyOf(out);
  }

  private static Health health(int value) {
    dev.cairn.proto.v1.Health health = dev.cairn.proto.v1.Health.forNumber(value);
    if (health == null) {
      throw CairnException.invalid("instance.health", value, "PASSING, WARNING or CRITICAL");
    }
    switch (health) {
      case WARNING:
        return Health.WARNING;
      case CRITICAL:
        return Health.CRITICAL;
      default:
        return Health.PASSING;
    }
  }

  private static InstanceKind kind(int value, String session) {
    dev.cairn.proto.v1.InstanceKind kind = dev.cairn.proto.v1.InstanceKind.forNumber(value);
    if (kind == null) {
      throw CairnException.invalid("instance.kind", value, "EPHEMERAL or PERSISTENT");
    }
    switch (kind) {
      case EPHEMERAL:
        return InstanceKind.EPHEMERAL;
      case PERSISTENT:
        return InstanceKind.PERSISTENT;
      default:
        return session.isEmpty() ? InstanceKind.PERSISTENT : InstanceKind.EPHEMERAL;
    }
  }

  private static dev.cairn.proto.v1.Health toProto(Health health) {
    switch (health) {
      case PASSING:
        return dev.cairn.proto.v1.Health.PASSING;
      case WARNING:
        return dev.cairn.proto.v1.Health.WARNING;
      default:
        return dev.cairn.proto.v1.Health.CRITICAL;
    }
  }

  private static dev.cairn.proto.v1.InstanceKind toProto(InstanceKind kind) {
    return kind == InstanceKind.EPHEMERAL
        ? dev.cairn.proto.v1.InstanceKind.EPHEMERAL
        : dev.cairn.proto.v1.InstanceKind.PERSISTENT;
  }

  private static WatchEvent.Type toProto(ServiceEvent.Type type) {
    switch (type) {
      case ADDED:
        return WatchEvent.Type.ADDED;
      case UPDATED:
        return WatchEvent.Type.UPDATED;
      default:
        return WatchEvent.Type.REMOVED;
    }
  }
}
