package dev.cairn.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.client.CairnClient;
import dev.cairn.server.CairnServer;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Balancing, a killed instance and a stopped registry, on real sockets. */
class GrpcFailoverTest {

  private CairnServer registry;
  private CairnClient serverClient;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    registry = CairnServer.builder().inMemory().grpcPort(0).httpPort(0).start();
    serverClient = CairnClient.builder().registries(registryTarget()).shutdownHook(false).build();
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    serverClient.close();
    registry.close();
  }

  private String registryTarget() {
    return "127.0.0.1:" + registry.grpcAddress().getPort();
  }

  private CairnGrpcServer hello(String name) throws Exception {
    return hello(name, 100);
  }

  private CairnGrpcServer hello(String name, int weight) throws Exception {
    CairnGrpcServer s =
        CairnGrpcServer.builder(
                serverClient,
                "hello",
                NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .addService(Echo.service(name)))
            .id(name)
            .weight(weight)
            .shutdownGrace(Duration.ZERO)
            .start();
    toClose.add(s);
    s.registration().registered().get(10, TimeUnit.SECONDS);
    return s;
  }

  private ManagedChannel channel(String target) {
    ManagedChannel c = CairnGrpc.channelBuilder(target).build();
    toClose.add(() -> c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return c;
  }

  private static Map<String, Integer> spread(ManagedChannel c, int calls) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < calls; i++) {
      counts.merge(Echo.who(c, Duration.ofSeconds(5)), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void aChannelOnCairnHelloReachesAllThreeServers() throws Exception {
    hello("a", 100);
    hello("b", 100);
    hello("c", 100);
    try (AutoCloseable installed = CairnGrpc.useClient(serverClient)) {
      ManagedChannel c = channel("cairn:///hello");
      // The default policy (p2c over peak-EWMA latency) favours fast servers; each gets calls.
      Map<String, Integer> counts = new HashMap<>();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> {
                spread(c, 30).forEach((k, v) -> counts.merge(k, v, Integer::sum));
                return counts.keySet().equals(java.util.Set.of("a", "b", "c"));
              });
    }
  }

  @Test
  void theWeightedPolicySplitsCallsByRegisteredWeight() throws Exception {
    hello("a", 100);
    hello("b", 200);
    hello("c", 100);
    ManagedChannel c = channel("cairn://" + registryTarget() + "/hello?lb=cairn_weighted");
    await().atMost(Duration.ofSeconds(10)).until(() -> spread(c, 40).size() == 3);

    Map<String, Integer> counts = spread(c, 400);

    assertThat(counts.get("a")).isBetween(90, 110);
    assertThat(counts.get("b")).isBetween(190, 210);
    assertThat(counts.get("c")).isBetween(90, 110);
  }

  @Test
  void callsKeepSucceedingWhenAnInstanceIsKilled() throws Exception {
    hello("a");
    CairnGrpcServer b = hello("b");
    ManagedChannel c = channel("cairn://" + registryTarget() + "/hello");
    await().atMost(Duration.ofSeconds(10)).until(() -> spread(c, 20).size() == 2);

    // 300 calls in a loop; b is killed (listener and connections dropped, still registered)
    // after the 100th, while the loop runs. Every call must succeed.
    java.util.concurrent.CountDownLatch hundred = new java.util.concurrent.CountDownLatch(100);
    java.util.concurrent.ExecutorService caller =
        java.util.concurrent.Executors.newSingleThreadExecutor();
    toClose.add(caller::shutdownNow);
    Future<List<String>> answers =
        caller.submit(
            () -> {
              List<String> who = new ArrayList<>();
              for (int i = 0; i < 300; i++) {
                who.add(Echo.who(c, Duration.ofSeconds(5)));
                hundred.countDown();
              }
              return who;
            });
    assertThat(hundred.await(10, TimeUnit.SECONDS)).isTrue();
    Server killed = b.server();
    killed.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);

    List<String> who = answers.get(30, TimeUnit.SECONDS);
    assertThat(who).hasSize(300);
    // Once the kill is complete nothing reaches b.
    assertThat(spread(c, 50)).containsOnlyKeys("a");
  }

  @Test
  void callsKeepSucceedingOnTheLastKnownAddressesWhenTheRegistryStops() throws Exception {
    hello("a");
    hello("b");
    CairnClient callerClient =
        CairnClient.builder().registries(registryTarget()).shutdownHook(false).build();
    toClose.add(callerClient);
    try (AutoCloseable installed = CairnGrpc.useClient(callerClient)) {
      ManagedChannel c = channel("cairn:///hello");
      await().atMost(Duration.ofSeconds(10)).until(() -> spread(c, 20).size() == 2);

      registry.close();
      await().atMost(Duration.ofSeconds(10)).until(() -> callerClient.view("hello").isStale());

      // Every call succeeds (p2c may favour the faster of two instances).
      Map<String, Integer> counts = spread(c, 100);
      assertThat(List.of("a", "b")).containsAll(counts.keySet());
      assertThat(counts.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(100);
    }
  }
}
