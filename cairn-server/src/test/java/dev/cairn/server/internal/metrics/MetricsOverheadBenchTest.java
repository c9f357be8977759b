package dev.cairn.server.internal.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.server.internal.JmhBenchmarks;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Runs {@link MetricsOverheadBench} with JMH; only on request (tag {@code bench}): {@code mvn -pl
 * cairn-server -am verify -Pbench -Dtest=MetricsOverheadBenchTest
 * -Dsurefire.failIfNoSpecifiedTests=false}. Prints the JMH table; asserts nothing about time.
 */
@Tag("bench")
class MetricsOverheadBenchTest {

  @Test
  void run() throws Exception {
    assertThat(JmhBenchmarks.run(MetricsOverheadBench.class)).hasSize(5);
  }
}
