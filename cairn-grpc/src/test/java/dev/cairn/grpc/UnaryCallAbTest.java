package dev.cairn.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The same comparison as {@link UnaryCallBench}, interleaved: rounds of {@value #CALLS} calls on
 * the static channel and on {@code cairn:///hello}, alternating which goes first, so that the load
 * of a shared machine hits both alike. Prints the median and quartiles of the per-round throughput
 * ratio (cairn / static). Only on request (tag {@code bench}); asserts nothing about time.
 */
@Tag("bench")
class UnaryCallAbTest {

  private static final int CALLS = 300;
  private static final int ROUNDS = 100;

  @Test
  void run() throws Exception {
    UnaryCallBench bench = new UnaryCallBench();
    bench.setUp();
    try {
      for (int i = 0; i < 10 * CALLS; i++) {
        bench.staticChannel();
        bench.cairnChannel();
        bench.cairnChannelWithRetries();
      }
      double[] plain = new double[ROUNDS];
      double[] retries = new double[ROUNDS];
      long staticTotal = 0;
      long cairnTotal = 0;
      for (int r = 0; r < ROUNDS; r++) {
        long s;
        long c;
        long cr;
        if (r % 2 == 0) {
          s = time(bench::staticChannel);
          c = time(bench::cairnChannel);
          cr = time(bench::cairnChannelWithRetries);
        } else {
          cr = time(bench::cairnChannelWithRetries);
          c = time(bench::cairnChannel);
          s = time(bench::staticChannel);
        }
        plain[r] = (double) s / c;
        retries[r] = (double) s / cr;
        staticTotal += s;
        cairnTotal += c;
      }
      System.out.printf(
          "static: %.0f calls/s, cairn: %.0f calls/s over %d rounds of %d calls%n",
          ROUNDS * CALLS * 1e9 / staticTotal, ROUNDS * CALLS * 1e9 / cairnTotal, ROUNDS, CALLS);
      System.out.println("ratio cairn/static " + quartiles(plain));
      System.out.println("ratio cairn+retries/static " + quartiles(retries));
      assertThat(plain).hasSize(ROUNDS);
    } finally {
      bench.tearDown();
    }
  }

  private static long time(Runnable call) {
    long start = System.nanoTime();
    for (int i = 0; i < CALLS; i++) {
      call.run();
    }
    return System.nanoTime() - start;
  }

  private static String quartiles(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return String.format(
        "median %.3f (q1 %.3f, q3 %.3f)", v[v.length / 2], v[v.length / 4], v[3 * v.length / 4]);
  }
}
