package dev.cairn.loadgen.internal;

import java.util.Locale;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * A latency distribution with microsecond precision (HdrHistogram, 3 significant digits). Thread
 * safe: values may be recorded from any thread; read it once recording has ended.
 */
final class Latency {

  private final Histogram micros = new ConcurrentHistogram(3);

  /** Records an interval given in nanoseconds; negative intervals count as 0. */
  void recordNanos(long nanos) {
    micros.recordValue(Math.max(0, nanos) / 1_000);
  }

  /** The distribution as a compressed HdrHistogram in Base64, for {@link #addEncoded}. */
  String encoded() {
    Histogram copy = micros.copy();
    java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(copy.getNeededByteBufferCapacity());
    int length = copy.encodeIntoCompressedByteBuffer(buffer);
    return java.util.Base64.getEncoder()
        .encodeToString(java.util.Arrays.copyOf(buffer.array(), length));
  }

  /**
   * Adds a distribution another process recorded ({@link #encoded}).
   *
   * @throws IllegalArgumentException when {@code encoded} is not one
   */
  void addEncoded(String encoded) {
    try {
      byte[] bytes = java.util.Base64.getDecoder().decode(encoded);
      micros.add(Histogram.decodeFromCompressedByteBuffer(java.nio.ByteBuffer.wrap(bytes), 0));
    } catch (java.util.zip.DataFormatException | RuntimeException e) {
      throw new IllegalArgumentException("not an encoded latency distribution: " + e, e);
    }
  }

  long count() {
    return micros.getTotalCount();
  }

  long p50Micros() {
    return micros.getValueAtPercentile(50);
  }

  long p99Micros() {
    return micros.getValueAtPercentile(99);
  }

  long maxMicros() {
    return micros.getMaxValue();
  }

  /** Adds p50, p99 and max rows for this distribution to {@code table}. */
  void addRows(ResultTable table, String workload, String what) {
    if (count() == 0) {
      table.add(workload, what + " latency", "no samples", "—");
      return;
    }
    table.add(workload, what + " p50", millis(p50Micros()), "—");
    table.add(workload, what + " p99", millis(p99Micros()), "—");
    table.add(workload, what + " max", millis(maxMicros()), "—");
  }

  /** Formats microseconds as milliseconds with microsecond precision: {@code "1.234 ms"}. */
  static String millis(long micros) {
    return String.format(Locale.ROOT, "%,.3f ms", micros / 1_000.0);
  }
}
