package dev.cairn.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.client.CairnClient;
import dev.cairn.client.Registration;
import dev.cairn.common.Instance;
import dev.cairn.testing.CairnServerExtension;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Channels on cairn: targets against a real registry and real gRPC servers on loopback. */
class GrpcResolverTest {

  @RegisterExtension CairnServerExtension registry = CairnServerExtension.inMemory();

  private CairnClient serverClient;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @BeforeEach
  void client() {
    serverClient =
        CairnClient.builder().registries(registry.grpcTarget()).shutdownHook(false).build();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    serverClient.close();
  }

  private CairnGrpcServer hello(String name) throws IOException {
    CairnGrpcServer s =
        CairnGrpcServer.builder(
                serverClient,
                "hello",
                NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .addService(Echo.service(name)))
            .id(name)
            .shutdownGrace(Duration.ZERO)
            .start();
    toClose.add(s);
    return s;
  }

  private ManagedChannel channel(String target) {
    ManagedChannel c = ManagedChannelBuilder.forTarget(target).usePlaintext().build();
    toClose.add(() -> c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return c;
  }

  private String target(String service, String query) {
    return "cairn://" + registry.grpcTarget() + "/" + service + query;
  }

  private static Map<String, Integer> spread(ManagedChannel c, int calls) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < calls; i++) {
      counts.merge(Echo.who(c, Duration.ofSeconds(5)), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void theResolverFollowsInstancesAsTheyComeAndGo() throws Exception {
    CairnGrpcServer a = hello("a");
    a.registration().registered().get(10, TimeUnit.SECONDS);
    ManagedChannel c = channel(target("hello", "?lb=round_robin"));
    assertThat(spread(c, 10)).containsOnlyKeys("a");

    hello("b").registration().registered().get(10, TimeUnit.SECONDS);
    Set<String> seen = new HashSet<>();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              seen.add(Echo.who(c, Duration.ofSeconds(5)));
              return seen.contains("b");
            });

    a.close();
    await().atMost(Duration.ofSeconds(10)).until(() -> spread(c, 10).keySet().equals(Set.of("b")));
  }

  @Test
  void theLastInstancesRemovalStopsCallsToItAndFailsThemNamingTheService() throws Exception {
    // A server that keeps serving after its instance is deregistered (taken out of rotation).
    Server a =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(Echo.service("a"))
            .build()
            .start();
    toClose.add(() -> a.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    Registration r =
        serverClient.register(
            Instance.builder("hello", "127.0.0.1").id("a").port("grpc", a.getPort()).build());
    r.registered().get(10, TimeUnit.SECONDS);
    // Without the removal guard, the view applies the removal of the last instance at once.
    CairnClient unguarded =
        CairnClient.builder()
            .registries(registry.grpcTarget())
            .removalProtection(false)
            .shutdownHook(false)
            .build();
    toClose.add(unguarded::close);
    try (AutoCloseable installed = CairnGrpc.useClient(unguarded)) {
      ManagedChannel c = channel("cairn:///hello");
      assertThat(Echo.who(c, Duration.ofSeconds(10))).isEqualTo("a");

      r.deregister().get(10, TimeUnit.SECONDS);

      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThatThrownBy(() -> Echo.who(c, Duration.ofSeconds(5)))
                      .isInstanceOfSatisfying(
                          StatusRuntimeException.class,
                          e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                            assertThat(e.getStatus().getDescription())
                                .contains("service \"hello\" has no instances");
                          }));
    }
  }

  @Test
  void aPlainChannelOnCairnTripleSlashUsesTheInstalledClient() throws Exception {
    hello("a").registration().registered().get(10, TimeUnit.SECONDS);
    try (AutoCloseable installed = CairnGrpc.useClient(serverClient)) {
      ManagedChannel c = channel("cairn:///hello");
      assertThat(Echo.who(c, Duration.ofSeconds(10))).isEqualTo("a");
    }
  }

  @Test
  void badTargetsAreRejectedNamingTheField() {
    assertThatThrownBy(() -> CairnGrpc.checkTarget("cairn://bad host/x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("target: \"cairn://bad host/x\"");
    assertThatThrownBy(() -> CairnGrpc.checkTarget("cairn://127.0.0.1:0/x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("registries: ");
    assertThatThrownBy(() -> CairnGrpc.checkTarget("cairn:///Bad_Name"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("service: \"Bad_Name\"");
    assertThatThrownBy(() -> CairnGrpc.checkTarget("cairn:///hello?lb=nope"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("lb: \"nope\"");
    assertThatThrownBy(() -> CairnGrpc.checkTarget("cairn:///hello?color=red"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected: lb=<policy>");
  }

  @Test
  void anUnknownPolicyOnAPlainChannelFailsCallsNamingIt() {
    ManagedChannel c = channel(target("hello", "?lb=nope"));

    assertThatThrownBy(() -> Echo.who(c, Duration.ofSeconds(5)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getDescription()).contains("lb: \"nope\""));
  }

  @Test
  void anUnknownServiceFailsWithAClearStatusNotAHang() {
    ManagedChannel c = channel(target("nobody", ""));

    assertThatThrownBy(() -> Echo.who(c, Duration.ofSeconds(5)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription()).contains("service \"nobody\"");
            });
    // A wait-for-ready call waits for an instance until its deadline, then fails.
    long start = System.nanoTime();
    assertThatThrownBy(
            () ->
                io.grpc.stub.ClientCalls.blockingUnaryCall(
                    c,
                    Echo.WHO,
                    io.grpc.CallOptions.DEFAULT
                        .withWaitForReady()
                        .withDeadlineAfter(300, TimeUnit.MILLISECONDS),
                    "hi"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void theServerServesHealthAndCloseDeregistersIt() throws Exception {
    CairnGrpcServer a = hello("a");
    ManagedChannel c =
        ManagedChannelBuilder.forAddress("127.0.0.1", a.port()).usePlaintext().build();
    toClose.add(() -> c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    io.grpc.health.v1.HealthGrpc.HealthBlockingStub health =
        io.grpc.health.v1.HealthGrpc.newBlockingStub(c).withDeadlineAfter(5, TimeUnit.SECONDS);

    assertThat(
            health
                .check(
                    io.grpc.health.v1.HealthCheckRequest.newBuilder()
                        .setService("test.Echo")
                        .build())
                .getStatus())
        .isEqualTo(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
    assertThat(a.registration().registered().get(10, TimeUnit.SECONDS).port("grpc"))
        .isEqualTo(a.port());

    a.close();

    assertThat(registry.registry().service("default", "hello").instances()).isEmpty();
    assertThat(a.server().isShutdown()).isTrue();
  }
}
