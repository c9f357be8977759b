package dev.cairn.server.internal.http;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts what each client address holds open (event streams, connections) against a limit.
 * Thread-safe.
 */
final class ClientQuota {

  private final int max;
  private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();

  ClientQuota(int max) {
    this.max = max;
  }

  int max() {
    return max;
  }

  /** Takes one for {@code client}; false when it already holds {@link #max()}. */
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

  /** Gives back one taken by {@link #tryAcquire}. */
  void release(InetAddress client) {
    open.computeIfPresent(client, (k, n) -> n <= 1 ? null : n - 1);
  }
}
