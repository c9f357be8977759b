package dev.cairn.http;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link RestClientBench} with JMH; only on request (tag {@code bench}): {@code mvn -pl
 * cairn-http -am verify -Pbench -Dtest=RestClientBenchTest
 * -Dsurefire.failIfNoSpecifiedTests=false}; {@code -Dbench.rounds=N} (default 3) and {@code
 * -Dbench.warmups=N} (2 s warm-up iterations per fork, default 4) change the run. The benchmarks
 * alternate over the rounds (bare, bare with timeout, cairn, bare, ...) so that all see the same
 * machine; prints each round's throughputs and ratios and the median ratios. Asserts nothing about
 * time.
 */
@Tag("bench")
class RestClientBenchTest {

  private static final int ROUNDS = Integer.getInteger("bench.rounds", 3);
  private static final int WARMUPS = Integer.getInteger("bench.warmups", 4);

  @Test
  void run() throws Exception {
    List<Double> ratios = new ArrayList<>();
    List<Double> timedRatios = new ArrayList<>();
    StringBuilder report = new StringBuilder();
    for (int round = 1; round <= ROUNDS; round++) {
      double bare = score("bare");
      double timed = score("bareWithTimeout");
      double cairn = score("cairn");
      ratios.add(cairn / bare);
      timedRatios.add(cairn / timed);
      report.append(
          String.format(
              "round %d: cairn %.0f/s, bare HttpClient %.0f/s (ratio %.3f), bare with timeout"
                  + " %.0f/s (ratio %.3f)%n",
              round, cairn, bare, cairn / bare, timed, cairn / timed));
    }
    ratios.sort(Double::compare);
    timedRatios.sort(Double::compare);
    System.out.print(report);
    System.out.printf(
        "REST client throughput ratio, median of %d rounds: %.3f against bare, %.3f against bare"
            + " with timeout%n",
        ROUNDS, ratios.get(ROUNDS / 2), timedRatios.get(ROUNDS / 2));
  }

  private static double score(String method) throws Exception {
    Options options =
        new OptionsBuilder()
            .include(RestClientBench.class.getName() + "." + method + "$")
            .forks(1)
            .threads(4)
            .warmupIterations(WARMUPS)
            .warmupTime(TimeValue.seconds(2))
            .measurementIterations(4)
            .measurementTime(TimeValue.seconds(2))
            .jvmArgs("-Xmx512m", "-Dsun.net.httpserver.nodelay=true")
            .build();
    RunResult result = new Runner(options).runSingle();
    return result.getPrimaryResult().getScore();
  }
}
