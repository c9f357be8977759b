package dev.cairn.server.internal.trends;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.common.InstanceKind;
import dev.cairn.server.core.RegistryMonitor;
import dev.cairn.server.core.ServiceEvent;
import dev.cairn.server.core.ServiceSummary;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrendsTest {

  private static final long T0 = 1_700_000_000_000L;
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(T0), ZoneOffset.UTC);

  @Test
  void keepsEachServicesCountsPerSampleOldestFirstAndForgetsAServiceEmptyForTheWholeWindow() {
    Trends trends = new Trends(CLOCK, 3, 10, 10, 10);
    trends.sample(T0, 1, Map.of("default", List.of(summary("web", 2, 2))));
    trends.sample(T0 + 60_000, 2, Map.of("default", List.of(summary("web", 3, 1))));
    trends.sample(
        T0 + 120_000,
        3,
        Map.of("default", List.of(summary("api", 1, 1)), "staging", List.of(summary("b", 1, 0))));

    Trends.ServiceHistory h = trends.services("default");
    assertThat(h.times()).containsExactly(T0, T0 + 60_000, T0 + 120_000);
    assertThat(h.services())
        .extracting(Trends.ServiceSeries::service)
        .containsExactly("api", "web");
    assertThat(h.services().get(0).instances()).containsExactly(0, 0, 1);
    assertThat(h.services().get(1).instances()).containsExactly(2, 3, 0);
    assertThat(h.services().get(1).passing()).containsExactly(2, 1, 0);
    assertThat(trends.services("staging").services().get(0).passing()).containsExactly(0, 0, 0);

    // The ring keeps three samples: web's 2 and 3 go, and with them web.
    trends.sample(T0 + 180_000, 4, Map.of("default", List.of(summary("api", 1, 1))));
    trends.sample(T0 + 240_000, 5, Map.of("default", List.of(summary("api", 2, 1))));
    h = trends.services("default");
    assertThat(h.times()).containsExactly(T0 + 120_000, T0 + 180_000, T0 + 240_000);
    assertThat(h.services()).extracting(Trends.ServiceSeries::service).containsExactly("api");
    assertThat(h.services().get(0).instances()).containsExactly(1, 1, 2);
    assertThat(trends.services("staging").services().get(0).instances()).containsExactly(1, 0, 0);
    trends.sample(T0 + 300_000, 6, Map.of());
    assertThat(trends.services("staging").services()).isEmpty();
    assertThat(trends.services("nowhere").services()).isEmpty();
  }

  @Test
  void followsAtMostMaxServicesAndCountsTheOthers() {
    Trends trends = new Trends(CLOCK, 3, 2, 10, 10);
    trends.sample(
        T0,
        1,
        Map.of("default", List.of(summary("a", 1, 1), summary("b", 1, 1), summary("c", 1, 1))));
    Trends.ServiceHistory h = trends.services("default");
    assertThat(h.services()).hasSize(2);
    assertThat(h.unfollowed()).isEqualTo(1);
  }

  @Test
  void writeRateIsRevisionsPerSecondAndPushLagIsTheStepsMeanAndMaximum() {
    Trends trends = new Trends(CLOCK, 3, 10, 2, 10);
    RegistryMonitor monitor = trends.monitor(RegistryMonitor.NONE);
    trends.sample(T0 - 10_000, 100, null); // starts the first step
    assertThat(trends.server(0).times()).isEmpty();
    monitor.eventsDelivered(1, 1_000_000);
    monitor.eventsDelivered(3, 3_000_000);
    // The step in progress, at the clock's T0: 10 s in, 50 revisions.
    Trends.Step current = trends.server(150).current();
    assertThat(current.writesPerSecond()).isEqualTo(5.0);
    assertThat(current.pushes()).isEqualTo(2);
    assertThat(current.maxLagMillis()).isEqualTo(3.0);
    trends.sample(T0, 150, null);
    Trends.ServerHistory h = trends.server(0);
    assertThat(h.times()).containsExactly(T0);
    assertThat(h.writesPerSecond()).containsExactly(5.0);
    assertThat(h.pushes()).containsExactly(2L);
    assertThat(h.meanLagMillis()).containsExactly(2.0);
    assertThat(h.maxLagMillis()).containsExactly(3.0);

    trends.sample(T0 + 10_000, 150, null); // a quiet step
    trends.sample(T0 + 30_000, 170, null); // a late one: 20 revisions in 20 s
    h = trends.server(0);
    assertThat(h.times()).containsExactly(T0 + 10_000, T0 + 30_000);
    assertThat(h.writesPerSecond()).containsExactly(0.0, 1.0);
    assertThat(h.pushes()).containsExactly(0L, 0L);
    assertThat(h.maxLagMillis()).containsExactly(0.0, 0.0);
  }

  @Test
  void pushesBeforeTheFirstSampleCountInTheFirstStep() {
    // The sampler's first run may come after the first writes and pushes (its thread starts with
    // the server, and a busy machine runs it late).
    Trends trends = new Trends(CLOCK, 3, 10, 2, 10);
    RegistryMonitor monitor = trends.monitor(RegistryMonitor.NONE);
    monitor.eventsDelivered(1, 2_000_000);
    trends.sample(T0 - 10_000, 100, null); // starts the first step
    assertThat(trends.server(100).current().pushes()).isEqualTo(1);
    trends.sample(T0, 100, null);
    assertThat(trends.server(0).pushes()).containsExactly(1L);
    assertThat(trends.server(0).maxLagMillis()).containsExactly(2.0);
    assertThat(trends.server(0).current().pushes()).isZero();
  }

  @Test
  void eventsSayWhatHappenedWithRevisionAndTimeNewestLimitedPerNamespace() {
    Trends trends = new Trends(CLOCK, 3, 10, 10, 5);
    List<String> forwarded = new ArrayList<>();
    RegistryMonitor monitor =
        trends.monitor(
            new RegistryMonitor() {
              @Override
              public void serviceChanged(String ns, String service, List<ServiceEvent> events) {
                forwarded.add(ns + "/" + service + ":" + events.size());
              }

              @Override
              public void registered(InstanceKind kind) {
                forwarded.add("registered " + kind);
              }
            });
    Instance web1 = instance("web-1", Health.PASSING);
    monitor.serviceChanged(
        "default", "web", List.of(ServiceEvent.of(ServiceEvent.Type.ADDED, 1, web1)));
    monitor.serviceChanged(
        "default",
        "web",
        List.of(ServiceEvent.updated(2, instance("web-1", Health.CRITICAL), Health.PASSING)));
    monitor.serviceChanged(
        "staging", "web", List.of(ServiceEvent.of(ServiceEvent.Type.ADDED, 3, web1)));
    monitor.serviceChanged(
        "default",
        "web",
        List.of(
            ServiceEvent.updated(4, instance("web-1", Health.CRITICAL), Health.CRITICAL),
            ServiceEvent.of(ServiceEvent.Type.REMOVED, 5, instance("web-1", Health.CRITICAL))));
    monitor.registered(InstanceKind.PERSISTENT);
    assertThat(forwarded)
        .containsExactly(
            "default/web:1",
            "default/web:1",
            "staging/web:1",
            "default/web:2",
            "registered " + "PERSISTENT");

    Trends.Timeline t = trends.events("default", 0, 10);
    assertThat(t.truncated()).isFalse();
    assertThat(t.oldestRevision()).isEqualTo(1);
    assertThat(t.events())
        .extracting(Trends.Event::revision, e -> e.kind().apiName(), Trends.Event::previousHealth)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(1L, "registered", Health.PASSING),
            org.assertj.core.groups.Tuple.tuple(2L, "health", Health.PASSING),
            org.assertj.core.groups.Tuple.tuple(4L, "updated", Health.CRITICAL),
            org.assertj.core.groups.Tuple.tuple(5L, "removed", Health.CRITICAL));
    assertThat(t.events().get(1).health()).isEqualTo(Health.CRITICAL);
    assertThat(t.events()).allSatisfy(e -> assertThat(e.timeMillis()).isEqualTo(T0));

    Trends.Timeline newest = trends.events("default", 1, 2);
    assertThat(newest.events()).extracting(Trends.Event::revision).containsExactly(4L, 5L);
    assertThat(newest.truncated()).isTrue();
    assertThat(trends.events("default", 5, 10).events()).isEmpty();
    assertThat(trends.events("staging", 0, 10).events())
        .extracting(Trends.Event::instanceId)
        .containsExactly("web-1");

    // Five kept: the sixth pushes out the first.
    monitor.serviceChanged(
        "default", "api", List.of(ServiceEvent.of(ServiceEvent.Type.ADDED, 6, web1)));
    Trends.Timeline after = trends.events("default", 0, 10);
    assertThat(after.oldestRevision()).isEqualTo(2);
    assertThat(after.events()).extracting(Trends.Event::revision).containsExactly(2L, 4L, 5L, 6L);
  }

  private static ServiceSummary summary(String name, int instances, int passing) {
    return new ServiceSummary(name, instances, passing, 1);
  }

  private static Instance instance(String id, Health health) {
    return Instance.builder("web", "10.0.0.1").id(id).health(health).build();
  }
}
