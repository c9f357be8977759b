package dev.cairn.client.lb.internal;

import dev.cairn.client.lb.Endpoint;
import dev.cairn.client.lb.EndpointStats;
import dev.cairn.client.lb.LoadBalancingPolicy;
import dev.cairn.client.lb.PickContext;
import dev.cairn.client.lb.Picker;
import dev.cairn.common.Ticker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Power of two choices over peak-EWMA latency ({@code "p2c_ewma"}, the default): two distinct
 * endpoints at random, the one with the lower cost wins, where cost = latency estimate × (in flight
 * + 1) ÷ (weight × slow-start factor). Failures and overload answers raise the estimate (see {@link
 * dev.cairn.client.lb.PeakEwma}); the slow-start factor grows linearly from 0.1 to 1 over the
 * window after the balancer first saw the endpoint.
 *
 * <p>An endpoint that lost {@value #PROBE_AFTER} picks in a row is picked instead of the winner (a
 * probe), and its answer replaces its estimate: with few endpoints and a steady caller, an endpoint
 * whose estimate is stale (one slow call, e.g. a cold connection) would otherwise lose every
 * comparison until time decays its estimate, which takes seconds while its peers answer in
 * milliseconds. While probes find it still slower, the next probe waits for twice as many lost
 * picks, up to {@value #MAX_PROBE_AFTER}; winning a pick on its cost starts again at {@value
 * #PROBE_AFTER}. Costs within {@value #TIE}× of each other are a tie, decided by a coin toss.
 * (Decision 0081.)
 */
public final class P2cEwmaPolicy implements LoadBalancingPolicy {

  public static final String NAME = "p2c_ewma";
  public static final Duration DEFAULT_SLOW_START = Duration.ofSeconds(10);
  private static final double MIN_RAMP = 0.1;

  /** Picks an endpoint may lose in a row before it is first probed. */
  public static final int PROBE_AFTER = 16;

  /** The most picks a slow endpoint loses between two probes. */
  public static final int MAX_PROBE_AFTER = 1024;

  /**
   * Costs within this factor of each other are a tie, decided by a fair coin: a latency estimate is
   * noisy, and two equal endpoints would otherwise be ranked by microseconds of noise, the loser
   * then probed ever more rarely (decision 0081, addendum).
   */
  static final double TIE = 1.2;

  private final long slowStartNanos;

  public P2cEwmaPolicy(Duration slowStart) {
    this.slowStartNanos = slowStart.toNanos();
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public <T> Picker<T> newPicker(List<Endpoint<T>> endpoints, Ticker ticker) {
    if (endpoints.isEmpty()) {
      return EmptyPicker.of();
    }
    return new P2cPicker<>(endpoints, ticker, slowStartNanos);
  }

  private static final class P2cPicker<T> implements Picker<T> {
    private final Endpoint<T>[] endpoints;
    // Per endpoint, held here so that a pick touches only the two candidates' stats.
    private final EndpointStats[] stats;
    private final double[] inverseWeights;
    private final Ticker ticker;
    private final long slowStartNanos;

    @SuppressWarnings("unchecked")
    P2cPicker(List<Endpoint<T>> endpoints, Ticker ticker, long slowStartNanos) {
      this.endpoints = endpoints.toArray(new Endpoint[0]);
      this.stats = new EndpointStats[this.endpoints.length];
      this.inverseWeights = new double[this.endpoints.length];
      for (int i = 0; i < this.endpoints.length; i++) {
        stats[i] = this.endpoints[i].stats();
        inverseWeights[i] = 1.0 / this.endpoints[i].instance().weight();
      }
      this.ticker = ticker;
      this.slowStartNanos = slowStartNanos;
    }

    @Override
    public Endpoint<T> pick(PickContext context) {
      int n = endpoints.length;
      if (n == 1) {
        return endpoints[0];
      }
      ThreadLocalRandom random = ThreadLocalRandom.current();
      int a = random.nextInt(n);
      int b = random.nextInt(n - 1);
      if (b >= a) {
        b++;
      }
      long now = ticker.nanos();
      double costA = cost(a, now);
      double costB = cost(b, now);
      if (Math.max(costA, costB) <= Math.min(costA, costB) * TIE) {
        // Within noise of each other: a fair coin (a is already a random one of the two), and
        // neither was passed over for a stale estimate.
        stats[a].won();
        stats[b].won();
        return endpoints[a];
      }
      int winner;
      int loser;
      if (costA < costB) {
        winner = a;
        loser = b;
      } else {
        winner = b;
        loser = a;
      }
      if (stats[loser].passedOver(PROBE_AFTER, MAX_PROBE_AFTER)) {
        return endpoints[loser];
      }
      stats[winner].won();
      return endpoints[winner];
    }

    private double cost(int i, long now) {
      EndpointStats s = stats[i];
      double cost = s.latencyNanos(now) * (s.inFlight() + 1) * inverseWeights[i];
      long age = now - s.createdNanos();
      if (slowStartNanos > 0 && age < slowStartNanos) {
        cost /= Math.max(MIN_RAMP, (double) age / slowStartNanos);
      }
      return cost;
    }
  }
}
