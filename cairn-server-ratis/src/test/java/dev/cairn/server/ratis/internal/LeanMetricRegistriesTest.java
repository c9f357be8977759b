package dev.cairn.server.ratis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.ratis.metrics.LongCounter;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.Timekeeper;
import org.junit.jupiter.api.Test;

class LeanMetricRegistriesTest {

  private static final MetricRegistryInfo INFO =
      new MetricRegistryInfo("test-peer", "ratis_test", "component", "a test registry");

  @Test
  void ratisLoadsTheseRegistries() {
    assertThat(MetricRegistries.global()).isInstanceOf(LeanMetricRegistries.class);
  }

  @Test
  void registriesAreKeptPerInfoAndCountersCount() {
    LeanMetricRegistries registries = new LeanMetricRegistries();
    RatisMetricRegistry registry = registries.create(INFO);
    assertThat(registries.create(INFO)).isSameAs(registry);
    assertThat(registries.get(INFO)).containsSame(registry);

    LongCounter counter = registry.counter("appends");
    counter.inc();
    counter.inc(4);
    counter.dec();
    assertThat(registry.counter("appends").getCount()).isEqualTo(4);

    Timekeeper.Context timing = registry.timer("flush").time();
    assertThat(timing.stop()).isZero();
    assertThat(registry.timer("flush").time()).isSameAs(timing); // nothing allocated per use

    assertThat(registries.remove(INFO)).isTrue();
    assertThat(registries.get(INFO)).isEmpty();
    assertThat(registries.getMetricRegistryInfos()).isEmpty();
  }
}
