package dev.cairn.loadgen.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BlockingTest {

  @Test
  void eachCallerHasOneCallInFlightAndEveryOperationRunsOnce() throws Exception {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    Set<Integer> started = ConcurrentHashMap.newKeySet();
    Set<String> callerOfOperation = ConcurrentHashMap.newKeySet();
    Latency latency = new Latency();

    Pipeline.Result result =
        Blocking.run(
            40,
            4,
            k -> {
              assertThat(started.add(k)).isTrue();
              callerOfOperation.add(Thread.currentThread().getName() + "=" + (k % 4));
              maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
              return CompletableFuture.runAsync(inFlight::decrementAndGet);
            },
            latency,
            Duration.ofSeconds(30));

    assertThat(result.succeeded()).isEqualTo(40);
    assertThat(result.failed()).isZero();
    assertThat(result.finished()).isTrue();
    assertThat(started).hasSize(40);
    assertThat(maxInFlight.get()).isLessThanOrEqualTo(4);
    // caller c performs c, c + 4, ...: one thread per residue
    assertThat(callerOfOperation).hasSize(4);
    assertThat(latency.count()).isEqualTo(40);
  }

  @Test
  void countsFailuresAndStopsAtTheTimeout() throws Exception {
    Pipeline.Result failing =
        Blocking.run(
            10,
            2,
            k ->
                k % 2 == 0
                    ? CompletableFuture.completedFuture(null)
                    : CompletableFuture.failedFuture(new IllegalStateException("no " + k)),
            new Latency(),
            Duration.ofSeconds(30));
    assertThat(failing.succeeded()).isEqualTo(5);
    assertThat(failing.failed()).isEqualTo(5);
    assertThat(failing.firstError()).startsWith("IllegalStateException: no ");

    Pipeline.Result stuck =
        Blocking.run(
            10, 2, k -> new CompletableFuture<Void>(), new Latency(), Duration.ofMillis(200));
    assertThat(stuck.finished()).isFalse();
    assertThat(stuck.succeeded()).isZero();
  }
}
