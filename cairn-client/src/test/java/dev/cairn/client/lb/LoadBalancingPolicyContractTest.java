package dev.cairn.client.lb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.testing.clock.FakeTicker;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The contract every registered policy keeps. */
class LoadBalancingPolicyContractTest {

  private final FakeTicker ticker = FakeTicker.create();

  static Stream<LoadBalancingPolicy> policies() {
    LoadBalancingPolicyRegistry registry = LoadBalancingPolicyRegistry.getDefault();
    return registry.names().stream().map(registry::get);
  }

  @ParameterizedTest
  @MethodSource("policies")
  void emptyListPicksNothing(LoadBalancingPolicy policy) {
    Picker<String> picker = policy.newPicker(List.of(), ticker);

    assertThat(picker.pick(PickContext.NONE)).isNull();
    assertThat(picker.pick(PickContext.ofKey("user-1"))).isNull();
  }

  @ParameterizedTest
  @MethodSource("policies")
  void oneEndpointIsAlwaysPicked(LoadBalancingPolicy policy) {
    List<Endpoint<String>> one = Endpoints.endpoints(1, ticker.nanos());
    Picker<String> picker = policy.newPicker(one, ticker);

    for (int i = 0; i < 100; i++) {
      assertThat(picker.pick(PickContext.ofKey("k" + i))).isSameAs(one.get(0));
      assertThat(picker.pick(PickContext.NONE)).isSameAs(one.get(0));
    }
  }

  @ParameterizedTest
  @MethodSource("policies")
  void pickerIsASnapshotOfTheListItWasGiven(LoadBalancingPolicy policy) {
    List<Endpoint<String>> three = Endpoints.endpoints(3, ticker.nanos());
    List<Endpoint<String>> given = new ArrayList<>(three);
    Picker<String> picker = policy.newPicker(given, ticker);

    given.clear();
    given.addAll(Endpoints.endpoints(2, ticker.nanos()));

    Set<Endpoint<String>> seen = ConcurrentHashMap.newKeySet();
    for (int i = 0; i < 300; i++) {
      seen.add(picker.pick(PickContext.ofKey("k" + i)));
    }
    assertThat(seen).containsExactlyInAnyOrderElementsOf(three);
  }

  @ParameterizedTest
  @MethodSource("policies")
  void picksConcurrentlyFromEveryEndpoint(LoadBalancingPolicy policy) throws Exception {
    List<Endpoint<String>> ten = Endpoints.endpoints(10, ticker.nanos());
    Picker<String> picker = policy.newPicker(ten, ticker);
    Set<Endpoint<String>> seen = ConcurrentHashMap.newKeySet();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  int picked = 0;
                  for (int i = 0; i < 20_000; i++) {
                    Endpoint<String> e = picker.pick(PickContext.ofKey(thread + ":" + i));
                    if (e != null) {
                      seen.add(e);
                      picked++;
                    }
                  }
                  return picked;
                }));
      }
      start.countDown();
      for (Future<Integer> f : results) {
        assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(20_000);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(seen).containsExactlyInAnyOrderElementsOf(ten);
  }

  @ParameterizedTest
  @MethodSource("policies")
  void namedAsRegistered(LoadBalancingPolicy policy) {
    assertThat(LoadBalancingPolicyRegistry.getDefault().get(policy.name()).name())
        .isEqualTo(policy.name());
  }
}
