package dev.cairn.server.core.internal;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Shares equal strings among the instances of the catalog (service names, zones, tags, port names,
 * metadata, session ids), which repeat across thousands of instances. Bounded: past {@link
 * #MAX_ENTRIES} distinct strings it stops sharing rather than grow. Thread-safe.
 */
final class StringPool {

  static final int MAX_ENTRIES = 200_000;

  /** Shares nothing. */
  static final StringPool NONE = new StringPool(0);

  private final ConcurrentHashMap<String, String> strings = new ConcurrentHashMap<>();
  private final int maxEntries;

  StringPool() {
    this(MAX_ENTRIES);
  }

  private StringPool(int maxEntries) {
    this.maxEntries = maxEntries;
  }

  /** The shared copy of {@code s}. */
  String share(String s) {
    if (maxEntries == 0 || s.isEmpty()) {
      return s;
    }
    String shared = strings.get(s);
    if (shared != null) {
      return shared;
    }
    if (strings.size() < maxEntries) {
      shared = strings.putIfAbsent(s, s);
      return shared == null ? s : shared;
    }
    return s;
  }
}
