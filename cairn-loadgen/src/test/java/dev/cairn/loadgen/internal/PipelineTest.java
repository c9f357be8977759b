package dev.cairn.loadgen.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PipelineTest {

  @Test
  void keepsAtMostDepthOperationsInFlightPerCaller() throws Exception {
    int callers = 3;
    int depth = 2;
    AtomicInteger[] inFlight = {new AtomicInteger(), new AtomicInteger(), new AtomicInteger()};
    AtomicInteger maxInFlight = new AtomicInteger();
    Set<Integer> started = ConcurrentHashMap.newKeySet();
    record Call(int caller, CompletableFuture<Void> future) {}
    LinkedBlockingQueue<Call> open = new LinkedBlockingQueue<>();
    Latency latency = new Latency();

    CompletableFuture<Pipeline.Result> run =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return Pipeline.run(
                    30,
                    callers,
                    depth,
                    k -> {
                      assertThat(started.add(k)).isTrue();
                      int caller = k % callers;
                      maxInFlight.accumulateAndGet(inFlight[caller].incrementAndGet(), Math::max);
                      CompletableFuture<Void> f = new CompletableFuture<>();
                      open.add(new Call(caller, f));
                      return f;
                    },
                    latency,
                    Duration.ofSeconds(30));
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    // nothing completes before every caller has its first `depth` operations in flight
    List<Call> first = new ArrayList<>();
    while (first.size() < callers * depth) {
      Call call = open.poll(10, TimeUnit.SECONDS);
      assertThat(call).isNotNull();
      first.add(call);
    }
    assertThat(open).isEmpty();
    open.addAll(first);
    for (int completed = 0; completed < 30; completed++) {
      Call call = open.poll(10, TimeUnit.SECONDS);
      assertThat(call).isNotNull();
      inFlight[call.caller()].decrementAndGet();
      call.future().complete(null);
    }
    Pipeline.Result result = run.get(10, TimeUnit.SECONDS);

    assertThat(result.succeeded()).isEqualTo(30);
    assertThat(result.failed()).isZero();
    assertThat(result.finished()).isTrue();
    assertThat(started).hasSize(30);
    assertThat(maxInFlight.get()).isEqualTo(depth);
    assertThat(latency.count()).isEqualTo(30);
  }

  @Test
  void countsFailuresAndSurvivesSynchronousCompletion() throws Exception {
    Latency latency = new Latency();

    Pipeline.Result result =
        Pipeline.run(
            100_000,
            2,
            4,
            k ->
                k % 10 == 0
                    ? CompletableFuture.failedFuture(new IllegalStateException("boom " + k))
                    : CompletableFuture.completedFuture(k),
            latency,
            Duration.ofSeconds(30));

    assertThat(result.succeeded()).isEqualTo(90_000);
    assertThat(result.failed()).isEqualTo(10_000);
    assertThat(result.firstError()).startsWith("boom ");
    assertThat(latency.count()).isEqualTo(90_000);
  }

  @Test
  void stopsAtTheTimeout() throws Exception {
    Pipeline.Result result =
        Pipeline.run(
            10, 1, 1, k -> new CompletableFuture<Void>(), new Latency(), Duration.ofMillis(50));

    assertThat(result.finished()).isFalse();
    assertThat(result.succeeded()).isZero();
  }
}
