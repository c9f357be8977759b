package dev.cairn.server.internal.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.cairn.common.Health;
import dev.cairn.proto.v1.HealthCheck;
import dev.cairn.proto.v1.Instance;
import dev.cairn.proto.v1.RegisterRequest;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.server.CairnServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Bad check definitions are refused naming the field; bad targets (unreachable, hanging, slow-drip,
 * oversized answers) are critical, and the checker keeps checking the others.
 */
class BadChecksTest {

  private static final String FAST =
      "\"interval\":\"200ms\",\"timeout\":\"150ms\",\"rise\":1,\"fall\":2";
  private static final Duration WITHIN = Duration.ofSeconds(5);

  private final Targets targets = new Targets();
  private final CairnServer server = HealthChecksTest.start(Duration.ZERO);
  private final Api api = new Api(server);

  @AfterEach
  void close() throws Exception {
    server.close();
    targets.close();
  }

  @Test
  void impossibleDefinitionsAreRefusedNamingTheField() {
    assertRefused("{\"type\":\"http\",\"interval\":\"0s\"}", "check.interval");
    assertRefused("{\"type\":\"http\",\"interval\":\"2h\"}", "check.interval");
    // Near Long.MAX_VALUE: refused by name, never a 500 "long overflow".
    assertRefused("{\"type\":\"http\",\"interval\":\"PT9223372036854775807S\"}", "check.interval");
    assertRefused(
        "{\"type\":\"http\",\"interval\":\"1s\",\"timeout\":\"PT2562047788015215H\"}",
        "check.timeout");
    assertRefused("{\"type\":\"http\",\"interval\":\"1s\",\"timeout\":\"5s\"}", "check.timeout");
    assertRefused("{\"type\":\"http\",\"timeout\":\"soon\"}", "check.timeout");
    assertRefused("{\"type\":\"icmp\"}", "check.type");
    assertRefused("{\"interval\":\"1s\"}", "check.type");
    assertRefused("{\"type\":\"http\",\"rise\":0}", "check.rise");
    assertRefused("{\"type\":\"http\",\"fall\":\"3\"}", "check.fall");
    assertRefused("{\"type\":\"http\",\"path\":\"health\"}", "check.path");
    assertRefused("{\"type\":\"http\",\"port\":\"admin\"}", "check.port");
    assertRefused("{\"type\":\"tcp\",\"retries\":3}", "check.retries");
    assertRefused("\"http\"", "check");
  }

  @Test
  void grpcRegistrationsWithImpossibleChecksAreInvalidArgument() {
    ManagedChannel ch = NettyChannelBuilder.forAddress(server.grpcAddress()).usePlaintext().build();
    try {
      RegistryGrpc.RegistryBlockingStub stub = RegistryGrpc.newBlockingStub(ch);
      Instance.Builder inst =
          Instance.newBuilder()
              .setId("a")
              .setService("web")
              .setAddress("127.0.0.1")
              .putPorts("http", 80);

      StatusRuntimeException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              StatusRuntimeException.class,
              () ->
                  stub.register(
                      RegisterRequest.newBuilder()
                          .setInstance(
                              inst.setCheck(
                                  HealthCheck.newBuilder()
                                      .setType(HealthCheck.Type.HTTP)
                                      .setIntervalMillis(50)))
                          .build()));

      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).startsWith("check.interval: \"50ms\"");
    } finally {
      ch.shutdownNow();
    }
  }

  @Test
  void misbehavingTargetsAreCriticalAndTheCheckerGoesOn() throws Exception {
    HttpServer good = targets.http(() -> 200);
    api.register("good", good.getAddress().getPort(), "{\"type\":\"http\"," + FAST + "}");
    int closedPort = targets.refused();
    AtomicInteger endless = new AtomicInteger();
    api.register("refused", closedPort, "{\"type\":\"http\"," + FAST + "}");
    api.register(
        "hang", targets.raw(Targets::hang).getLocalPort(), "{\"type\":\"http\"," + FAST + "}");
    api.register(
        "hang-grpc", targets.raw(Targets::hang).getLocalPort(), "{\"type\":\"grpc\"," + FAST + "}");
    api.register(
        "drip", targets.raw(Targets::slowDrip).getLocalPort(), "{\"type\":\"http\"," + FAST + "}");
    api.register(
        "head", targets.raw(Targets::hugeHead).getLocalPort(), "{\"type\":\"http\"," + FAST + "}");
    api.register(
        "body",
        targets.raw((s, c) -> Targets.endlessBody(s, c, endless)).getLocalPort(),
        "{\"type\":\"http\"," + FAST + "}");

    for (String id : new String[] {"refused", "hang", "hang-grpc", "drip", "head"}) {
      await().atMost(WITHIN).until(() -> api.health(id) == Health.CRITICAL);
    }
    // The status line decides; the body is never read, so an endless one does not matter.
    await().atMost(WITHIN).until(() -> endless.get() >= 3);
    assertThat(api.health("body")).isEqualTo(Health.PASSING);

    // Still checking: the good target keeps being probed, and stays passing.
    long started = server.registry().healthCheckStats().probesStarted();
    await()
        .atMost(WITHIN)
        .until(() -> server.registry().healthCheckStats().probesStarted() >= started + 20);
    assertThat(api.health("good")).isEqualTo(Health.PASSING);
    assertThat(server.registry().healthCheckStats().probesTimedOut()).isPositive();
  }

  private void assertRefused(String check, String field) {
    Api.Reply r = api.register("x", 8080, check);
    assertThat(r.status()).as(check).isEqualTo(400);
    assertThat(r.errorField()).as(check).isEqualTo(field);
  }
}
