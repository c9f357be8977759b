package dev.cairn.server.internal.grpc;

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
 * Runs {@link WatchEncodingBench} with JMH; only on request (tag {@code bench}): {@code mvn -pl
 * cairn-server -am verify -Pbench -Dtest=WatchEncodingBenchTest
 * -Dsurefire.failIfNoSpecifiedTests=false}. Prints the JMH table; asserts nothing about time.
 */
@Tag("bench")
class WatchEncodingBenchTest {

  @Test
  void run() throws Exception {
    Options options =
        new OptionsBuilder()
            .include(WatchEncodingBench.class.getName())
            .forks(1)
            .warmupIterations(3)
            .warmupTime(TimeValue.seconds(1))
            .measurementIterations(5)
            .measurementTime(TimeValue.seconds(1))
            .jvmArgs("-Xmx512m")
            .build();
    Collection<RunResult> results = new Runner(options).run();
    assertThat(results).hasSize(2);
  }
}
