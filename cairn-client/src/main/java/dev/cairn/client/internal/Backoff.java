package dev.cairn.client.internal;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with "equal jitter": attempt {@code n} (from 0) waits a random time in {@code
 * [d/2, d]} where {@code d = min(max, initial * 2^n)}, so that many clients that lost the same
 * registry do not come back in step. Not thread-safe: one per reconnecting loop, used on its
 * owner's thread.
 */
final class Backoff {

  private final long initialNanos;
  private final long maxNanos;
  private final DoubleSupplier random;
  private int attempt;

  Backoff(Duration initial, Duration max, DoubleSupplier random) {
    this.initialNanos = initial.toNanos();
    this.maxNanos = max.toNanos();
    this.random = random;
  }

  /** The wait before the next attempt, in nanoseconds; each call doubles the ceiling. */
  long nextDelayNanos() {
    long ceiling = initialNanos;
    for (int i = 0; i < attempt && ceiling < maxNanos; i++) {
      ceiling *= 2;
    }
    ceiling = Math.min(ceiling, maxNanos);
    attempt = Math.min(attempt + 1, 62);
    long half = ceiling / 2;
    return half + (long) (random.getAsDouble() * (ceiling - half));
  }

  /** Starts over from the initial delay (after a success). */
  void reset() {
    attempt = 0;
  }
}
