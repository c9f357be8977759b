package dev.cairn.client.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.cairn.testing.clock.FakeTicker;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Weighted shares, canary splits and consistent-hash movement over many picks. */
class PolicyDistributionTest {

  private static final int PICKS = 10_000;
  private final FakeTicker ticker = FakeTicker.create();

  @Test
  void weightedFollowsWeightsWithinThreePercent() {
    List<Endpoint<String>> endpoints =
        List.of(
            Endpoints.endpoint(Endpoints.instance("a", 100, null), ticker.nanos()),
            Endpoints.endpoint(Endpoints.instance("b", 300, null), ticker.nanos()),
            Endpoints.endpoint(Endpoints.instance("c", 600, null), ticker.nanos()));
    Picker<String> picker = LoadBalancingPolicies.weighted().newPicker(endpoints, ticker);

    Map<String, Integer> counts = count(picker, PICKS);

    assertThat(share(counts, "a")).isCloseTo(0.10, within(0.03));
    assertThat(share(counts, "b")).isCloseTo(0.30, within(0.03));
    assertThat(share(counts, "c")).isCloseTo(0.60, within(0.03));
  }

  @Test
  void canarySplitFollowsItsWeightsWithinThreePercent() {
    Balancer<String> balancer =
        Balancer.builder(i -> i.id())
            .ticker(ticker)
            .policy(LoadBalancingPolicies.roundRobin())
            .split(Selector.parse("version=v1"), 90)
            .split(Selector.parse("version=v2"), 10)
            .build();
    List<dev.cairn.common.Instance> instances = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      instances.add(Endpoints.instance("v1-" + i, 100, null, "version", "v1"));
    }
    instances.add(Endpoints.instance("v2-0", 100, null, "version", "v2"));
    instances.add(Endpoints.instance("other", 100, null, "version", "v3"));
    balancer.update(instances);

    int v1 = 0;
    int v2 = 0;
    for (int i = 0; i < PICKS; i++) {
      String version = balancer.pick(PickContext.NONE).instance().metadata().get("version");
      v1 += version.equals("v1") ? 1 : 0;
      v2 += version.equals("v2") ? 1 : 0;
    }

    assertThat((double) v1 / PICKS).isCloseTo(0.90, within(0.03));
    assertThat((double) v2 / PICKS).isCloseTo(0.10, within(0.03));
    assertThat(v1 + v2).isEqualTo(PICKS); // v3 is in no split
  }

  @Test
  void ringHashMovesFewKeysWhenOneEndpointLeaves() {
    int n = 10;
    List<Endpoint<String>> all = Endpoints.endpoints(n, ticker.nanos());
    Picker<String> before = LoadBalancingPolicies.ringHash().newPicker(all, ticker);
    Picker<String> after =
        LoadBalancingPolicies.ringHash().newPicker(all.subList(0, n - 1), ticker);

    int moved = 0;
    int leaverKeys = 0;
    for (int k = 0; k < PICKS; k++) {
      PickContext key = PickContext.ofKey("user-" + k);
      Endpoint<String> was = before.pick(key);
      leaverKeys += was == all.get(n - 1) ? 1 : 0;
      moved += was != after.pick(key) ? 1 : 0;
    }

    double movedShare = (double) moved / PICKS;
    System.out.printf(
        "ring_hash: 1 of %d endpoints left; it held %.2f%% of keys, %.2f%% moved%n",
        n, 100.0 * leaverKeys / PICKS, 100 * movedShare);
    assertThat(movedShare).isLessThanOrEqualTo(1.0 / n + 0.05);
    assertThat(moved).isEqualTo(leaverKeys); // survivors keep their ring points
    assertThat(moved).isPositive();
  }

  @Test
  void ringHashKeepsAKeyOnOneEndpoint() {
    Picker<String> picker =
        LoadBalancingPolicies.ringHash().newPicker(Endpoints.endpoints(5, ticker.nanos()), ticker);
    Endpoint<String> first = picker.pick(PickContext.ofKey("session-42"));

    for (int i = 0; i < 100; i++) {
      assertThat(picker.pick(PickContext.ofKey("session-42"))).isSameAs(first);
    }
  }

  private static Map<String, Integer> count(Picker<String> picker, int picks) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < picks; i++) {
      counts.merge(picker.pick(PickContext.NONE).id(), 1, Integer::sum);
    }
    return counts;
  }

  private static double share(Map<String, Integer> counts, String id) {
    return counts.getOrDefault(id, 0) / (double) PICKS;
  }
}
