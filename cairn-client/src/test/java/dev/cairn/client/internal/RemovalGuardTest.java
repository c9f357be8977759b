package dev.cairn.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RemovalGuardTest {

  private final RemovalGuard guard = new RemovalGuard(true, 0.5, 100);

  @Test
  void appliesSmallRemovals() {
    Map<String, Instance> shown = of(i("a"), i("b"), i("c"));
    assertThat(guard.apply(shown, of(i("a"), i("b")), false, 0)).containsOnlyKeys("a", "b");
    assertThat(guard.withheld()).isEmpty();
  }

  @Test
  void holdsBackRemovingMoreThanTheShare() {
    Map<String, Instance> shown = of(i("a"), i("b"), i("c"));
    assertThat(guard.apply(shown, of(i("a")), false, 0)).containsOnlyKeys("a", "b", "c");
    assertThat(guard.withheld()).extracting(Instance::id).containsExactly("b", "c");
    assertThat(guard.nextConfirmNanos()).isEqualTo(100);
  }

  @Test
  void holdsBackEmptying() {
    Map<String, Instance> shown = of(i("a"));
    assertThat(guard.apply(shown, of(), false, 0)).containsOnlyKeys("a");
  }

  @Test
  void releasesOnAReadAfterTheDelayOnly() {
    Map<String, Instance> shown = guard.apply(of(i("a")), of(), false, 0);

    shown = guard.apply(shown, of(), true, 99);
    assertThat(shown).containsOnlyKeys("a");
    shown = guard.apply(shown, of(), false, 100);
    assertThat(shown).containsOnlyKeys("a");
    shown = guard.apply(shown, of(), true, 100);
    assertThat(shown).isEmpty();
    assertThat(guard.withheld()).isEmpty();
    assertThat(guard.nextConfirmNanos()).isEqualTo(-1);
  }

  @Test
  void endsTheHoldWhenTheRegistryListsTheInstanceAgain() {
    Map<String, Instance> shown = guard.apply(of(i("a")), of(), false, 0);

    Instance back = i("a").toBuilder().weight(7).build();
    shown = guard.apply(shown, of(back), false, 1);

    assertThat(shown.get("a").weight()).isEqualTo(7);
    assertThat(guard.withheld()).isEmpty();
  }

  @Test
  void removesNonPassingInstancesAtOnce() {
    Map<String, Instance> shown = of(i("a").toBuilder().health(Health.CRITICAL).build());
    assertThat(guard.apply(shown, of(), false, 0)).isEmpty();
  }

  @Test
  void doesNothingWhenDisabled() {
    RemovalGuard off = new RemovalGuard(false, 0.5, 100);
    assertThat(off.apply(of(i("a"), i("b")), of(), false, 0)).isEmpty();
  }

  private static Instance i(String id) {
    return Instance.builder("s", "10.0.0.1").id(id).build();
  }

  private static Map<String, Instance> of(Instance... instances) {
    Map<String, Instance> m = new TreeMap<>();
    for (Instance i : instances) {
      m.put(i.id(), i);
    }
    return m;
  }
}
