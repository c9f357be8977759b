package dev.cairn.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.io.InputStreamReader;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * grpc-java's own xDS client ({@code grpc-xds}), with a bootstrap that points at Cairn, calls
 * {@code xds:///<service>} and follows the catalog. grpc-java reads its bootstrap once per JVM, so
 * every test of the real client lives in this class, on one server.
 */
class XdsGrpcClientTest {

  @RegisterExtension
  static final CairnServerExtension cairn =
      CairnServerExtension.inMemory()
          .configure(b -> b.frontDoor(XdsFrontDoor.factory(XdsOptions.builder().port(0).build())));

  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeAll
  static void bootstrap() {
    int port = cairn.server().frontDoors().get(0).address().getPort();
    System.setProperty(
        "io.grpc.xds.bootstrapConfig",
        "{\"xds_servers\": [{\"server_uri\": \"127.0.0.1:"
            + port
            + "\", \"channel_creds\": [{\"type\": \"insecure\"}],"
            + " \"server_features\": [\"xds_v3\"]}],"
            + " \"node\": {\"id\": \"xds-test\", \"cluster\": \"test\"}}");
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
