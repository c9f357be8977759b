package dev.cairn.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.client.CairnClient;
import dev.cairn.client.ServiceView;
import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import dev.cairn.server.core.RegistryOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A view whose watch breaks resumes from the last revision it applied: it gets the changes it
 * missed and nothing else, or, when the registry's history no longer reaches back, re-lists. Real
 * server; the break is a real TCP proxy cutting the connection.
 */
class ViewResumeTest {

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closing(T c) {
    toClose.add(c);
    return c;
  }

  private CairnServer server(int historyEvents) throws IOException {
    return closing(
        CairnServer.builder()
            .inMemory()
            .httpPort(0)
            .grpcPort(0)
            .registryOptions(
                RegistryOptions.builder().watchHistory(historyEvents, Long.MAX_VALUE).build())
            .start());
  }

  private ViewImpl view(CuttableProxy proxy, String service) {
    CairnClient client =
        closing(
            CairnClient.builder()
                .registries("127.0.0.1:" + proxy.port())
                .shutdownHook(false)
                .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(100))
                // No reconcile read during the test: whatever the view holds came from the watch.
                .reconcileInterval(Duration.ofHours(1))
                .build());
    return (ViewImpl) client.view(service);
  }

  private static Instance inst(String id) {
    return Instance.builder("web", "10.0.0.1").id(id).port("http", 80).build();
  }

  private static Map<String, Instance> byId(List<Instance> instances) {
    Map<String, Instance> m = new TreeMap<>();
    instances.forEach(i -> m.put(i.id(), i));
    return m;
  }

  @Test
  void aBrokenWatchResumesWithExactlyTheChangesItMissed() throws Exception {
    CairnServer server = server(10_000);
    server.registry().register("default", inst("a")).join();
    server.registry().register("default", inst("b")).join();
    CuttableProxy proxy = closing(new CuttableProxy(server.grpcAddress()));
    ViewImpl view = view(proxy, "web");
    List<ServiceView.Snapshot> seen = new CopyOnWriteArrayList<>();
    view.addListener(seen::add);
    await().until(() -> view.instances().size() == 2 && !view.isStale());
    long before = view.snapshot().revision();

    proxy.cut();
    await().until(view::isStale);
    // Missed while away: an add, a removal, a health change, and changes to another service.
    server.registry().register("default", inst("c")).join();
    server.registry().register("default", inst("x").toBuilder().service("other").build()).join();
    server.registry().deregister("default", "web", "a").join();
    server.registry().reportHealth("default", "web", "b", Health.WARNING).join();
    long last = server.registry().service("default", "web").revision();
    seen.clear();
    proxy.restore();

    await().until(() -> !view.isStale() && view.snapshot().revision() == last);
    assertThat(view.resumes()).isEqualTo(1);
    assertThat(view.relists()).isZero();
    assertThat(byId(view.instances()))
        .isEqualTo(byId(server.registry().service("default", "web").instances()));
    assertThat(byId(view.instances()).get("b").health()).isEqualTo(Health.WARNING);
    // The three missed changes came as one replay: one new state, at the last of them.
    assertThat(seen)
        .filteredOn(s -> s.revision() > before)
        .extracting(ServiceView.Snapshot::revision)
        .containsExactly(last);
  }

  @Test
  void aResumeTheHistoryNoLongerCoversReLists() throws Exception {
    CairnServer server = server(2);
    server.registry().register("default", inst("a")).join();
    CuttableProxy proxy = closing(new CuttableProxy(server.grpcAddress()));
    ViewImpl view = view(proxy, "web");
    await().until(() -> view.instances().size() == 1 && !view.isStale());

    proxy.cut();
    await().until(view::isStale);
    for (String id : List.of("b", "c", "d", "e")) {
      server.registry().register("default", inst(id)).join();
    }
    proxy.restore();

    await().until(() -> !view.isStale() && view.instances().size() == 5);
    assertThat(view.relists()).isEqualTo(1);
    assertThat(view.resumes()).isZero();
    assertThat(byId(view.instances()))
        .isEqualTo(byId(server.registry().service("default", "web").instances()));
  }
}
