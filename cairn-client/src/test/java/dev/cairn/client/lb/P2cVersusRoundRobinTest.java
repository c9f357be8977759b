package dev.cairn.client.lb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Instance;
import dev.cairn.testing.clock.FakeTicker;
import java.time.Duration;
import java.util.Arrays;
import java.util.PriorityQueue;
import org.junit.jupiter.api.Test;

/**
 * A simulation on a fake clock: five endpoints answer in 5 ms, one of them in 55 ms (+50 ms); a
 * request arrives every millisecond. Round robin gives the slow one its fifth; P2C-EWMA must give
 * it far less, which also shows in the 99th percentile.
 */
class P2cVersusRoundRobinTest {

  private static final int REQUESTS = 20_000;
  private static final long MS = 1_000_000L;

  @Test
  void p2cSendsTheSlowedEndpointFarLessThanRoundRobin() {
    Result rr = simulate(LoadBalancingPolicies.roundRobin());
    Result p2c = simulate(LoadBalancingPolicies.p2cEwma(Duration.ZERO));

    System.out.printf(
        "slowed endpoint (+50 ms) of 5: round_robin share %.1f%% p99 %d ms; p2c_ewma share %.1f%%"
            + " p99 %d ms%n",
        100 * rr.slowShare, rr.p99Millis, 100 * p2c.slowShare, p2c.p99Millis);
    assertThat(rr.slowShare).isBetween(0.19, 0.21);
    assertThat(p2c.slowShare).isLessThan(rr.slowShare / 4);
    assertThat(p2c.p99Millis).isLessThan(rr.p99Millis);
  }

  private static Result simulate(LoadBalancingPolicy policy) {
    FakeTicker ticker = FakeTicker.create();
    Balancer<String> balancer =
        Balancer.builder(Instance::id)
            .ticker(ticker)
            .policy(policy)
            .outlierDetection(OutlierDetection.disabled())
            .build();
    balancer.update(Endpoints.instances(5));
    // Pending completions ordered by time: {completeAtNanos, startNanos, endpoint index}.
    PriorityQueue<long[]> pending = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
    java.util.List<Endpoint<String>> endpoints = balancer.endpoints();
    long[] latencies = new long[REQUESTS];
    int slow = 0;
    long start = ticker.nanos();
    for (int r = 0; r < REQUESTS; r++) {
      long arrival = start + r * MS;
      while (!pending.isEmpty() && pending.peek()[0] <= arrival) {
        long[] done = pending.poll();
        advanceTo(ticker, done[0]);
        balancer.completed(endpoints.get((int) done[2]), done[1], Outcome.SUCCESS);
      }
      advanceTo(ticker, arrival);
      Endpoint<String> e = balancer.pick(PickContext.NONE);
      int index = endpoints.indexOf(e);
      long latency = index == 0 ? 55 * MS : 5 * MS;
      slow += index == 0 ? 1 : 0;
      latencies[r] = latency;
      pending.add(new long[] {arrival + latency, balancer.started(e), index});
    }
    Arrays.sort(latencies);
    return new Result((double) slow / REQUESTS, latencies[(int) (REQUESTS * 0.99)] / MS);
  }

  private static void advanceTo(FakeTicker ticker, long nanos) {
    long delta = nanos - ticker.nanos();
    if (delta > 0) {
      ticker.advance(Duration.ofNanos(delta));
    }
  }

  private static final class Result {
    final double slowShare;
    final long p99Millis;

    Result(double slowShare, long p99Millis) {
      this.slowShare = slowShare;
      this.p99Millis = p99Millis;
    }
  }
}
