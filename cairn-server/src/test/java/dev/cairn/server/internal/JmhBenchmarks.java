package dev.cairn.server.internal;

import java.util.Collection;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs one JMH benchmark class the way this module's {@code *BenchTest}s do: one fork, 3 × 1 s of
 * warm-up, 5 × 1 s measured, a 512 MiB heap. Prints JMH's table; the caller asserts only how many
 * results came back, never a time.
 */
public final class JmhBenchmarks {

  private JmhBenchmarks() {}

  /** Runs every benchmark method of {@code benchmark}; returns their results. */
  public static Collection<RunResult> run(Class<?> benchmark) throws RunnerException {
    return new Runner(
            new OptionsBuilder()
                .include(benchmark.getName())
                .forks(1)
                .warmupIterations(3)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(5)
                .measurementTime(TimeValue.seconds(1))
                .jvmArgs("-Xmx512m")
                .build())
        .run();
  }
}
