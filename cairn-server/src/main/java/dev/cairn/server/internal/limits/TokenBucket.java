package dev.cairn.server.internal.limits;

/**
 * A token bucket: holds at most {@code burst} tokens and gains {@code ratePerSecond} a second; each
 * admitted event takes one. Kept as the generic cell rate algorithm (the time at which the bucket
 * would be full again), in whole nanoseconds, so that it is exact. Reads time only from the {@code
 * now} it is given (a {@link dev.cairn.common.Ticker}'s nanoseconds), so tests drive it with a fake
 * clock. Not thread-safe: the caller confines it to a thread or holds its monitor. Allocates
 * nothing.
 */
public final class TokenBucket {

  private final long interval; // nanoseconds per token
  private final long tolerance; // how far ahead of now the full time may run: burst - 1 tokens
  private long fullAt; // when the bucket is full again; <= now: full

  /**
   * A full bucket at {@code now}.
   *
   * @throws IllegalArgumentException when the rate is not positive or the burst below 1
   */
  public TokenBucket(double ratePerSecond, double burst, long now) {
    if (!(ratePerSecond > 0) || !(burst >= 1) || Double.isInfinite(burst)) {
      throw new IllegalArgumentException(
          "rate: " + ratePerSecond + "/s, burst " + burst + " (expected: rate > 0, burst >= 1)");
    }
    this.interval = Math.max(1, Math.round(1e9 / ratePerSecond));
    this.tolerance = (long) ((Math.floor(burst) - 1) * interval);
    this.fullAt = now;
  }

  /** Takes a token at {@code now}: true when there was one. */
  public boolean tryTake(long now) {
    long from = fullAt - now > 0 ? fullAt : now;
    if (from - now > tolerance) {
      return false;
    }
    fullAt = from + interval;
    return true;
  }

  /** Nanoseconds from {@code now} until a token is there; 0 when one is. */
  public long nanosUntilNext(long now) {
    return Math.max(0, fullAt - now - tolerance);
  }

  /** Whether the bucket is full at {@code now}: its owner has been quiet long enough to forget. */
  public boolean isFull(long now) {
    return fullAt - now <= 0;
  }
}
