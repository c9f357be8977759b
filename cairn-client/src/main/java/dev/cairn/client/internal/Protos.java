package dev.cairn.client.internal;

import dev.cairn.common.CairnException;
import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.common.InstanceKind;
import dev.cairn.common.Limits;
import java.util.ArrayList;
import java.util.List;

/**
 * Conversions between the {@code cairn.v1} messages and {@link Instance}. What the registry sends
 * is checked like any input: a malformed instance throws {@link CairnException}, and the caller
 * drops the whole message (the view keeps what it had).
 */
final class Protos {

  private Protos() {}

  /** The instance the registry describes, revisions included. */
  static Instance fromProto(dev.cairn.proto.v1.Instance p) {
    dev.cairn.proto.v1.InstanceKind kind = p.getKind();
    String session = p.getSessionId();
    InstanceKind k =
        kind == dev.cairn.proto.v1.InstanceKind.EPHEMERAL
                || (kind != dev.cairn.proto.v1.InstanceKind.PERSISTENT && !session.isEmpty())
            ? InstanceKind.EPHEMERAL
            : InstanceKind.PERSISTENT;
    return Instance.builder(p.getService(), p.getAddress())
        .id(p.getId())
        .ports(p.getPortsMap())
        .tags(p.getTagsList())
        .metadata(p.getMetadataMap())
        .weight(p.getWeight() == 0 ? Limits.DEFAULT_WEIGHT : p.getWeight())
        .zone(p.getZone())
        .health(health(p.getHealth()))
        .kind(k)
        .sessionId(session)
        .revisions(p.getCreateRevision(), p.getModRevision())
        .buildStored(); // the registry's, maybe registered before the rules of decision 0097
  }

  /** Converts every instance, or throws on the first malformed one. */
  static List<Instance> fromProto(List<dev.cairn.proto.v1.Instance> instances) {
    List<Instance> out = new ArrayList<>(instances.size());
    for (dev.cairn.proto.v1.Instance p : instances) {
      out.add(fromProto(p));
    }
    return out;
  }

  /** The wire form of an instance registered on this client's session (kind EPHEMERAL). */
  static dev.cairn.proto.v1.Instance forSession(Instance i) {
    return fields(i).setKind(dev.cairn.proto.v1.InstanceKind.EPHEMERAL).build();
  }

  /** The wire form of a known instance (for the disk snapshot). */
  static dev.cairn.proto.v1.Instance toProto(Instance i) {
    return fields(i)
        .setKind(
            i.kind() == InstanceKind.EPHEMERAL
                ? dev.cairn.proto.v1.InstanceKind.EPHEMERAL
                : dev.cairn.proto.v1.InstanceKind.PERSISTENT)
        .setSessionId(i.sessionId())
        .setCreateRevision(i.createRevision())
        .setModRevision(i.modRevision())
        .build();
  }

  // The fields a client sets on every instance it sends or stores.
  private static dev.cairn.proto.v1.Instance.Builder fields(Instance i) {
    return dev.cairn.proto.v1.Instance.newBuilder()
        .setId(i.id())
        .setService(i.service())
        .setAddress(i.address())
        .putAllPorts(i.ports())
        .addAllTags(i.tags())
        .putAllMetadata(i.metadata())
        .setWeight(i.weight())
        .setZone(i.zone())
        .setHealth(toProto(i.health()));
  }

  private static Health health(dev.cairn.proto.v1.Health h) {
    switch (h) {
      case HEALTH_UNSPECIFIED:
      case PASSING:
        return Health.PASSING;
      case WARNING:
        return Health.WARNING;
      case CRITICAL:
        return Health.CRITICAL;
      default:
        throw CairnException.invalid("instance.health", h, "PASSING, WARNING or CRITICAL");
    }
  }

  private static dev.cairn.proto.v1.Health toProto(Health h) {
    switch (h) {
      case WARNING:
        return dev.cairn.proto.v1.Health.WARNING;
      case CRITICAL:
        return dev.cairn.proto.v1.Health.CRITICAL;
      default:
        return dev.cairn.proto.v1.Health.PASSING;
    }
  }
}
