package dev.cairn.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link RestClientBench} with JMH; only on request (tag {@code bench}): {@code mvn -pl
 * cairn-http -am verify -Dgroups=bench -DexcludedGroups= -Dtest=RestClientBenchTest
 * -Dsurefire.failIfNoSpecifiedTests=false}. Prints the JMH table and the throughput ratio; asserts
 * nothing about time.
 */
@Tag("bench")
class RestClientBenchTest {

  @Test
  void run() throws Exception {
    Options options =
        new OptionsBuilder()
            .include(RestClientBench.class.getName())
            .forks(1)
            .threads(4)
            .warmupIterations(6)
            .warmupTime(TimeValue.seconds(2))
            .measurementIterations(5)
            .measurementTime(TimeValue.seconds(2))
            .jvmArgs("-Xmx512m", "-Dsun.net.httpserver.nodelay=true")
            .build();
    Collection<RunResult> results = new Runner(options).run();
    assertThat(results).hasSize(2);
    double bare = score(results, "bare");
    double cairn = score(results, "cairn");
    System.out.printf(
        "REST client throughput: cairn %.0f/s, bare HttpClient %.0f/s, ratio %.3f%n",
        cairn, bare, cairn / bare);
  }

  private static double score(Collection<RunResult> results, String method) {
    return results.stream()
        .filter(r -> r.getParams().getBenchmark().endsWith("." + method))
        .findFirst()
        .orElseThrow()
        .getPrimaryResult()
        .getScore();
  }
}
