package dev.cairn.client.lb.internal;

import dev.cairn.client.lb.Endpoint;
import dev.cairn.client.lb.LoadBalancingPolicy;
import dev.cairn.client.lb.PickContext;
import dev.cairn.client.lb.Picker;
import dev.cairn.common.Ticker;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Weighted round robin ({@code "weighted"}) by instance weight, lock-free: pick {@code n} maps the
 * {@code n}-th point of the golden-ratio sequence onto the cumulative weights (binary search), so
 * shares follow the weights within a fraction of a percent and picks interleave like smooth WRR.
 * See decision 0016.
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
    private final int[] cumulative;
    private final int total;
    private final AtomicLong sequence = new AtomicLong(ThreadLocalRandom.current().nextLong());

    @SuppressWarnings("unchecked")
    WeightedPicker(List<Endpoint<T>> endpoints) {
      this.endpoints = endpoints.toArray(new Endpoint[0]);
      this.cumulative = new int[this.endpoints.length];
      int sum = 0;
      for (int i = 0; i < this.endpoints.length; i++) {
        sum += this.endpoints[i].instance().weight();
        cumulative[i] = sum;
      }
      this.total = sum;
    }

    @Override
    public Endpoint<T> pick(PickContext context) {
      int x = Hashing.weyl(sequence.getAndIncrement(), total);
      return endpoints[Hashing.search(cumulative, x)];
    }
  }
}
