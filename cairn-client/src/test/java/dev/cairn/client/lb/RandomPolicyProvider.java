package dev.cairn.client.lb;

import dev.cairn.common.Ticker;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** A policy plugged in through {@link java.util.ServiceLoader}, as a user would add one. */
public final class RandomPolicyProvider implements LoadBalancingPolicyProvider {

  @Override
  public String name() {
    return "test_random";
  }

  @Override
  public LoadBalancingPolicy newPolicy() {
    return new LoadBalancingPolicy() {
      @Override
      public String name() {
        return "test_random";
      }

      @Override
      public <T> Picker<T> newPicker(List<Endpoint<T>> endpoints, Ticker ticker) {
        List<Endpoint<T>> copy = List.copyOf(endpoints);
        return context ->
            copy.isEmpty() ? null : copy.get(ThreadLocalRandom.current().nextInt(copy.size()));
      }
    };
  }
}
