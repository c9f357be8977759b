package dev.cairn.client.resilience;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Ticker;

/**
 * One target service's allowance for extra attempts (retries and re-picks after a refused
 * connection), Finagle-style: over any sliding window ({@link CallPolicy#retryBudgetWindow()},
 * default 10 s) the extra attempts stay below {@code ratio} × the calls started in it plus {@code
 * minPerSecond} × the window's seconds (defaults 20 % and 10/s), so retries cannot multiply the
 * load on a failing service.
 *
 * <p>Threading: any thread; each method takes one short lock. Time comes from the injected ticker.
 */
public final class RetryBudget {

  private final Ticker ticker;
  private final double ratio;
  private final double reserve;
  private final long bucketNanos;
  // Guarded by this: a ring of one-second buckets.
  private final long[] bucketStart;
  private final long[] calls;
  private final long[] retries;
  private long totalRetries;

  RetryBudget(double ratio, int minPerSecond, int windowSeconds, Ticker ticker) {
    this.ticker = requireNonNull(ticker, "ticker");
    this.ratio = ratio;
    this.reserve = (double) minPerSecond * windowSeconds;
    this.bucketNanos = 1_000_000_000L;
    this.bucketStart = new long[windowSeconds];
    this.calls = new long[windowSeconds];
    this.retries = new long[windowSeconds];
    long now = ticker.nanos();
    for (int i = 0; i < windowSeconds; i++) {
      bucketStart[i] = Long.MIN_VALUE;
    }
    bucket(now);
  }

  /** The budget {@code policy} describes, on {@code ticker}. */
  public static RetryBudget of(CallPolicy policy, Ticker ticker) {
    return new RetryBudget(
        policy.retryBudgetRatio(),
        policy.retryBudgetMinPerSecond(),
        (int) policy.retryBudgetWindow().toSeconds(),
        ticker);
  }

  /** Records a call's first attempt (it earns {@code ratio} of a retry). */
  public synchronized void onCall() {
    calls[bucket(ticker.nanos())]++;
  }

  /**
   * Takes one extra attempt from the budget; false when the budget is spent (the caller then gives
   * up with the last error).
   */
  public synchronized boolean tryRetry() {
    int b = bucket(ticker.nanos());
    long windowCalls = 0;
    long windowRetries = 0;
    for (int i = 0; i < calls.length; i++) {
      windowCalls += calls[i];
      windowRetries += retries[i];
    }
    if (windowRetries + 1 > ratio * windowCalls + reserve) {
      return false;
    }
    retries[b]++;
    totalRetries++;
    return true;
  }

  /** Extra attempts granted since creation; for metrics and tests. */
  public synchronized long retriesGranted() {
    return totalRetries;
  }

  // Caller holds the lock. Returns the current bucket, clearing buckets that left the window.
  private int bucket(long now) {
    long second = Math.floorDiv(now, bucketNanos);
    int i = (int) Math.floorMod(second, (long) calls.length);
    if (bucketStart[i] != second) {
      bucketStart[i] = second;
      calls[i] = 0;
      retries[i] = 0;
    }
    return i;
  }

  @Override
  public synchronized String toString() {
    return "RetryBudget{ratio="
        + ratio
        + ", reserve="
        + reserve
        + ", granted="
        + totalRetries
        + '}';
  }
}
