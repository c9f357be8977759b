package dev.cairn.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.client.CairnClient;
import dev.cairn.client.Registration;
import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.server.core.Registry;
import dev.cairn.testing.CairnServerExtension;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * grpc-java's own xDS client ({@code grpc-xds}), with the bootstrap of {@code docs/interop.md},
 * calls {@code xds:///<service>} and follows the catalog. grpc-java reads its bootstrap once per
 * JVM (and test classes share one), so every test of the real client in this JVM lives in this
 * class, on one durable server whose xDS port stays the same across a restart.
 */
class XdsGrpcClientTest {

  private static final int XDS_PORT = freePort();

  @RegisterExtension
  static final CairnServerExtension cairn =
      CairnServerExtension.durable()
          .configure(
              b -> b.frontDoor(XdsFrontDoor.factory(XdsOptions.builder().port(XDS_PORT).build())));

  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeAll
  static void bootstrap() {
    // The bootstrap of docs/interop.md, as a user copies it.
    System.setProperty(
        "io.grpc.xds.bootstrapConfig",
        """
        {
          "xds_servers": [
            {"server_uri": "127.0.0.1:%d", "channel_creds": [{"type": "insecure"}],
             "server_features": ["xds_v3"]}
          ],
          "node": {"id": "my-app", "cluster": "my-app"}
        }
        """
            .formatted(XDS_PORT));
  }

  @AfterAll
  static void clearBootstrap() {
    System.clearProperty("io.grpc.xds.bootstrapConfig");
  }

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    servers.forEach(Server::shutdownNow);
  }

  @Test
  void followsInstancesAddedRemovedAndMarkedCritical() throws Exception {
    Registry registry = cairn.registry();
    register("hello", "a", serve("a"));
    register("hello", "b", serve("b"));
    ManagedChannel channel = channel("hello");

    awaitServedBy(channel, Set.of("a", "b"));

    register("hello", "c", serve("c"));
    awaitServedBy(channel, Set.of("a", "b", "c"));

    registry.reportHealth("default", "hello", "b", Health.CRITICAL).join();
    awaitServedBy(channel, Set.of("a", "c"));

    registry.deregister("default", "hello", "a").join();
    awaitServedBy(channel, Set.of("c"));

    registry.reportHealth("default", "hello", "b", Health.PASSING).join();
    awaitServedBy(channel, Set.of("b", "c"));
  }

  @Test
  void anInstanceKilledWithSigkillCostsAtMostTheOneCallRacingItsConnectionsClose()
      throws Exception {
    Process victim = startChild("victim");
    try {
      register("killed", "victim", childPort(victim));
      register("killed", "survivor", serve("survivor"));
      ManagedChannel channel = channel("killed");
      awaitServedBy(channel, Set.of("victim", "survivor"));

      // Calls run back to back while the victim dies; each must succeed (UNAVAILABLE on the dead
      // connection is retried on the survivor by the route's retry policy), except the one call
      // that grpc-java may start on the victim's connection as it closes: its headers meet the
      // closed socket and grpc-java reports UNKNOWN "channel closed" (grpc-java issue 10120), a
      // code that no xDS retry_on can name, so a real client sees it too (decision 0131).
      List<Status> failures = new ArrayList<>();
      Set<String> after = new HashSet<>();
      int calls = 0;
      for (; calls < 200; calls++) {
        call(channel, failures);
      }
      victim.destroyForcibly();
      assertThat(victim.waitFor(10, TimeUnit.SECONDS)).isTrue();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      for (int i = 0; i < 500 && System.nanoTime() < deadline; i++, calls++) {
        String who = call(channel, failures);
        if (who != null) {
          after.add(who);
        }
      }

      assertThat(failures).as("failed calls of %d", calls).hasSizeLessThanOrEqualTo(1);
      assertThat(failures)
          .as("failed calls of %d", calls)
          .allSatisfy(
              s -> {
                assertThat(s.getCode()).isEqualTo(Status.Code.UNKNOWN);
                assertThat(s.getDescription()).isEqualTo("channel closed");
                assertThat(s.getCause()).isInstanceOf(ClosedChannelException.class);
              });
      assertThat(after).containsExactly("survivor");
    } finally {
      victim.destroyForcibly();
    }
  }

  @Test
  void aServiceInAnotherNamespaceIsNotServedByDefault() throws Exception {
    cairn
        .registry()
        .register(
            "staging", Instance.builder("hidden", "127.0.0.1").id("h").port("grpc", 1).build())
        .join();
    register("visible", "v", serve("v"));
    ManagedChannel channel = channel("visible");
    awaitServedBy(channel, Set.of("v"));
    assertThat(XdsTestClient.fetch(cairn, "type.googleapis.com/envoy.config.cluster.v3.Cluster"))
        .contains("visible")
        .doesNotContain("hidden", "hidden.staging");
  }

  @Test
  void aServiceRegisteredAfterItsChannelOpenedIsPickedUp() throws Exception {
    register("present", "p1", serve("p1"));
    ManagedChannel present = channel("present");
    awaitServedBy(present, Set.of("p1"));
    ManagedChannel later = channel("later");
    // The channel subscribes to a listener that does not exist yet; its call cannot be served.
    assertThatThrownBy(() -> Hello.call(later)).isInstanceOf(StatusRuntimeException.class);

    // Meanwhile the other service's changes still reach the client, whose subscription to
    // listeners names the missing one too (decision 0226).
    register("present", "p2", serve("p2"));
    awaitServedBy(present, Set.of("p1", "p2"));

    register("later", "l1", serve("l1"));
    awaitServedBy(later, Set.of("l1"));
  }

  @Test
  void aServiceWhoseLastInstanceLeftFailsCallsUnavailableNamingIt() throws Exception {
    register("leaving", "g1", serve("g1"));
    ManagedChannel channel = channel("leaving");
    awaitServedBy(channel, Set.of("g1"));

    // g1 still runs: only the catalog tells the client to stop calling it.
    cairn.registry().deregister("default", "leaving", "g1").join();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThatThrownBy(() -> Hello.call(channel))
                    .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> {
                          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                          assertThat(e.getStatus().getDescription())
                              .contains("leaving")
                              .contains("does not exist");
                        }));

    register("leaving", "g2", serve("g2"));
    awaitServedBy(channel, Set.of("g2"));
  }

  @Test
  void aServiceWhoseEveryInstanceTheSdkMarksCriticalFailsCallsUnavailable() throws Exception {
    try (CairnClient sdk =
        CairnClient.builder().registries(cairn.grpcTarget()).shutdownHook(false).build()) {
      Registration s1 =
          sdk.register(
              Instance.builder("sick", "127.0.0.1")
                  .id("s1")
                  .port("grpc", serve("s1"))
                  .zone("z1")
                  .build());
      Registration s2 =
          sdk.register(
              Instance.builder("sick", "127.0.0.1")
                  .id("s2")
                  .port("grpc", serve("s2"))
                  .zone("z2")
                  .build());
      ManagedChannel channel = channel("sick");
      awaitServedBy(channel, Set.of("s1", "s2"));

      s2.setHealth(Health.CRITICAL).get(10, TimeUnit.SECONDS);
      awaitServedBy(channel, Set.of("s1"));

      // The last healthy instance goes critical: grpc-java, sent only unhealthy endpoints (or
      // none), keeps calling the ones it had; the front door has it drop every call (0227).
      s1.setHealth(Health.CRITICAL).get(10, TimeUnit.SECONDS);
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThatThrownBy(() -> Hello.call(channel))
                      .isInstanceOfSatisfying(
                          StatusRuntimeException.class,
                          e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                            assertThat(e.getStatus().getDescription())
                                .contains("cairn_no_healthy_instance");
                          }));

      s2.setHealth(Health.PASSING).get(10, TimeUnit.SECONDS);
      awaitServedBy(channel, Set.of("s2"));
    }
  }

  @Test
  void anInstanceRegisteredByHostNameIsLeftOutAndTheOthersServe() throws Exception {
    cairn
        .registry()
        .register(
            "default",
            Instance.builder("mixed", "localhost")
                .id("by-name")
                .port("grpc", serve("by-name"))
                .zone("z1")
                .build())
        .join();
    register("mixed", "by-ip", serve("by-ip"));
    // grpc-java rejects endpoints with a host name in them ("Address is not an IP"), which cost
    // the service every endpoint; left out, the other instance serves.
    awaitServedBy(channel("mixed"), Set.of("by-ip"));
  }

  @Test
  void theClientKeepsItsEndpointsThroughARestartThenFollowsTheRestartedServer() throws Exception {
    register("restarted", "a", serve("a"));
    register("restarted", "b", serve("b"));
    ManagedChannel channel = channel("restarted");
    awaitServedBy(channel, Set.of("a", "b"));

    // Calls go on while the server stops and starts again on the same ports and storage; none may
    // fail: the client keeps its endpoints while the server is gone, and the restarted server
    // publishes nothing before it has read its catalog (decision 0226).
    CompletableFuture<Void> restart = CompletableFuture.runAsync(cairn::restart);
    List<Status> failures = new ArrayList<>();
    Set<String> during = new HashSet<>();
    while (!restart.isDone()) {
      String who = call(channel, failures);
      if (who != null) {
        during.add(who);
      }
    }
    restart.join();
    assertThat(cairn.server().frontDoors().get(0).address().getPort()).isEqualTo(XDS_PORT);

    // The client reconnected: changes made after the restart reach it.
    register("restarted", "c", serve("c"));
    awaitServedBy(channel, Set.of("a", "b", "c"));
    cairn.registry().deregister("default", "restarted", "a").join();
    awaitServedBy(channel, Set.of("b", "c"));

    assertThat(failures).as("calls failed during the restart").isEmpty();
    assertThat(during).isSubsetOf("a", "b");
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String call(ManagedChannel channel, List<Status> failures) {
    try {
      return Hello.call(channel);
    } catch (StatusRuntimeException e) {
      failures.add(e.getStatus());
      return null;
    }
  }

  private int serve(String name) throws Exception {
    Server s = Hello.serve(name);
    servers.add(s);
    return s.getPort();
  }

  private void register(String service, String id, int port) {
    cairn
        .registry()
        .register(
            "default",
            Instance.builder(service, "127.0.0.1").id(id).port("grpc", port).zone("z1").build())
        .join();
  }

  private ManagedChannel channel(String service) {
    ManagedChannel c =
        Grpc.newChannelBuilder("xds:///" + service, InsecureChannelCredentials.create()).build();
    channels.add(c);
    return c;
  }

  /** Waits until a round of calls is served by exactly {@code names}. */
  private static void awaitServedBy(ManagedChannel channel, Set<String> names) {
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptionsInstanceOf(StatusRuntimeException.class)
        .untilAsserted(
            () -> {
              Set<String> seen = new HashSet<>();
              for (int i = 0; i < 4 * names.size() + 4; i++) {
                seen.add(Hello.call(channel));
              }
              assertThat(seen).isEqualTo(names);
            });
  }

  private static Process startChild(String name) throws Exception {
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    return new ProcessBuilder(
            java.toString(), "-cp", classpath, "-Xmx64m", Hello.class.getName(), name)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  private static int childPort(Process child) throws Exception {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    assertThat(line).as("child's first line").startsWith("port ");
    return Integer.parseInt(line.substring(5).trim());
  }
}
