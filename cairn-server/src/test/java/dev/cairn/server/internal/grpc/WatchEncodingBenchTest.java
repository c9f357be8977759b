package dev.cairn.server.internal.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.server.internal.JmhBenchmarks;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Runs {@link WatchEncodingBench} with JMH; only on request (tag {@code bench}): {@code mvn -pl
 * cairn-server -am verify -Pbench -Dtest=WatchEncodingBenchTest
 * -Dsurefire.failIfNoSpecifiedTests=false}. Prints the JMH table; asserts nothing about time.
 */
@Tag("bench")
class WatchEncodingBenchTest {

  @Test
  void run() throws Exception {
    assertThat(JmhBenchmarks.run(WatchEncodingBench.class)).hasSize(2);
  }
}
