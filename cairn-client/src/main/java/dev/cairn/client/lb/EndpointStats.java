package dev.cairn.client.lb;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Live statistics of one endpoint, kept by the {@link Balancer} per instance id so that they
 * survive picker rebuilds: calls in flight, a peak-EWMA latency estimate (Finagle's and Linkerd's
 * "peak EWMA"), consecutive failures and the counts outlier detection reads.
 *
 * <p>Threading: readers call from any thread without locks; only the balancer records calls. Times
 * are ticker nanoseconds.
 */
public final class EndpointStats {

  private static final double MAX_OLD_WEIGHT = 0.875;

  private final PeakEwma ewma;
  private final long createdNanos;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger consecutiveFailures = new AtomicInteger();
  private final AtomicLong successes = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();

  // Guarded by this: written together in observe(); read without the lock (a reader may pair a new
  // estimate with an old stamp, which only shifts the decay a little).
  private volatile double estimateNanos;
  private volatile long stampNanos;
  private boolean observed;
  // Picks this endpoint lost to a cheaper one since it was last picked, and how many it may lose
  // before it is probed (doubling while probes find it still slower). Racy updates are fine: it is
  // a heuristic. A probe makes the next observation replace the estimate.
  private final AtomicInteger passedOver = new AtomicInteger();
  private volatile int probeAfter;
  private volatile boolean probing;

  // Written under the owning Balancer's lock; ejected is also read without it.
  int timesEjected;
  long ejectedUntilNanos;
  volatile boolean ejected;

  EndpointStats(PeakEwma ewma, long nowNanos) {
    this.ewma = ewma;
    this.createdNanos = nowNanos;
    this.estimateNanos = ewma.initialLatencyNanos();
    this.stampNanos = nowNanos;
  }

  /** Calls started and not yet completed. */
  public int inFlight() {
    return inFlight.get();
  }

  /**
   * The latency estimate in nanoseconds at {@code nowNanos}: the peak EWMA, decayed toward zero for
   * the time since the last observation (so that an idle endpoint is tried again). Before the first
   * call completes it is {@link PeakEwma#initialLatency()}.
   */
  public double latencyNanos(long nowNanos) {
    double estimate = estimateNanos;
    long idle = nowNanos - stampNanos;
    if (idle <= 0) {
      return estimate;
    }
    return estimate * decay(idle * ewma.inverseDecayNanos());
  }

  /** {@code e^-x} for x &gt;= 0; under load x is tiny and three Taylor terms are exact enough. */
  private static double decay(double x) {
    return x < 0.01 ? 1 - x + x * x * 0.5 : Math.exp(-x);
  }

  /**
   * Counts one pick this endpoint lost; returns true, starting a probe, when it has now lost {@code
   * first} picks in a row — or, when the probes since it last won found it still slower, twice as
   * many as before the previous probe, up to {@code max}. The caller then picks it, and its answer
   * replaces its (stale) estimate instead of being averaged in: an endpoint that looked slow once
   * (e.g. a cold connection) regains its share at once when it is fast, however busy its peers keep
   * the balancer, while a really slow one is tried ever more rarely.
   */
  public boolean passedOver(int first, int max) {
    int limit = probeAfter;
    if (limit < first) {
      limit = first;
    }
    if (passedOver.incrementAndGet() < limit) {
      return false;
    }
    passedOver.set(0);
    probeAfter = Math.min(2 * limit, max);
    probing = true;
    return true;
  }

  /** Records that this endpoint won a pick on its cost: it is probed early again if passed over. */
  public void won() {
    if (passedOver.get() != 0) {
      passedOver.set(0);
    }
    if (probeAfter != 0) {
      probeAfter = 0;
    }
  }

  /** The ticker reading when the balancer first saw this endpoint (slow start counts from it). */
  public long createdNanos() {
    return createdNanos;
  }

  /** Failures since the last success. */
  public int consecutiveFailures() {
    return consecutiveFailures.get();
  }

  /** Whether outlier detection currently ejects this endpoint. */
  public boolean isEjected() {
    return ejected;
  }

  void resetFailures() {
    consecutiveFailures.set(0);
  }

  void started() {
    inFlight.incrementAndGet();
  }

  /**
   * Records one completed call; returns the consecutive-failure count after it (0 unless {@code
   * outcome} is a failure).
   */
  int completed(long latencyNanos, Outcome outcome, long nowNanos) {
    inFlight.decrementAndGet();
    switch (outcome) {
      case SUCCESS:
        observe(latencyNanos, nowNanos);
        successes.incrementAndGet();
        if (consecutiveFailures.get() != 0) {
          consecutiveFailures.set(0);
        }
        return 0;
      case OVERLOADED:
        observe(Math.max(latencyNanos, ewma.failurePenaltyNanos()), nowNanos);
        return 0;
      default:
        observe(Math.max(latencyNanos, ewma.failurePenaltyNanos()), nowNanos);
        failures.incrementAndGet();
        return consecutiveFailures.incrementAndGet();
    }
  }

  private synchronized void observe(long latencyNanos, long nowNanos) {
    double sample = latencyNanos;
    if (!observed || probing) {
      observed = true;
      probing = false;
      estimateNanos = sample;
    } else {
      double current = estimateNanos;
      if (sample > current) {
        estimateNanos = sample;
      } else {
        long elapsed = Math.max(0, nowNanos - stampNanos);
        // Time-weighted, but each sample moves the estimate at least 1/8 of the way, so that one
        // slow outlier on a busy endpoint fades within a few dozen calls, not seconds.
        double w = Math.min(decay(elapsed * ewma.inverseDecayNanos()), MAX_OLD_WEIGHT);
        estimateNanos = current * w + sample * (1 - w);
      }
    }
    stampNanos = nowNanos;
  }

  /** Successes and failures since the last call, then zero; for success-rate ejection. */
  long[] drainCounts() {
    return new long[] {successes.getAndSet(0), failures.getAndSet(0)};
  }

  @Override
  public String toString() {
    return "EndpointStats{inFlight="
        + inFlight.get()
        + ", estimateNanos="
        + (long) estimateNanos
        + ", consecutiveFailures="
        + consecutiveFailures.get()
        + '}';
  }
}
