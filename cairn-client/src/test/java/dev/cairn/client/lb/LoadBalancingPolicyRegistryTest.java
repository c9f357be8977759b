package dev.cairn.client.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LoadBalancingPolicyRegistryTest {

  private final LoadBalancingPolicyRegistry registry = LoadBalancingPolicyRegistry.getDefault();

  @Test
  void knowsTheBuiltInsAndProvidersOnTheClassPath() {
    assertThat(registry.names())
        .containsExactly("p2c_ewma", "ring_hash", "round_robin", "test_random", "weighted");
    assertThat(registry.get("test_random").name()).isEqualTo("test_random");
  }

  @Test
  void unknownNameListsTheKnownOnes() {
    assertThatThrownBy(() -> registry.get("fastest"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "loadBalancing: fastest (expected: one of [p2c_ewma, ring_hash, round_robin,"
                + " test_random, weighted])");
  }
}
