package dev.cairn.client;

import static dev.cairn.client.Servers.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Instance;
import dev.cairn.common.InstanceKind;
import dev.cairn.testing.CairnServerExtension;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The registration path as blocking callers use it: sent from the caller's thread, completed on the
 * network thread (decision 0155). Each caller must get its own result, failures must reach the
 * caller who made the call, and a continuation may call the client again.
 */
class RegistrationPathTest {

  @RegisterExtension CairnServerExtension server = CairnServerExtension.inMemory();

  private final List<CairnClient> clients = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeClients() {
    clients.forEach(CairnClient::close);
  }

  private CairnClient client(String registries) {
    CairnClient c =
        CairnClient.builder()
            .registries(registries)
            .shutdownHook(false)
            .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
            .build();
    clients.add(c);
    return c;
  }

  @Test
  void blockingCallersOnManyThreadsEachGetWhatTheServerStoredForTheirInstance() throws Exception {
    CairnClient client = client(server.grpcTarget());
    int threads = 8;
    int each = 40;
    Set<String> sessions = ConcurrentHashMap.newKeySet();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(threads);
    for (int t = 0; t < threads; t++) {
      int caller = t;
      new Thread(
              () -> {
                try {
                  for (int k = 0; k < each; k++) {
                    Instance sent = instance("svc-" + (k % 4), "c" + caller + "-" + k);
                    Instance stored = client.register(sent).registered().join();
                    assertThat(stored.id()).isEqualTo(sent.id());
                    assertThat(stored.service()).isEqualTo(sent.service());
                    assertThat(stored.ports()).isEqualTo(sent.ports());
                    assertThat(stored.kind()).isEqualTo(InstanceKind.EPHEMERAL);
                    assertThat(stored.createRevision()).isPositive();
                    assertThat(stored.modRevision()).isEqualTo(stored.createRevision());
                    sessions.add(stored.sessionId());
                  }
                } catch (Throwable e) {
                  errors.add(e);
                } finally {
                  done.countDown();
                }
              },
              "caller-" + t)
          .start();
    }

    assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
    assertThat(errors).isEmpty();
    assertThat(sessions).hasSize(1).doesNotContain("");
    int listed = 0;
    for (int s = 0; s < 4; s++) {
      listed += server.registry().service("default", "svc-" + s).instances().size();
    }
    assertThat(listed).isEqualTo(threads * each);
  }

  @Test
  void aRemovalRightBehindItsRegistrationLeavesNoInstance() throws Exception {
    CairnClient client = client(server.grpcTarget());
    client.register(instance("svc", "first")).registered().get(10, TimeUnit.SECONDS);

    // Each removal is sent before its registration's answer: the registry must apply both, in
    // order, and keep nothing of the instance (decision 0165's addendum).
    List<CompletableFuture<Void>> removed = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      Registration r = client.register(instance("svc", "r" + i));
      removed.add(r.deregister());
    }
    client.register(instance("svc", "kept")).registered().get(10, TimeUnit.SECONDS);
    CompletableFuture.allOf(removed.toArray(new CompletableFuture<?>[0])).get(10, TimeUnit.SECONDS);

    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(server.registry().service("default", "svc").instances())
                    .extracting(Instance::id)
                    .containsExactlyInAnyOrder("first", "kept"));
  }

  @Test
  void aRefusalByTheRegistryFailsTheCallersFutureWithItsCode() throws Exception {
    CairnClient owner = client(server.grpcTarget());
    owner.register(instance("orders", "o1")).registered().get(10, TimeUnit.SECONDS);
    CairnClient other = client(server.grpcTarget());

    // Another open session owns orders/o1: not retryable, so the caller hears it.
    CompletableFuture<Instance> refused = other.register(instance("orders", "o1")).registered();

    assertThatThrownBy(() -> refused.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(CairnException.class)
        .extracting(e -> ((CairnException) e).code())
        .isEqualTo(ErrorCode.PERMISSION_DENIED);
    // The same client's other registrations are not affected.
    assertThat(
            other
                .register(instance("orders", "o2"))
                .registered()
                .get(10, TimeUnit.SECONDS)
                .sessionId())
        .isNotEmpty();
  }

  @Test
  void aContinuationMayRegisterAndDeregisterAgain() throws Exception {
    CairnClient client = client(server.grpcTarget());

    // Continuations of registered() run on the client's network thread; calling the client from
    // them must neither deadlock nor lose the call.
    Instance second =
        client
            .register(instance("orders", "o1"))
            .registered()
            .thenCompose(first -> client.register(instance("orders", "o2")).registered())
            .get(10, TimeUnit.SECONDS);
    assertThat(second.id()).isEqualTo("o2");

    Registration third = client.register(instance("orders", "o3"));
    third.registered().thenCompose(stored -> third.deregister()).get(10, TimeUnit.SECONDS);
    assertThat(server.registry().service("default", "orders").instances())
        .extracting(Instance::id)
        .containsExactlyInAnyOrder("o1", "o2");
  }

  @Test
  void closingTheClientFailsRegistrationsStillWaitingForTheRegistry() throws Exception {
    // Nothing listens there: the registrations wait for a session that never opens.
    try (Socket refused = Servers.refusedPort()) {
      CairnClient client = client("127.0.0.1:" + refused.getLocalPort());
      List<CompletableFuture<Instance>> waiting = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        waiting.add(client.register(instance("orders", "o" + i)).registered());
      }
      assertThat(waiting).noneMatch(CompletableFuture::isDone);

      client.close();

      for (CompletableFuture<Instance> f : waiting) {
        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
            .cause()
            .isInstanceOf(CairnException.class)
            .extracting(e -> ((CairnException) e).code())
            .isEqualTo(ErrorCode.FAILED_PRECONDITION);
      }
      assertThatThrownBy(() -> client.register(instance("orders", "late")))
          .isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void clientsShareOneNetworkThreadThatTheLastCloseStops() throws Exception {
    long before = networkThreads();
    CairnClient first = client(server.grpcTarget());
    CairnClient second = client(server.grpcTarget());
    first.register(instance("orders", "o1")).registered().get(10, TimeUnit.SECONDS);
    second.register(instance("orders", "o2")).registered().get(10, TimeUnit.SECONDS);
    assertThat(networkThreads()).isEqualTo(1);

    first.close();
    // The thread is still there for the other client.
    second.register(instance("orders", "o3")).registered().get(10, TimeUnit.SECONDS);
    assertThat(server.registry().service("default", "orders").instances())
        .extracting(Instance::id)
        .containsExactlyInAnyOrder("o2", "o3");

    second.close();
    assertThat(networkThreads()).isEqualTo(before);
    // A client made after the last one closed starts the thread again.
    CairnClient third = client(server.grpcTarget());
    third.register(instance("orders", "o4")).registered().get(10, TimeUnit.SECONDS);
    assertThat(networkThreads()).isEqualTo(1);
  }

  // The Netty threads the clients of this JVM share, alive now.
  private static long networkThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("cairn-client-netty-"))
        .count();
  }
}
