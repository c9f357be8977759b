package dev.cairn.server.core;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Instance;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The instances of one service at one revision. Immutable; a new snapshot is published each time
 * the service changes, so transports may cache encodings of it with {@link #encoded}.
 */
public final class ServiceSnapshot {

  private final String namespace;
  private final String name;
  private final long revision;
  private final List<Instance> instances;
  // Encodings of this snapshot, keyed by the transport's own key; filled on first read.
  private volatile ConcurrentHashMap<Object, Object> encodings;

  private ServiceSnapshot(String namespace, String name, long revision, List<Instance> instances) {
    this.namespace = namespace;
    this.name = name;
    this.revision = revision;
    this.instances = instances;
  }

  /**
   * A snapshot of {@code instances}, which must be sorted by id and are not copied: the caller
   * hands over an unmodifiable list.
   */
  public static ServiceSnapshot of(
      String namespace, String name, long revision, List<Instance> instances) {
    return new ServiceSnapshot(
        requireNonNull(namespace, "namespace"),
        requireNonNull(name, "name"),
        revision,
        requireNonNull(instances, "instances"));
  }

  public String namespace() {
    return namespace;
  }

  public String name() {
    return name;
  }

  /** The revision at which this service last changed; 0 if it never existed. */
  public long revision() {
    return revision;
  }

  /** The instances, sorted by id; unmodifiable. */
  public List<Instance> instances() {
    return instances;
  }

  /**
   * Returns this snapshot encoded by {@code encoder}, computing it once per key. Safe to call from
   * any thread; {@code encoder} must be pure.
   */
  @SuppressWarnings("unchecked")
  public <T> T encoded(Object key, Function<ServiceSnapshot, T> encoder) {
    requireNonNull(key, "key");
    ConcurrentHashMap<Object, Object> map = encodings;
    if (map == null) {
      synchronized (this) {
        map = encodings;
        if (map == null) {
          map = new ConcurrentHashMap<>(4);
          encodings = map;
        }
      }
    }
    Object v = map.get(key);
    if (v == null) {
      v = encoder.apply(this);
      Object prev = map.putIfAbsent(key, v);
      if (prev != null) {
        v = prev;
      }
    }
    return (T) v;
  }

  @Override
  public String toString() {
    return namespace + "/" + name + "@" + revision + " " + instances.size() + " instances";
  }
}
