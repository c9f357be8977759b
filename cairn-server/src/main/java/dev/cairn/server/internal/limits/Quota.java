package dev.cairn.server.internal.limits;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts what each holder (an ACL token's accessor id, a client address) holds open — watches,
 * sessions, connections — against one limit (decision 0170). The one counter of every per-client
 * and per-token limit of the API and the front doors. Thread-safe; a holder's count is forgotten
 * when it reaches 0.
 *
 * @param <K> the holder
 */
public class Quota<K> {

  private final int max;
  private final ConcurrentHashMap<K, Integer> open = new ConcurrentHashMap<>();

  /**
   * At most {@code max} per holder.
   *
   * @throws IllegalArgumentException when {@code max} is below 1
   */
  public Quota(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("max: " + max + " (expected: >= 1)");
    }
    this.max = max;
  }

  /** The limit per holder. */
  public final int max() {
    return max;
  }

  /**
   * Takes one for {@code holder}; false (and nothing taken) when it already holds {@link #max()}
   * and {@link #reclaim} gives none back.
   */
  public final boolean tryAcquire(K holder) {
    return take(holder) || (reclaim(holder) && take(holder));
  }

  /**
   * Gives back what {@code holder} holds for things that have ended without telling (none here),
   * when it is full: whether any was.
   */
  protected boolean reclaim(K holder) {
    return false;
  }

  private boolean take(K holder) {
    boolean[] taken = {false};
    open.compute(
        requireNonNull(holder, "holder"),
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
  public final void release(K holder) {
    open.computeIfPresent(holder, (k, n) -> n <= 1 ? null : n - 1);
  }

  /** What {@code holder} holds now. */
  public final int held(K holder) {
    return open.getOrDefault(holder, 0);
  }
}
