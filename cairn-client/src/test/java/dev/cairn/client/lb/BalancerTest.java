package dev.cairn.client.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.testing.clock.FakeTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BalancerTest {

  private final FakeTicker ticker = FakeTicker.create();
  private final List<String> released = new ArrayList<>();

  private Balancer<String> balancer(OutlierDetection outliers) {
    return Balancer.builder(Instance::id)
        .ticker(ticker)
        .policy(LoadBalancingPolicies.roundRobin())
        .outlierDetection(outliers)
        .release(released::add)
        .build();
  }

  @Test
  void ejectsAfterFiveConsecutiveFailuresNotFour() {
    Balancer<String> balancer = balancer(OutlierDetection.defaults());
    balancer.update(Endpoints.instances(10));
    Endpoint<String> bad = byId(balancer, "e3");

    fail(balancer, bad, 4);
    assertThat(bad.stats().isEjected()).isFalse();
    fail(balancer, bad, 1);

    assertThat(bad.stats().isEjected()).isTrue();
    assertThat(picked(balancer, 1000)).hasSize(9).doesNotContain("e3");
  }

  @Test
  void aSuccessResetsTheFailureRun() {
    Balancer<String> balancer = balancer(OutlierDetection.defaults());
    balancer.update(Endpoints.instances(10));
    Endpoint<String> flaky = byId(balancer, "e1");

    fail(balancer, flaky, 4);
    balancer.completed(flaky, balancer.started(flaky), Outcome.SUCCESS);
    fail(balancer, flaky, 4);

    assertThat(flaky.stats().isEjected()).isFalse();
  }

  @Test
  void refusedConnectionEjectsAtOnce() {
    Balancer<String> balancer = balancer(OutlierDetection.defaults());
    balancer.update(Endpoints.instances(3));
    Endpoint<String> gone = byId(balancer, "e0");

    balancer.completed(gone, balancer.started(gone), Outcome.REFUSED);

    assertThat(gone.stats().isEjected()).isTrue();
    assertThat(picked(balancer, 100)).containsExactlyInAnyOrder("e1", "e2");
  }

  @Test
  void overloadIsNotAFailureForEjection() {
    Balancer<String> balancer = balancer(OutlierDetection.defaults());
    balancer.update(Endpoints.instances(3));
    Endpoint<String> busy = byId(balancer, "e0");

    for (int i = 0; i < 20; i++) {
      balancer.completed(busy, balancer.started(busy), Outcome.OVERLOADED);
    }

    assertThat(busy.stats().isEjected()).isFalse();
  }

  @Test
  void ejectsAtMostTheConfiguredShare() {
    Balancer<String> balancer = balancer(OutlierDetection.builder().maxEjectionPercent(30).build());
    balancer.update(Endpoints.instances(10));

    for (Endpoint<String> e : balancer.endpoints()) {
      fail(balancer, e, 5);
    }

    assertThat(balancer.endpoints().stream().filter(e -> e.stats().isEjected())).hasSize(3);
    assertThat(picked(balancer, 1000)).hasSize(7);
  }

  @Test
  void defaultShareStillEjectsOneOfFew() {
    Balancer<String> balancer = balancer(OutlierDetection.defaults());
    balancer.update(Endpoints.instances(3));

    for (Endpoint<String> e : balancer.endpoints()) {
      balancer.completed(e, balancer.started(e), Outcome.REFUSED);
    }

    assertThat(balancer.endpoints().stream().filter(e -> e.stats().isEjected())).hasSize(1);
  }

  @Test
  void ejectionLastsBaseTimeTimesEjections() {
    Balancer<String> balancer = balancer(OutlierDetection.defaults());
    balancer.update(Endpoints.instances(10));
    Endpoint<String> bad = byId(balancer, "e5");
    Endpoint<String> good = byId(balancer, "e0");

    fail(balancer, bad, 5);
    ticker.advance(Duration.ofSeconds(29));
    succeed(balancer, good);
    assertThat(bad.stats().isEjected()).isTrue();
    ticker.advance(Duration.ofSeconds(1));
    succeed(balancer, good);
    assertThat(bad.stats().isEjected()).isFalse();
    assertThat(picked(balancer, 1000)).contains("e5");

    fail(balancer, bad, 5); // second ejection: 60 s
    ticker.advance(Duration.ofSeconds(59));
    succeed(balancer, good);
    assertThat(bad.stats().isEjected()).isTrue();
    ticker.advance(Duration.ofSeconds(1));
    balancer.maintain();
    assertThat(bad.stats().isEjected()).isFalse();
  }

  @Test
  void ejectsALowSuccessRateAtTheInterval() {
    Balancer<String> balancer = balancer(OutlierDetection.defaults());
    balancer.update(Endpoints.instances(6));
    for (Endpoint<String> e : balancer.endpoints()) {
      for (int i = 0; i < 200; i++) {
        // e4 fails every other call: never 5 in a row, but a success rate of 50%.
        Outcome o = e.id().equals("e4") && i % 2 == 0 ? Outcome.FAILURE : Outcome.SUCCESS;
        balancer.completed(e, balancer.started(e), o);
      }
    }
    assertThat(byId(balancer, "e4").stats().isEjected()).isFalse();

    ticker.advance(Duration.ofSeconds(10));
    balancer.maintain();

    assertThat(byId(balancer, "e4").stats().isEjected()).isTrue();
    assertThat(balancer.endpoints().stream().filter(e -> e.stats().isEjected())).hasSize(1);
  }

  @Test
  void statsSurviveUpdatesAndGoneTargetsAreReleased() {
    Balancer<String> balancer = balancer(OutlierDetection.defaults());
    balancer.update(Endpoints.instances(3));
    Endpoint<String> e1 = byId(balancer, "e1");
    balancer.started(e1);
    Instance reweighted = e1.instance().toBuilder().weight(500).build();

    balancer.update(List.of(byId(balancer, "e0").instance(), reweighted));

    Endpoint<String> now = byId(balancer, "e1");
    assertThat(now).isNotSameAs(e1);
    assertThat(now.stats()).isSameAs(e1.stats());
    assertThat(now.stats().inFlight()).isEqualTo(1);
    assertThat(now.instance().weight()).isEqualTo(500);
    assertThat(released).containsExactly("e2");
    assertThat(picked(balancer, 100)).containsExactlyInAnyOrder("e0", "e1");
  }

  @Test
  void closeReleasesEveryTarget() {
    Balancer<String> balancer = balancer(OutlierDetection.defaults());
    balancer.update(Endpoints.instances(3));

    assertThat(balancer.isEmpty()).isFalse();
    balancer.close();
    balancer.update(Endpoints.instances(2));

    assertThat(balancer.isEmpty()).isTrue();
    assertThat(released).containsExactlyInAnyOrder("e0", "e1", "e2");
    assertThat(balancer.pick(PickContext.NONE)).isNull();
  }

  @Test
  void criticalInstancesAreSkippedUntilTooFewAreHealthy() {
    Balancer<String> balancer = balancer(OutlierDetection.defaults());
    List<Instance> four = new ArrayList<>(Endpoints.instances(4));
    four.set(0, four.get(0).toBuilder().health(Health.CRITICAL).build());
    balancer.update(four);
    assertThat(picked(balancer, 100)).containsExactlyInAnyOrder("e1", "e2", "e3");

    for (int i = 1; i < 3; i++) {
      four.set(i, four.get(i).toBuilder().health(Health.CRITICAL).build());
    }
    balancer.update(four); // 1 of 4 healthy < 50%: panic, use all

    assertThat(picked(balancer, 100)).containsExactlyInAnyOrder("e0", "e1", "e2", "e3");
  }

  @Test
  void prefersTheLocalZoneUntilItsUsableShareFallsBelowThePanicThreshold() {
    Balancer<String> balancer =
        Balancer.builder(Instance::id)
            .ticker(ticker)
            .policy(LoadBalancingPolicies.roundRobin())
            .localZone("a")
            .panicThreshold(0.5)
            .build();
    List<Instance> instances = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      instances.add(Endpoints.instance("a" + i, 100, "a"));
      instances.add(Endpoints.instance("b" + i, 100, "b"));
    }
    balancer.update(instances);
    assertThat(picked(balancer, 100)).containsExactlyInAnyOrder("a0", "a1", "a2", "a3");

    instances.set(0, critical(instances.get(0))); // a0
    instances.set(2, critical(instances.get(2))); // a1: 2 of 4 usable, still local
    balancer.update(instances);
    assertThat(picked(balancer, 100)).containsExactlyInAnyOrder("a2", "a3");

    instances.set(4, critical(instances.get(4))); // a2: 1 of 4 usable, widen to every zone
    balancer.update(instances);
    assertThat(picked(balancer, 100)).containsExactlyInAnyOrder("a3", "b0", "b1", "b2", "b3");
  }

  @Test
  void subsetKeepsOnlyMatchingInstances() {
    Balancer<String> balancer =
        Balancer.builder(Instance::id).ticker(ticker).subset(Selector.parse("version=v2")).build();
    balancer.update(
        List.of(
            Endpoints.instance("old", 100, null, "version", "v1"),
            Endpoints.instance("new", 100, null, "version", "v2"),
            Instance.builder("svc", "127.0.0.1").id("tagged").tags(List.of("canary")).build()));
    assertThat(picked(balancer, 200)).containsExactlyInAnyOrder("new");

    Balancer<String> canaries =
        Balancer.builder(Instance::id).ticker(ticker).subset(Selector.parse("tag=canary")).build();
    canaries.update(
        List.of(
            Endpoints.instance("plain", 100, null),
            Instance.builder("svc", "127.0.0.1").id("tagged").tags(List.of("canary")).build()));
    assertThat(picked(canaries, 200)).containsExactlyInAnyOrder("tagged");
  }

  @Test
  void badSettingsFailAtBuildNamingTheField() {
    assertThatThrownBy(() -> Balancer.builder(Instance::id).panicThreshold(1.5).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("panicThreshold: 1.5");
    assertThatThrownBy(() -> OutlierDetection.builder().maxEjectionPercent(101).build())
        .hasMessageStartingWith("maxEjectionPercent: 101");
    assertThatThrownBy(() -> OutlierDetection.builder().interval(Duration.ZERO).build())
        .hasMessageStartingWith("interval: PT0S");
    assertThatThrownBy(() -> Selector.parse("version")).hasMessageStartingWith("selector: version");
    assertThatThrownBy(() -> Balancer.builder(Instance::id).split(Selector.parse("v=1"), 0).build())
        .hasMessageStartingWith("split.weight: 0");
  }

  private static Instance critical(Instance instance) {
    return instance.toBuilder().health(Health.CRITICAL).build();
  }

  private void fail(Balancer<String> balancer, Endpoint<String> e, int times) {
    for (int i = 0; i < times; i++) {
      balancer.completed(e, balancer.started(e), Outcome.FAILURE);
    }
  }

  private void succeed(Balancer<String> balancer, Endpoint<String> e) {
    balancer.completed(e, balancer.started(e), Outcome.SUCCESS);
  }

  private static Endpoint<String> byId(Balancer<String> balancer, String id) {
    return balancer.endpoints().stream().filter(e -> e.id().equals(id)).findFirst().orElseThrow();
  }

  private static Set<String> picked(Balancer<String> balancer, int picks) {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < picks; i++) {
      ids.add(balancer.pick(PickContext.NONE).id());
    }
    return ids;
  }
}
