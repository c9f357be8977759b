package dev.cairn.client;

import static dev.cairn.client.Servers.ids;
import static dev.cairn.client.Servers.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.testing.CairnServerExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Registration and discovery against one real in-memory server, one per test. */
class CairnClientTest {

  @RegisterExtension CairnServerExtension server = CairnServerExtension.inMemory();

  private final List<CairnClient> clients = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeClients() {
    clients.forEach(CairnClient::close);
  }

  private CairnClient client() {
    CairnClient c =
        CairnClient.builder()
            .registries(server.grpcTarget())
            .shutdownHook(false)
            .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
            .build();
    clients.add(c);
    return c;
  }

  @Test
  void registrationIsVisibleOnTheServerAndGoesOnClose() throws Exception {
    CairnClient client = client();

    Registration r = client.register(instance("orders", "o1"));

    Instance stored = r.registered().get(10, TimeUnit.SECONDS);
    assertThat(stored.sessionId()).isNotEmpty();
    assertThat(server.registry().service("default", "orders").instances())
        .extracting(Instance::id, Instance::sessionId)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("o1", stored.sessionId()));

    r.deregister().get(10, TimeUnit.SECONDS);
    assertThat(server.registry().service("default", "orders").instances()).isEmpty();
  }

  @Test
  void aBurstOfRegistrationsEachCompleteWithWhatTheServerStored() throws Exception {
    CairnClient client = client();
    List<Registration> burst = new java.util.ArrayList<>();
    for (int i = 0; i < 50; i++) {
      burst.add(client.register(instance("orders", "o" + i)));
    }

    // Sent together, they are applied and answered together (several results in one message).
    for (Registration r : burst) {
      Instance stored = r.registered().get(10, TimeUnit.SECONDS);
      assertThat(stored.id()).isEqualTo(r.instance().id());
      assertThat(stored.sessionId()).isNotEmpty();
      assertThat(stored.modRevision()).isPositive().isEqualTo(stored.createRevision());
    }
    assertThat(server.registry().service("default", "orders").instances()).hasSize(50);
  }

  @Test
  void closeRemovesEveryInstanceOfTheSession() throws Exception {
    CairnClient client = client();
    client.register(instance("orders", "o1")).registered().get(10, TimeUnit.SECONDS);
    client.register(instance("billing", "b1")).registered().get(10, TimeUnit.SECONDS);

    client.close();

    assertThat(server.registry().service("default", "orders").instances()).isEmpty();
    assertThat(server.registry().service("default", "billing").instances()).isEmpty();
  }

  @Test
  void anInstanceWithoutIdGetsOneThatStays() throws Exception {
    CairnClient client = client();
    Registration r = client.register(Instance.builder("orders", "10.0.0.2").build());

    assertThat(r.instance().id()).startsWith("orders-");
    assertThat(r.registered().get(10, TimeUnit.SECONDS).id()).isEqualTo(r.instance().id());
  }

  @Test
  void aRejectedRegistrationFailsItsFuture() {
    CairnClient client = client();
    client.register(instance("orders", "o1"));

    Registration twice = client.register(instance("orders", "o1"));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> twice.registered().isCompletedExceptionally());
  }

  @Test
  void viewsReceiveAddsAndRemoves() {
    server.registry().register("default", instance("hello", "h1")).join();
    ServiceView view = client().view("hello");
    List<ServiceView.Snapshot> seen = new CopyOnWriteArrayList<>();
    view.addListener(seen::add);

    await().atMost(Duration.ofSeconds(10)).until(() -> ids(view.instances()).equals(List.of("h1")));
    assertThat(view.isStale()).isFalse();
    assertThat(view.snapshot().source()).isEqualTo(ServiceView.Source.REGISTRY);

    server.registry().register("default", instance("hello", "h2")).join();
    server.registry().register("default", instance("hello", "h3")).join();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ids(view.instances()).equals(List.of("h1", "h2", "h3")));

    server.registry().deregister("default", "hello", "h2").join();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ids(view.instances()).equals(List.of("h1", "h3")));
    assertThat(view.revision()).isEqualTo(server.registry().revision());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ids(seen.get(seen.size() - 1).instances()).equals(List.of("h1", "h3")));
  }

  @Test
  void oneViewPerService() {
    CairnClient client = client();
    assertThat(client.view("hello")).isSameAs(client.view("hello"));
  }

  @Test
  void theClientSeesItsOwnRegistration() throws Exception {
    CairnClient client = client();
    ServiceView view = client.view("orders");
    client.register(instance("orders", "o1")).registered().get(10, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(10)).until(() -> ids(view.instances()).equals(List.of("o1")));
  }

  @Test
  void protectionHoldsBackAnUpdateThatEmptiesTheService() {
    server.registry().register("default", instance("hello", "h1")).join();
    server.registry().register("default", instance("hello", "h2")).join();
    ServiceView view = client().view("hello");
    await().atMost(Duration.ofSeconds(10)).until(() -> view.instances().size() == 2);

    // h1 alone is half the service: removed.
    server.registry().deregister("default", "hello", "h1").join();
    await().atMost(Duration.ofSeconds(10)).until(() -> ids(view.instances()).equals(List.of("h2")));
    assertThat(view.snapshot().withheld()).isEmpty();

    // h2 would empty it: held back.
    server.registry().deregister("default", "hello", "h2").join();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ids(view.snapshot().withheld()).equals(List.of("h2")));
    assertThat(ids(view.instances())).containsExactly("h2");
    assertThat(view.revision()).isEqualTo(server.registry().revision());

    // The registry lists it again: the hold ends, nothing flapped.
    server.registry().register("default", instance("hello", "h2")).join();
    await().atMost(Duration.ofSeconds(10)).until(() -> view.snapshot().withheld().isEmpty());
    assertThat(ids(view.instances())).containsExactly("h2");
  }

  @Test
  void aHeldRemovalIsAppliedOnceARegistryReadConfirmsIt() {
    server.registry().register("default", instance("hello", "h1")).join();
    CairnClient client =
        CairnClient.builder()
            .registries(server.grpcTarget())
            .shutdownHook(false)
            .removalConfirmDelay(Duration.ZERO)
            .build();
    clients.add(client);
    ServiceView view = client.view("hello");
    await().atMost(Duration.ofSeconds(10)).until(() -> view.instances().size() == 1);

    server.registry().deregister("default", "hello", "h1").join();

    await().atMost(Duration.ofSeconds(10)).until(() -> view.instances().isEmpty());
    assertThat(view.snapshot().withheld()).isEmpty();
  }

  @Test
  void instancesReportedCriticalAreRemovedAtOnce() {
    server.registry().register("default", instance("hello", "h1")).join();
    ServiceView view = client().view("hello");
    await().atMost(Duration.ofSeconds(10)).until(() -> view.instances().size() == 1);
    server
        .registry()
        .register("default", instance("hello", "h1").toBuilder().health(Health.CRITICAL).build())
        .join();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> view.instances().get(0).health() == Health.CRITICAL);

    server.registry().deregister("default", "hello", "h1").join();

    await().atMost(Duration.ofSeconds(10)).until(() -> view.instances().isEmpty());
    assertThat(view.snapshot().withheld()).isEmpty();
  }

  @Test
  void awaitInstancesFailsWithNotFoundForAnUnknownService() {
    ServiceView view = client().view("nobody");

    assertThat(view.awaitInstances(Duration.ofMillis(300)))
        .failsWithin(Duration.ofSeconds(10))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .havingCause()
        .isInstanceOfSatisfying(
            dev.cairn.common.CairnException.class,
            e -> {
              assertThat(e.code()).isEqualTo(dev.cairn.common.ErrorCode.NOT_FOUND);
              assertThat(e.getMessage()).contains("\"nobody\"");
            });
  }

  @Test
  void awaitInstancesCompletesWhenOneAppears() throws Exception {
    ServiceView view = client().view("hello");
    var waiting = view.awaitInstances(Duration.ofSeconds(10));
    server.registry().register("default", instance("hello", "h1")).join();

    assertThat(ids(waiting.get(10, TimeUnit.SECONDS))).containsExactly("h1");
  }
}
