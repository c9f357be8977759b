package dev.cairn.server.internal.http;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;

/** Counts the open event streams of each client address against a limit. Thread-safe. */
final class WatchQuota {

  private final int max;
  private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();

  WatchQuota(int max) {
    this.max = max;
  }

  int max() {
    return max;
  }

  /** Takes one watch for {@code client}; false when it already holds {@link #max()}. */
  boolean tryAcquire(InetAddress client) {
    boolean[] taken = {false};
    open.compute(
        client,
        (k, n) -> {
          int count = n == null ? 0 : n;
          if (count >= max) {
            return n;
          }
          taken[0] = true;
          return count + 1;
        });
    return taken[0];
  }

  /** Gives back one watch taken by {@link #tryAcquire}. */
  void release(InetAddress client) {
    open.computeIfPresent(client, (k, n) -> n <= 1 ? null : n - 1);
  }
}
