package dev.cairn.grpc;

import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import java.util.List;
import java.util.Map;

/**
 * The attributes the {@code cairn:} resolver puts on each {@link EquivalentAddressGroup} (one per
 * instance) and on the resolution result, for load balancers and interceptors to read.
 */
public final class CairnAttributes {

  /** The instance behind an address group, as last registered. */
  public static final Attributes.Key<Instance> INSTANCE = Attributes.Key.create("cairn.instance");

  /** The instance's weight, 1..10000. */
  @EquivalentAddressGroup.Attr
  public static final Attributes.Key<Integer> WEIGHT = Attributes.Key.create("cairn.weight");

  /** The instance's zone; empty when none. */
  @EquivalentAddressGroup.Attr
  public static final Attributes.Key<String> ZONE = Attributes.Key.create("cairn.zone");

  /** The instance's tags. */
  @EquivalentAddressGroup.Attr
  public static final Attributes.Key<List<String>> TAGS = Attributes.Key.create("cairn.tags");

  /** The instance's metadata. */
  @EquivalentAddressGroup.Attr
  public static final Attributes.Key<Map<String, String>> METADATA =
      Attributes.Key.create("cairn.metadata");

  /** The instance's health as the registry reports it. */
  @EquivalentAddressGroup.Attr
  public static final Attributes.Key<Health> HEALTH = Attributes.Key.create("cairn.health");

  /**
   * On a resolution result: whether the addresses are the last known ones because no registry
   * answers right now (fail-static).
   */
  public static final Attributes.Key<Boolean> STALE = Attributes.Key.create("cairn.stale");

  private CairnAttributes() {}
}
