package dev.cairn.server.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Instance;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceStateTest {

  private final ServiceState service = new ServiceState(new NamespaceState("default"), "web");

  private static Instance instance(String id) {
    return Instance.builder("web", "10.0.0.1").id(id).build();
  }

  @Test
  void findsWhatWasPublishedAndNothingElse() {
    assertThat(service.get("missing")).isNull();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      ids.add(String.format("web-%06d", i));
    }
    ids.forEach(id -> service.put(instance(id)));
    // Before publishing, pending changes answer.
    assertThat(service.get("web-000007").id()).isEqualTo("web-000007");
    service.publish();
    for (String id : ids) {
      assertThat(service.get(id)).as(id).isNotNull().extracting(Instance::id).isEqualTo(id);
    }
    assertThat(service.get("web-001000")).isNull();
    assertThat(service.published.instances()).extracting(Instance::id).isSorted();

    for (int i = 0; i < 1_000; i += 2) {
      service.remove(ids.get(i));
    }
    service.publish();
    for (int i = 0; i < 1_000; i++) {
      assertThat(service.get(ids.get(i)) == null).as(ids.get(i)).isEqualTo(i % 2 == 0);
    }
    assertThat(service.published.instances()).hasSize(500);
  }

  @Test
  void idsWithTheSameHashCodeAreToldApart() {
    // "Aa" and "BB" share a hash code, and so does every concatenation of them.
    List<String> colliding = List.of("AaAa", "AaBB", "BBAa", "BBBB");
    assertThat(colliding).extracting(String::hashCode).containsOnly("AaAa".hashCode());
    colliding.forEach(id -> service.put(instance(id)));
    service.publish();
    for (String id : colliding) {
      assertThat(service.get(id).id()).isEqualTo(id);
    }
    service.remove("AaBB");
    service.publish();
    assertThat(service.get("AaBB")).isNull();
    assertThat(service.get("BBBB").id()).isEqualTo("BBBB");
  }

  @Test
  void emptyServiceFindsNothing() {
    service.put(instance("a"));
    service.publish();
    service.remove("a");
    service.publish();
    assertThat(service.get("a")).isNull();
    assertThat(service.published.instances()).isEmpty();
  }
}
