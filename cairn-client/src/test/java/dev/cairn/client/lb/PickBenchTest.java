package dev.cairn.client.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link PickBench} with JMH and the GC profiler (allocation per pick); only on request (tag
 * {@code bench}): {@code mvn -pl cairn-client -am verify -Pbench -Dtest=PickBenchTest
 * -Dsurefire.failIfNoSpecifiedTests=false}. Prints the JMH table; asserts nothing about time.
 */
@Tag("bench")
class PickBenchTest {

  @Test
  void run() throws Exception {
    // -Dcairn.bench.policies=baseline,weighted runs a subset.
    String policies = System.getProperty("cairn.bench.policies", "");
    OptionsBuilder builder = new OptionsBuilder();
    if (!policies.isBlank()) {
      builder.param("policy", policies.split(","));
    }
    Options options =
        builder
            .include(PickBench.class.getName())
            .forks(1)
            .warmupIterations(2)
            .warmupTime(TimeValue.seconds(1))
            .measurementIterations(3)
            .measurementTime(TimeValue.seconds(1))
            .addProfiler(GCProfiler.class)
            .jvmArgs("-Xmx512m")
            .build();
    Collection<RunResult> results = new Runner(options).run();
    assertThat(results).isNotEmpty();
  }
}
