package dev.cairn.server.core.internal;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Shares equal strings among the instances of the catalog (service names, zones, tags, port names,
 * metadata, session ids), which repeat across thousands of instances. Bounded: past {@link
 * #MAX_ENTRIES} distinct strings it stops sharing rather than grow. Thread-safe.
 */
final class StringPool {

  static final int MAX_ENTRIES = 200_000;

  private final ConcurrentHashMap<String, String> strings = new ConcurrentHashMap<>();

  /** The shared copy of {@code s}. */
  String share(String s) {
    if (s.isEmpty()) {
      return s;
    }
    String shared = strings.get(s);
    if (shared != null) {
      return shared;
    }
    if (strings.size() < MAX_ENTRIES) {
      shared = strings.putIfAbsent(s, s);
      return shared == null ? s : shared;
    }
    return s;
  }
}
