package dev.cairn.server.internal.trends;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's write rate and push latency over the last {@code points} steps, in a ring. Pushes
 * are counted as they happen (any thread, lock-free); each {@link #sample} closes a step: the
 * revisions applied since the previous sample, and the pushes' count, mean and maximum lag. Memory:
 * {@code points * 40} bytes.
 */
final class ServerSeries {

  private final int points;
  private final long[] times;
  private final double[] writesPerSecond;
  private final long[] pushes;
  private final double[] meanLagMillis;
  private final double[] maxLagMillis;
  private final LongAdder pushCount = new LongAdder();
  private final LongAdder lagSum = new LongAdder();
  private final AtomicLong lagMax = new AtomicLong();
  private int next;
  private int size;
  private long lastTime = -1;
  private long lastRevision = -1;

  ServerSeries(int points) {
    if (points < 1) {
      throw new IllegalArgumentException("points: " + points + " (expected: >= 1)");
    }
    this.points = points;
    times = new long[points];
    writesPerSecond = new double[points];
    pushes = new long[points];
    meanLagMillis = new double[points];
    maxLagMillis = new double[points];
  }

  /** A watch handed a batch of events to its transport {@code lagNanos} after their commit. */
  void pushed(long lagNanos) {
    long lag = Math.max(0, lagNanos);
    pushCount.increment();
    lagSum.add(lag);
    lagMax.accumulateAndGet(lag, Math::max);
  }

  /**
   * Closes the step ending at {@code timeMillis}, when the registry is at {@code revision}. The
   * first call only starts the first step.
   */
  synchronized void sample(long timeMillis, long revision) {
    if (lastTime < 0 || timeMillis <= lastTime) {
      // No step closes: pushes counted so far (before the first sample, which a busy machine can
      // run after the first writes) stay for the step that starts here.
      lastTime = timeMillis;
      lastRevision = revision;
      return;
    }
    long count = pushCount.sumThenReset();
    long sum = lagSum.sumThenReset();
    long max = lagMax.getAndSet(0);
    int slot = next;
    times[slot] = timeMillis;
    writesPerSecond[slot] = Math.max(0, revision - lastRevision) * 1000.0 / (timeMillis - lastTime);
    pushes[slot] = count;
    meanLagMillis[slot] = count == 0 ? 0 : sum / (double) count / 1e6;
    maxLagMillis[slot] = max / 1e6;
    lastTime = timeMillis;
    lastRevision = revision;
    next = (slot + 1) % points;
    size = Math.min(size + 1, points);
  }

  /**
   * The kept steps, oldest first, and the step in progress at {@code timeMillis} with the registry
   * at {@code revision} (zeros before the first sample).
   */
  synchronized Trends.ServerHistory history(long timeMillis, long revision) {
    long[] t = new long[size];
    double[] w = new double[size];
    long[] p = new long[size];
    double[] mean = new double[size];
    double[] max = new double[size];
    int first = (next - size + points) % points;
    for (int i = 0; i < size; i++) {
      int slot = (first + i) % points;
      t[i] = times[slot];
      w[i] = writesPerSecond[slot];
      p[i] = pushes[slot];
      mean[i] = meanLagMillis[slot];
      max[i] = maxLagMillis[slot];
    }
    long count = pushCount.sum();
    Trends.Step current =
        new Trends.Step(
            timeMillis,
            lastTime < 0 || timeMillis <= lastTime
                ? 0
                : Math.max(0, revision - lastRevision) * 1000.0 / (timeMillis - lastTime),
            count,
            count == 0 ? 0 : lagSum.sum() / (double) count / 1e6,
            lagMax.get() / 1e6);
    return new Trends.ServerHistory(t, w, p, mean, max, current);
  }
}
