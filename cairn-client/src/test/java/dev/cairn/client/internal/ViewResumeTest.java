package dev.cairn.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.client.CairnClient;
import dev.cairn.client.Closer;
import dev.cairn.client.ServiceView;
import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import dev.cairn.server.core.RegistryOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A view whose watch breaks resumes from the last revision it applied: it gets the changes it
 * missed and nothing else, or, when the registry's history no longer reaches back, re-lists. Real
 * server; the break is a real TCP proxy cutting the connection.
 */
class ViewResumeTest {

  private final Closer closer = new Closer();

  @AfterEach
  void closeAll() throws Exception {
    closer.close();
  }

  private CairnServer server(int historyEvents) throws IOException {
    return closer.add(
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
        closer.add(
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
    CuttableProxy proxy = closer.add(new CuttableProxy(server.grpcAddress()));
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
    CuttableProxy proxy = closer.add(new CuttableProxy(server.grpcAddress()));
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

  /**
   * A watch on a member that lags (one back from a partition replays, through the watch, what it
   * missed as it catches up) delivers events the view already shows from a read on a member ahead:
   * they are not applied again, which showed sets of instances the registry never held (decision
   * 0188). The lag is a proxy that delivers the watch's member's answers late.
   */
  @Test
  void eventsOlderThanAReadAreNotAppliedAgain() throws Exception {
    CairnServer server = server(10_000);
    server.registry().register("default", inst("x")).join();
    CuttableProxy lagging = closer.add(new CuttableProxy(server.grpcAddress()));
    CuttableProxy ahead = closer.add(new CuttableProxy(server.grpcAddress()));
    CairnClient client =
        closer.add(
            CairnClient.builder()
                .registries("127.0.0.1:" + lagging.port() + ",127.0.0.1:" + ahead.port())
                .spreadOverRegistries(false)
                .removalProtection(false)
                .requestTimeout(Duration.ofMillis(500))
                .reconcileInterval(Duration.ofMillis(100))
                .shutdownHook(false)
                .build());
    ViewImpl view = (ViewImpl) client.view("web");
    await().until(() -> ids(view.instances()).equals(List.of("x")) && !view.isStale());

    // The watch's member answers 1.5 s late from now on: a read there times out, and the client
    // reads from the other registry, while the watch stays where it is.
    lagging.delayToClient(1500);
    assertThatThrownBy(() -> client.services().get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class);
    List<List<String>> seen = new CopyOnWriteArrayList<>();
    view.addListener(s -> seen.add(ids(s.instances())));
    server.registry().register("default", inst("a")).join();
    server.registry().register("default", inst("b")).join();
    server.registry().deregister("default", "web", "a").join();
    long last = server.registry().deregister("default", "web", "x").join();

    // A read shows the last state at once; the watch delivers the four changes later.
    await().atMost(Duration.ofSeconds(1)).until(() -> ids(view.instances()).equals(List.of("b")));
    await().atMost(Duration.ofSeconds(60)).until(() -> view.watchRevision() >= last);
    // Only states the registry held, ending with the last.
    assertThat(seen)
        .isSubsetOf(
            List.of("x"),
            List.of("a", "x"),
            List.of("a", "b", "x"),
            List.of("b", "x"),
            List.of("b"))
        .last()
        .isEqualTo(List.of("b"));

    server.registry().register("default", inst("c")).join();
    await().until(() -> ids(view.instances()).equals(List.of("b", "c")));
  }

  private static List<String> ids(List<Instance> instances) {
    return instances.stream().map(Instance::id).sorted().toList();
  }
}
