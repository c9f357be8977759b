package dev.cairn.server.core;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import java.util.Arrays;
import java.util.function.Function;

/**
 * One change to a service's instances, at the revision that made it. For {@link Type#REMOVED}
 * {@code instance} is the instance as it was before removal. Immutable; one event object goes to
 * every watcher of the service, so transports encode it once with {@link #encoded}.
 */
public final class ServiceEvent {

  /** What happened to the instance. */
  public enum Type {
    ADDED,
    UPDATED,
    REMOVED
  }

  private static final Object[] NO_ENCODINGS = new Object[0];

  private final Type type;
  private final long revision;
  private final Instance instance;
  private final Health previousHealth;
  // Pairs of (key, encoding), compared by key identity; copied on write.
  private volatile Object[] encodings = NO_ENCODINGS;

  private ServiceEvent(Type type, long revision, Instance instance, Health previousHealth) {
    this.type = requireNonNull(type, "type");
    this.revision = revision;
    this.instance = requireNonNull(instance, "instance");
    this.previousHealth = previousHealth;
  }

  /** An event of {@code type} on {@code instance} at {@code revision}. */
  public static ServiceEvent of(Type type, long revision, Instance instance) {
    return new ServiceEvent(type, revision, instance, null);
  }

  /**
   * An {@link Type#UPDATED} event on {@code instance} at {@code revision}, which had {@code
   * previousHealth} before.
   */
  public static ServiceEvent updated(long revision, Instance instance, Health previousHealth) {
    return new ServiceEvent(
        Type.UPDATED, revision, instance, requireNonNull(previousHealth, "previousHealth"));
  }

  public Type type() {
    return type;
  }

  public long revision() {
    return revision;
  }

  public Instance instance() {
    return instance;
  }

  /**
   * For an {@link Type#UPDATED} event made by the registry, the instance's health before it; the
   * instance's own health for other events.
   */
  public Health previousHealth() {
    return previousHealth == null ? instance.health() : previousHealth;
  }

  /** Whether this event changed the instance's health (an update from another health). */
  public boolean healthChanged() {
    return type == Type.UPDATED && previousHealth() != instance.health();
  }

  /**
   * Returns this event encoded by {@code encoder}, computing it once per key (keys are compared by
   * identity: use a constant). Safe from any thread; {@code encoder} must be pure.
   */
  @SuppressWarnings("unchecked")
  public <T> T encoded(Object key, Function<ServiceEvent, T> encoder) {
    requireNonNull(key, "key");
    Object[] e = encodings;
    for (int i = 0; i < e.length; i += 2) {
      if (e[i] == key) {
        return (T) e[i + 1];
      }
    }
    T value = encoder.apply(this);
    synchronized (this) {
      e = encodings;
      for (int i = 0; i < e.length; i += 2) {
        if (e[i] == key) {
          return (T) e[i + 1];
        }
      }
      Object[] grown = Arrays.copyOf(e, e.length + 2);
      grown[e.length] = key;
      grown[e.length + 1] = value;
      encodings = grown;
    }
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ServiceEvent e
        && type == e.type
        && revision == e.revision
        && instance.equals(e.instance);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(revision) * 31 + instance.hashCode();
  }

  @Override
  public String toString() {
    return type + "@" + revision + " " + instance;
  }
}
