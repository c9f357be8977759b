package dev.cairn.client.lb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Instance;
import dev.cairn.testing.clock.FakeTicker;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A simulation on a fake clock of what issue 15 saw: two equal endpoints and a sequential caller.
 * Each endpoint's first call is slow (a cold connection: 20 ms), later ones take 1.0-1.3 ms.
 * Without a way back, the endpoint whose cold call came second looks slow for seconds and gets
 * almost nothing; an endpoint passed over for a while is tried again and its fresh answer replaces
 * its stale estimate, so both get a fair share.
 */
class P2cIdleShareTest {

  private static final long US = 1_000L;

  @Test
  void twoEqualEndpointsShareASequentialCallersCalls() {
    int calls = 2_000;
    int[] hits = simulate(calls, new long[] {0, 0});

    System.out.printf(
        "two equal endpoints, %d sequential calls: %d / %d (%.0f%% / %.0f%%)%n",
        calls, hits[0], hits[1], 100.0 * hits[0] / calls, 100.0 * hits[1] / calls);
    assertThat(hits[0] + hits[1]).isEqualTo(calls);
    assertThat(Math.min(hits[0], hits[1])).isGreaterThan(calls * 3 / 10);
  }

  @Test
  void aSlowerEndpointOfTwoIsOnlyProbed() {
    int calls = 2_000;
    int[] hits = simulate(calls, new long[] {0, 50_000 * US});

    System.out.printf(
        "two endpoints, one +50 ms, %d sequential calls: the slow one got %d (%.1f%%)%n",
        calls, hits[1], 100.0 * hits[1] / calls);
    assertThat(hits[1]).isPositive().isLessThan(calls / 10);
  }

  @Test
  void endpointsWithinNoiseOfEachOtherSplitEvenly() {
    // Two instances of one service whose answers differ by 5 % (one connection a little slower,
    // as two equal instances on a quiet loopback do): costs within the tie band are a coin toss,
    // so the slightly slower one is not ranked below the other on every pick, and then probed ever
    // more rarely, for a difference that is noise to its callers.
    int calls = 2_000;
    int[] hits = simulate(calls, new long[] {0, 60 * US});

    System.out.printf(
        "two endpoints 5 %% apart, %d sequential calls: %d / %d%n", calls, hits[0], hits[1]);
    assertThat(Math.min(hits[0], hits[1])).isGreaterThan(calls * 4 / 10);
  }

  @Test
  void aClearlySlowerEndpointStillLosesTheToss() {
    // One endpoint 1.0-1.3 ms, the other twice that: outside the tie band, P2C prefers the faster.
    int calls = 4_000;
    int[] hits = simulate(calls, new long[] {0, 1_150 * US});

    System.out.printf(
        "two endpoints, one 2x slower, %d sequential calls: the slow one got %d (%.1f%%)%n",
        calls, hits[1], 100.0 * hits[1] / calls);
    assertThat(hits[1]).isLessThan(calls / 4);
  }

  /** Sequential calls; endpoint i answers in 1.0-1.3 ms plus {@code extra[i]}, 20 ms when cold. */
  private static int[] simulate(int calls, long[] extra) {
    FakeTicker ticker = FakeTicker.create();
    Balancer<String> balancer =
        Balancer.builder(Instance::id)
            .ticker(ticker)
            .policy(LoadBalancingPolicies.p2cEwma(Duration.ZERO))
            .outlierDetection(OutlierDetection.disabled())
            .build();
    balancer.update(Endpoints.instances(2));
    List<Endpoint<String>> endpoints = balancer.endpoints();
    Random noise = new Random(15);
    boolean[] warm = new boolean[2];
    int[] hits = new int[2];
    for (int c = 0; c < calls; c++) {
      Endpoint<String> e = balancer.pick(PickContext.NONE);
      int i = endpoints.indexOf(e);
      long started = balancer.started(e);
      long latency = warm[i] ? 1_000 * US + noise.nextInt(300) * US : 20_000 * US;

      warm[i] = true;
      ticker.advance(Duration.ofNanos(latency + extra[i]));
      balancer.completed(e, started, Outcome.SUCCESS);
      hits[i]++;
    }
    return hits;
  }
}
