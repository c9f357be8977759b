package dev.cairn.server.internal.limits;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts what each ACL token (by accessor id) holds open — watches, sessions — against a limit,
 * across connections and addresses (decision 0170). Thread-safe.
 */
public final class TokenQuota {

  private final int max;
  private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();

  /**
   * @throws IllegalArgumentException when {@code max} is below 1
   */
  public TokenQuota(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("max: " + max + " (expected: >= 1)");
    }
    this.max = max;
  }

  /** The limit per token. */
  public int max() {
    return max;
  }

  /** Takes one for {@code accessorId}; false when it already holds {@link #max()}. */
  public boolean tryAcquire(String accessorId) {
    boolean[] taken = {false};
    open.compute(
        accessorId,
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
  public void release(String accessorId) {
    open.computeIfPresent(accessorId, (k, n) -> n <= 1 ? null : n - 1);
  }

  /** What {@code accessorId} holds now. */
  public int held(String accessorId) {
    return open.getOrDefault(accessorId, 0);
  }
}
