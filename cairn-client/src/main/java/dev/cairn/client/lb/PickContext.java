package dev.cairn.client.lb;

import static java.util.Objects.requireNonNull;

import dev.cairn.client.lb.internal.Hashing;
import java.util.Map;

/**
 * What a {@link Picker} may look at for one pick: a request hash key for consistent hashing and
 * free-form attributes. Immutable; {@link #NONE} allocates nothing and is what most calls use.
 */
public final class PickContext {

  /** No key, no attributes: hashing policies pick a random point. */
  public static final PickContext NONE = new PickContext(false, 0L, Map.of());

  private final boolean hasKey;
  private final long hash;
  private final Map<String, String> attributes;

  private PickContext(boolean hasKey, long hash, Map<String, String> attributes) {
    this.hasKey = hasKey;
    this.hash = hash;
    this.attributes = attributes;
  }

  /** A context whose hash key is {@code key} (e.g. a user id); hashed once here. */
  public static PickContext ofKey(String key) {
    requireNonNull(key, "key");
    return new PickContext(true, Hashing.hash(key), Map.of());
  }

  /** A context with the hash key {@code key} and {@code attributes} (copied). */
  public static PickContext of(String key, Map<String, String> attributes) {
    requireNonNull(attributes, "attributes");
    return new PickContext(
        key != null, key == null ? 0L : Hashing.hash(key), Map.copyOf(attributes));
  }

  /** Whether the caller gave a hash key. */
  public boolean hasKey() {
    return hasKey;
  }

  /** The 64-bit hash of the key; 0 when {@link #hasKey()} is false. */
  public long hash() {
    return hash;
  }

  /** Attributes for custom policies; never null. */
  public Map<String, String> attributes() {
    return attributes;
  }
}
