package dev.cairn.client.lb;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Instance;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Chooses a subset of instances by labels: every {@code key=value} pair must match the instance's
 * metadata entry {@code key}, except the key {@code tag}, whose value must be one of the instance's
 * tags ({@code tag=canary}). The empty selector matches everything. Immutable.
 */
public final class Selector {

  /** The key whose value names a tag. */
  public static final String TAG = "tag";

  private static final Selector ALL = new Selector(Map.of());

  private final Map<String, String> labels;

  private Selector(Map<String, String> labels) {
    this.labels = labels;
  }

  /** Matches every instance. */
  public static Selector all() {
    return ALL;
  }

  /** Matches instances carrying all of {@code labels}. */
  public static Selector of(Map<String, String> labels) {
    requireNonNull(labels, "labels");
    labels.forEach(
        (k, v) -> {
          if (k.isEmpty()) {
            throw new IllegalArgumentException("selector: empty key (expected: key=value)");
          }
        });
    return new Selector(Map.copyOf(labels));
  }

  /**
   * Parses {@code "version=v2"} or {@code "version=v2,region=eu"}; blank text matches everything.
   *
   * @throws IllegalArgumentException naming the malformed pair
   */
  public static Selector parse(String text) {
    requireNonNull(text, "text");
    Map<String, String> labels = new LinkedHashMap<>();
    for (String pair : text.split(",")) {
      String p = pair.strip();
      if (p.isEmpty()) {
        continue;
      }
      int eq = p.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("selector: " + p + " (expected: key=value)");
      }
      labels.put(p.substring(0, eq).strip(), p.substring(eq + 1).strip());
    }
    return of(labels);
  }

  /** The labels every matching instance carries. */
  public Map<String, String> labels() {
    return labels;
  }

  /** Whether {@code instance} carries every label. */
  public boolean matches(Instance instance) {
    for (Map.Entry<String, String> e : labels.entrySet()) {
      boolean match =
          e.getKey().equals(TAG)
              ? instance.tags().contains(e.getValue())
              : e.getValue().equals(instance.metadata().get(e.getKey()));
      if (!match) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Selector && ((Selector) o).labels.equals(labels);
  }

  @Override
  public int hashCode() {
    return labels.hashCode();
  }

  @Override
  public String toString() {
    return labels.isEmpty() ? "*" : labels.toString();
  }
}
