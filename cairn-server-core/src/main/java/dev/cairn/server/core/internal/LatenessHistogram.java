package dev.cairn.server.core.internal;

/**
 * A histogram of delays in microseconds with buckets a quarter of an octave wide (each bound 19%
 * above the previous one), for percentiles of scheduling lateness. Not thread-safe (owned by the
 * health thread).
 */
final class LatenessHistogram {

  private static final int BUCKETS = 4 * 40;
  private final long[] counts = new long[BUCKETS];
  private long total;
  private long max;

  void record(long micros) {
    long v = Math.max(0, micros);
    counts[bucket(v)]++;
    total++;
    max = Math.max(max, v);
  }

  /** The upper bound of the bucket holding the {@code q} quantile (0..1); 0 when empty. */
  long quantile(double q) {
    if (total == 0) {
      return 0;
    }
    long rank = (long) Math.ceil(q * total);
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += counts[i];
      if (seen >= rank && counts[i] > 0) {
        return Math.min(max, upper(i));
      }
    }
    return max;
  }

  long max() {
    return max;
  }

  private static int bucket(long v) {
    if (v < 1) {
      return 0;
    }
    int b = (int) Math.ceil(4 * Math.log(v) / Math.log(2));
    return Math.min(BUCKETS - 1, Math.max(0, b));
  }

  private static long upper(int bucket) {
    return (long) Math.floor(Math.pow(2, bucket / 4.0));
  }
}
