package dev.cairn.testing;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Ticker} that moves only when told to, for tests of time-dependent logic (leases, TTLs,
 * backoff). Thread-safe: any thread may read or advance it.
 */
public final class FakeTicker implements Ticker {

  private final AtomicLong nanos;

  private FakeTicker(long startNanos) {
    this.nanos = new AtomicLong(startNanos);
  }

  /** A ticker at an arbitrary non-zero origin, so that code assuming time starts at 0 is caught. */
  public static FakeTicker create() {
    return startingAt(1_000_000_000_000L);
  }

  /** A ticker reading {@code startNanos}. */
  public static FakeTicker startingAt(long startNanos) {
    return new FakeTicker(startNanos);
  }

  @Override
  public long nanos() {
    return nanos.get();
  }

  /**
   * Moves time forward by {@code duration} and returns the new reading.
   *
   * @throws IllegalArgumentException when {@code duration} is negative: a ticker is monotonic
   */
  public long advance(Duration duration) {
    requireNonNull(duration, "duration");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration: " + duration + " (expected: >= 0)");
    }
    return nanos.addAndGet(duration.toNanos());
  }

  @Override
  public String toString() {
    return "FakeTicker{" + nanos.get() + " ns}";
  }
}
