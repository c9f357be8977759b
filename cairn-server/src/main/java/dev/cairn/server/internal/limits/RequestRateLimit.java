package dev.cairn.server.internal.limits;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Ticker;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Requests a second per caller (an ACL token's accessor id, or a client address), as token buckets
 * (issue 13, item 7; decision 0170). Thread-safe; a caller seen before costs a map lookup and a
 * short lock on its own bucket, and allocates nothing. Callers whose bucket is full are forgotten
 * when more than {@value #MAX_CALLERS} are remembered.
 */
public final class RequestRateLimit {

  /** Callers remembered before the idle ones are forgotten. */
  static final int MAX_CALLERS = 100_000;

  private final double perSecond;
  private final int burst;
  private final Ticker ticker;
  private final ConcurrentHashMap<Object, TokenBucket> buckets = new ConcurrentHashMap<>();

  /**
   * {@code perSecond} requests a second per caller, in bursts of up to {@code burst}, on {@code
   * ticker}'s time.
   *
   * @throws IllegalArgumentException when the rate or the burst is not positive
   */
  public RequestRateLimit(double perSecond, int burst, Ticker ticker) {
    new TokenBucket(perSecond, burst, 0); // checks the rate and the burst
    this.perSecond = perSecond;
    this.burst = burst;
    this.ticker = requireNonNull(ticker, "ticker");
  }

  /** The requests a second per caller. */
  public double perSecond() {
    return perSecond;
  }

  /** The largest burst per caller. */
  public int burst() {
    return burst;
  }

  /**
   * Takes one request for {@code caller}: 0 when it may go on, else the nanoseconds until it may
   * send the next.
   */
  public long acquire(Object caller) {
    long now = ticker.nanos();
    TokenBucket b = buckets.get(caller);
    if (b == null) {
      if (buckets.size() >= MAX_CALLERS) {
        forgetIdle(now);
      }
      b = buckets.computeIfAbsent(caller, k -> new TokenBucket(perSecond, burst, now));
    }
    synchronized (b) {
      return b.tryTake(now) ? 0 : Math.max(1, b.nanosUntilNext(now));
    }
  }

  /** Whole seconds to tell a client to wait ({@code Retry-After}) for {@code nanos}: at least 1. */
  public static long retryAfterSeconds(long nanos) {
    return Math.max(1, (nanos + TimeUnit.SECONDS.toNanos(1) - 1) / TimeUnit.SECONDS.toNanos(1));
  }

  /** The callers remembered now. */
  int callers() {
    return buckets.size();
  }

  private void forgetIdle(long now) {
    buckets
        .entrySet()
        .removeIf(
            e -> {
              TokenBucket b = e.getValue();
              synchronized (b) {
                return b.isFull(now);
              }
            });
  }
}
