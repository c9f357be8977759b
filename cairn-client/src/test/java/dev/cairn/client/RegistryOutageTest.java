package dev.cairn.client;

import static dev.cairn.client.Servers.ids;
import static dev.cairn.client.Servers.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import dev.cairn.testing.clock.FakeTicker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Registries that start late, stop, fail over, and a client starting while they are down. */
class RegistryOutageTest {

  private final Closer closer = new Closer();

  @AfterEach
  void closeAll() throws Exception {
    closer.close();
  }

  private CairnClient.Builder client(String registries) {
    return CairnClient.builder()
        .registries(registries)
        .shutdownHook(false)
        .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200));
  }

  @Test
  void theFirstConnectionIsRetriedUntilTheRegistryStarts() throws Exception {
    int port = Servers.freePort();
    CairnClient client = closer.add(client("127.0.0.1:" + port).build());
    Registration r = client.register(instance("orders", "o1"));
    ServiceView view = client.view("orders");
    // Let several attempts fail before the registry exists.
    await().atMost(Duration.ofSeconds(10)).until(() -> view.staleness().toMillis() >= 300);
    assertThat(r.registered()).isNotDone();

    CairnServer server = closer.add(Servers.start(port));

    assertThat(r.registered().get(10, TimeUnit.SECONDS).id()).isEqualTo("o1");
    assertThat(ids(server, "orders")).containsExactly("o1");
    await().atMost(Duration.ofSeconds(10)).until(() -> ids(view.instances()).equals(List.of("o1")));
    assertThat(view.isStale()).isFalse();
  }

  @Test
  void failsOverToTheNextRegistry() throws Exception {
    CairnServer first = Servers.start(0);
    CairnServer second = closer.add(Servers.start(0));
    second.registry().register("default", instance("hello", "h-second")).join();
    first.registry().register("default", instance("hello", "h-first")).join();
    CairnClient client =
        closer.add(
            client(Servers.target(first) + "," + Servers.target(second))
                .spreadOverRegistries(false)
                .build());
    client.register(instance("orders", "o1")).registered().get(10, TimeUnit.SECONDS);
    ServiceView view = client.view("hello");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ids(view.instances()).equals(List.of("h-first")));
    assertThat(ids(first, "orders")).containsExactly("o1");

    first.close();

    await().atMost(Duration.ofSeconds(10)).until(() -> ids(second, "orders").equals(List.of("o1")));
    // The views fail over too (the guard applies a one-for-one swap: one added, one removed of one
    // is 100%, so the old one is withheld while the registry does not confirm it).
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ids(view.instances()).contains("h-second") && !view.isStale());
  }

  @Test
  void keepsTheLastInstancesWhenTheRegistryStopsAndReportsStaleness() throws Exception {
    FakeTicker ticker = FakeTicker.create();
    CairnServer server = Servers.start(0);
    server.registry().register("default", instance("hello", "h1")).join();
    server.registry().register("default", instance("hello", "h2")).join();
    CairnClient client = closer.add(client(Servers.target(server)).ticker(ticker).build());
    ServiceView view = client.view("hello");
    await().atMost(Duration.ofSeconds(10)).until(() -> view.instances().size() == 2);
    assertThat(view.staleness()).isZero();

    server.close();

    await().atMost(Duration.ofSeconds(10)).until(view::isStale);
    assertThat(ids(view.instances())).containsExactly("h1", "h2");
    ticker.advance(Duration.ofMinutes(5));
    assertThat(view.staleness()).isGreaterThanOrEqualTo(Duration.ofMinutes(5));
    assertThat(ids(view.instances())).containsExactly("h1", "h2");
  }

  @Test
  void aClientStartingWhileTheRegistryIsDownFindsInstancesInTheDiskSnapshot(@TempDir Path dir)
      throws Exception {
    CairnServer server = Servers.start(0);
    String target = Servers.target(server);
    server.registry().register("default", instance("hello", "h1")).join();
    try (CairnClient first = client(target).snapshotDir(dir).build()) {
      ServiceView view = first.view("hello");
      await().atMost(Duration.ofSeconds(10)).until(() -> view.instances().size() == 1);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> Files.exists(dir.resolve("default.hello.pb")));
    }
    server.close();

    CairnClient second = closer.add(client(target).snapshotDir(dir).build());
    ServiceView view = second.view("hello");

    assertThat(view.ready()).succeedsWithin(Duration.ofSeconds(10));
    assertThat(ids(view.instances())).containsExactly("h1");
    assertThat(view.snapshot().source()).isEqualTo(ServiceView.Source.DISK);
    assertThat(view.isStale()).isTrue();
    assertThat(view.awaitInstances(Duration.ofSeconds(1)))
        .succeedsWithin(Duration.ofSeconds(10))
        .satisfies(l -> assertThat(ids(l)).containsExactly("h1"));
  }

  @Test
  void anUnreachableRegistryFailsAwaitInstancesWithUnavailable() {
    // Closed after the client (in reverse order): the port refuses for as long as the client tries.
    int refused = closer.add(Servers.refusedPort()).getLocalPort();
    CairnClient client = closer.add(client("127.0.0.1:" + refused).build());

    assertThat(client.view("hello").awaitInstances(Duration.ofMillis(200)))
        .failsWithin(Duration.ofSeconds(10))
        .withThrowableThat()
        .havingCause()
        .isInstanceOfSatisfying(
            dev.cairn.common.CairnException.class,
            e -> assertThat(e.code()).isEqualTo(dev.cairn.common.ErrorCode.UNAVAILABLE));
  }

  @Test
  void closeReleasesEveryThreadAndChannelItCreated(@TempDir Path dir) throws Exception {
    long before = Servers.clientThreads();
    CairnServer server = closer.add(Servers.start(0));
    CairnClient client = client(Servers.target(server)).snapshotDir(dir).build();
    client.register(instance("orders", "o1")).registered().get(10, TimeUnit.SECONDS);
    ServiceView view = client.view("orders");
    await().atMost(Duration.ofSeconds(10)).until(() -> view.instances().size() == 1);
    assertThat(Servers.clientThreads()).isGreaterThan(before);

    client.close();

    assertThat(Servers.clientThreads()).isEqualTo(before);
    assertThat(ids(server, "orders")).isEmpty();
    // The view keeps its last snapshot.
    assertThat(ids(view.instances())).containsExactly("o1");
  }

  @Test
  void registeringAfterCloseFails() {
    CairnClient client = client("127.0.0.1:1").build();
    client.close();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> client.register(Instance.builder("a", "10.0.0.1").build()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("client: closed");
  }
}
