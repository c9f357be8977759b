package dev.cairn.client;

import static dev.cairn.client.Servers.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.proto.v1.WatchEvent;
import dev.cairn.proto.v1.WatchRequest;
import dev.cairn.proto.v1.WatchResponse;
import dev.cairn.server.CairnServer;
import dev.cairn.testing.CairnServerExtension;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link Registration#setHealth} changes a registered instance's health in place (decision 0220): a
 * watcher sees one update and no removal, the instance keeps its create revision, and the health
 * holds when the client registers again on a new session.
 */
class RegistrationHealthTest {

  @RegisterExtension CairnServerExtension server = CairnServerExtension.inMemory();

  private final Closer closer = new Closer();

  @AfterEach
  void closeAll() throws Exception {
    closer.close();
  }

  private CairnClient client() {
    return closer.add(
        CairnClient.builder()
            .registries(server.grpcTarget())
            .shutdownHook(false)
            .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
            .build());
  }

  @Test
  void aHealthChangeIsOneUpdateOfTheSameInstance() throws Exception {
    Registration r = client().register(instance("orders", "o1"));
    Instance registered = r.registered().get(10, TimeUnit.SECONDS);
    LinkedBlockingQueue<WatchResponse> watched = watch("orders");
    WatchResponse first = watched.poll(10, TimeUnit.SECONDS);
    assertThat(first.getSnapshot().getInstancesList()).hasSize(1);

    Instance critical = r.setHealth(Health.CRITICAL).get(10, TimeUnit.SECONDS);
    Instance passing = r.setHealth(Health.PASSING).get(10, TimeUnit.SECONDS);

    assertThat(critical.health()).isEqualTo(Health.CRITICAL);
    assertThat(critical.createRevision()).isEqualTo(registered.createRevision());
    assertThat(critical.modRevision()).isGreaterThan(registered.modRevision());
    assertThat(passing.health()).isEqualTo(Health.PASSING);
    assertThat(passing.createRevision()).isEqualTo(registered.createRevision());
    assertThat(r.instance().health()).isEqualTo(Health.PASSING);
    // Everything the watcher was sent after its snapshot, up to the second change: two updates,
    // one revision each, and no removal.
    List<WatchEvent> events = new ArrayList<>();
    while (events.isEmpty()
        || events.get(events.size() - 1).getRevision() < passing.modRevision()) {
      WatchResponse next = watched.poll(10, TimeUnit.SECONDS);
      assertThat(next).isNotNull();
      assertThat(next.hasEvents()).as("an event batch, not %s", next).isTrue();
      events.addAll(next.getEvents().getEventsList());
    }
    assertThat(events)
        .extracting(WatchEvent::getType, e -> e.getInstance().getHealth(), WatchEvent::getRevision)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                WatchEvent.Type.UPDATED,
                dev.cairn.proto.v1.Health.CRITICAL,
                critical.modRevision()),
            org.assertj.core.groups.Tuple.tuple(
                WatchEvent.Type.UPDATED, dev.cairn.proto.v1.Health.PASSING, passing.modRevision()));
    assertThat(events)
        .extracting(e -> e.getInstance().getCreateRevision())
        .containsOnly(registered.createRevision());
  }

  @Test
  void theHealthSetIsRegisteredAgainAfterALostSession() throws Exception {
    CairnClient client = client();
    Registration r = client.register(instance("orders", "o1"));
    r.registered().get(10, TimeUnit.SECONDS);
    r.setHealth(Health.CRITICAL).get(10, TimeUnit.SECONDS);
    String before = stored("o1").orElseThrow().sessionId();

    server.restart(); // in memory: the session is gone, the client opens a new one

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              // Not there at all until the client has registered it on the new server.
              assertThat(stored("o1"))
                  .hasValueSatisfying(
                      again -> {
                        assertThat(again.sessionId()).isNotEqualTo(before);
                        assertThat(again.health()).isEqualTo(Health.CRITICAL);
                      });
            });
    // And a health set while the session is away is what is registered when it is back.
    ServiceView view = client.view("orders");
    await().atMost(Duration.ofSeconds(10)).until(() -> view.instances().size() == 1);
    Instance passing = r.setHealth(Health.PASSING).get(10, TimeUnit.SECONDS);
    assertThat(stored("o1").orElseThrow().health()).isEqualTo(Health.PASSING);
    assertThat(passing.health()).isEqualTo(Health.PASSING);
  }

  @Test
  void aHealthSetWhileNoRegistryAnswersIsRegisteredWhenOneDoes() throws Exception {
    CairnServer first = Servers.start(0);
    int port = first.grpcAddress().getPort();
    CairnClient client =
        closer.add(
            CairnClient.builder()
                .registries("127.0.0.1:" + port)
                .shutdownHook(false)
                .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
                .build());
    Registration r = client.register(instance("orders", "o1"));
    r.registered().get(10, TimeUnit.SECONDS);
    first.close();

    CompletableFuture<Instance> set = r.setHealth(Health.CRITICAL);
    CairnServer second = closer.add(Servers.start(port));

    assertThat(set.get(20, TimeUnit.SECONDS).health()).isEqualTo(Health.CRITICAL);
    assertThat(second.registry().service("default", "orders").instances())
        .extracting(Instance::id, Instance::health)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("o1", Health.CRITICAL));
  }

  @Test
  void aDeregisteredRegistrationTakesNoHealth() throws Exception {
    Registration r = client().register(instance("orders", "o1"));
    r.registered().get(10, TimeUnit.SECONDS);
    r.deregister().get(10, TimeUnit.SECONDS);

    assertThatThrownBy(() -> r.setHealth(Health.CRITICAL).get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(CairnException.class)
        .hasMessageContaining("registration: orders/o1 is not kept")
        .matches(e -> ((CairnException) e).code() == ErrorCode.FAILED_PRECONDITION);
    assertThat(stored("o1")).isEmpty();
  }

  /** What the registry holds for {@code id} of "orders". */
  private Optional<Instance> stored(String id) {
    return server.registry().service("default", "orders").instances().stream()
        .filter(i -> i.id().equals(id))
        .findFirst();
  }

  /** A raw gRPC watch of {@code service}: every message it is sent, in order. */
  private LinkedBlockingQueue<WatchResponse> watch(String service) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(server.grpcAddress()).usePlaintext().build();
    closer.add(channel::shutdownNow);
    LinkedBlockingQueue<WatchResponse> out = new LinkedBlockingQueue<>();
    RegistryGrpc.newStub(channel)
        .watch(
            WatchRequest.newBuilder().setService(service).build(),
            new StreamObserver<>() {
              @Override
              public void onNext(WatchResponse value) {
                out.add(value);
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
    return out;
  }
}
