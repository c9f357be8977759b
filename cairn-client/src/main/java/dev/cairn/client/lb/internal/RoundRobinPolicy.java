package dev.cairn.client.lb.internal;

import dev.cairn.client.lb.Endpoint;
import dev.cairn.client.lb.LoadBalancingPolicy;
import dev.cairn.client.lb.PickContext;
import dev.cairn.client.lb.Picker;
import dev.cairn.common.Ticker;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/** Round robin ({@code "round_robin"}): each endpoint in turn, from a random start. */
public final class RoundRobinPolicy implements LoadBalancingPolicy {

  public static final String NAME = "round_robin";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public <T> Picker<T> newPicker(List<Endpoint<T>> endpoints, Ticker ticker) {
    if (endpoints.isEmpty()) {
      return EmptyPicker.of();
    }
    return new RoundRobinPicker<>(endpoints);
  }

  private static final class RoundRobinPicker<T> implements Picker<T> {
    private final Endpoint<T>[] endpoints;
    private final AtomicInteger next;

    @SuppressWarnings("unchecked")
    RoundRobinPicker(List<Endpoint<T>> endpoints) {
      this.endpoints = endpoints.toArray(new Endpoint[0]);
      this.next = new AtomicInteger(ThreadLocalRandom.current().nextInt(this.endpoints.length));
    }

    @Override
    public Endpoint<T> pick(PickContext context) {
      return endpoints[Math.floorMod(next.getAndIncrement(), endpoints.length)];
    }
  }
}
