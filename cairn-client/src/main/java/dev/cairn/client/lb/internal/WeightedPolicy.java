package dev.cairn.client.lb.internal;

import dev.cairn.client.lb.Endpoint;
import dev.cairn.client.lb.LoadBalancingPolicy;
import dev.cairn.client.lb.PickContext;
import dev.cairn.client.lb.Picker;
import dev.cairn.common.Ticker;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Weighted round robin ({@code "weighted"}) by instance weight, lock-free and O(1): pick {@code n}
 * takes the {@code n}-th point of the golden-ratio sequence and reads it through Vose's alias table
 * (the point's column, then its fraction against the column's threshold). The sequence is
 * equidistributed, so shares follow the weights within a fraction of a percent and picks interleave
 * like smooth WRR. See decision 0016.
 */
public final class WeightedPolicy implements LoadBalancingPolicy {

  public static final String NAME = "weighted";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public <T> Picker<T> newPicker(List<Endpoint<T>> endpoints, Ticker ticker) {
    if (endpoints.isEmpty()) {
      return EmptyPicker.of();
    }
    return new WeightedPicker<>(endpoints);
  }

  private static final class WeightedPicker<T> implements Picker<T> {
    private final Endpoint<T>[] endpoints;
    private final Endpoint<T>[] aliases;
    // Column i keeps its own endpoint when the point's fraction (63 bits) is below thresholds[i].
    private final long[] thresholds;
    private final int n;
    private final AtomicLong sequence = new AtomicLong(ThreadLocalRandom.current().nextLong());

    @SuppressWarnings("unchecked")
    WeightedPicker(List<Endpoint<T>> list) {
      n = list.size();
      endpoints = list.toArray(new Endpoint[0]);
      aliases = new Endpoint[n];
      thresholds = new long[n];
      double total = 0;
      for (Endpoint<T> e : endpoints) {
        total += e.instance().weight();
      }
      double[] scaled = new double[n];
      ArrayDeque<Integer> small = new ArrayDeque<>();
      ArrayDeque<Integer> large = new ArrayDeque<>();
      for (int i = 0; i < n; i++) {
        scaled[i] = endpoints[i].instance().weight() * n / total;
        (scaled[i] < 1 ? small : large).add(i);
      }
      while (!small.isEmpty() && !large.isEmpty()) {
        int s = small.poll();
        int l = large.poll();
        thresholds[s] = toThreshold(scaled[s]);
        aliases[s] = endpoints[l];
        scaled[l] = scaled[l] + scaled[s] - 1;
        (scaled[l] < 1 ? small : large).add(l);
      }
      for (Integer i : large) {
        thresholds[i] = Long.MAX_VALUE;
        aliases[i] = endpoints[i];
      }
      for (Integer i : small) { // only rounding leftovers, each ~1
        thresholds[i] = Long.MAX_VALUE;
        aliases[i] = endpoints[i];
      }
    }

    private static long toThreshold(double p) {
      return p >= 1 ? Long.MAX_VALUE : (long) (p * 0x1p63);
    }

    @Override
    public Endpoint<T> pick(PickContext context) {
      long h = Hashing.weylPoint(sequence.getAndIncrement());
      // h / 2^64 * n: the high word is the column, the low word the fraction within it.
      int column = (int) (Math.multiplyHigh(h, n) + ((h >> 63) & n));
      long fraction = (h * n) >>> 1;
      return fraction < thresholds[column] ? endpoints[column] : aliases[column];
    }
  }
}
