package dev.cairn.server.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Instance;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IdIndexTest {

  private final IdIndex index = new IdIndex();

  private static Instance instance(String id, int weight) {
    return Instance.builder("web", "10.0.0.1").id(id).weight(weight).build();
  }

  @Test
  void agreesWithAHashMapOverRandomChanges() {
    Random random = new Random(42);
    Map<String, Instance> expected = new HashMap<>();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      ids.add(String.format("web-%06d", i));
    }
    for (int step = 0; step < 200_000; step++) {
      String id = ids.get(random.nextInt(ids.size()));
      // Grow in the first half, then mostly shrink, so that both resizes happen.
      boolean add = random.nextInt(100) < (step < 100_000 ? 70 : 20);
      if (add) {
        Instance instance = instance(id, 1 + random.nextInt(10_000));
        index.put(instance);
        expected.put(id, instance);
      } else {
        index.remove(id);
        expected.remove(id);
      }
      if (step % 10_000 == 0) {
        assertSame(expected, ids);
      }
    }
    assertSame(expected, ids);
    assertThat(expected.size()).isLessThan(1_000);
  }

  @Test
  void idsWithEqualHashCodesAreToldApartAndRemovedFromAnyPlaceOfTheirRun() {
    // "Aa" and "BB" share a hash code, and so does every string made of them.
    List<String> colliding = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      StringBuilder id = new StringBuilder();
      for (int bit = 0; bit < 6; bit++) {
        id.append((i >> bit & 1) == 0 ? "Aa" : "BB");
      }
      colliding.add(id.toString());
    }
    assertThat(colliding).extracting(String::hashCode).containsOnly(colliding.get(0).hashCode());
    Map<String, Instance> expected = new HashMap<>();
    for (String id : colliding) {
      Instance instance = instance(id, 1);
      index.put(instance);
      expected.put(id, instance);
    }
    for (int i = 0; i < colliding.size(); i += 3) {
      index.remove(colliding.get(i));
      expected.remove(colliding.get(i));
      assertSame(expected, colliding);
    }
  }

  @Test
  void replacingKeepsTheSize() {
    index.put(instance("a", 1));
    index.put(instance("a", 2));
    assertThat(index.size()).isEqualTo(1);
    assertThat(index.get("a").weight()).isEqualTo(2);
    index.remove("b");
    assertThat(index.size()).isEqualTo(1);
    index.remove("a");
    assertThat(index.size()).isZero();
    assertThat(index.get("a")).isNull();
  }

  private void assertSame(Map<String, Instance> expected, List<String> ids) {
    assertThat(index.size()).isEqualTo(expected.size());
    for (String id : ids) {
      assertThat(index.get(id)).as(id).isSameAs(expected.get(id));
    }
  }
}
