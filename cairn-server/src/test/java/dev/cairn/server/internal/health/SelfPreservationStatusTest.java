package dev.cairn.server.internal.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Health;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.proto.v1.ReportHealthRequest;
import dev.cairn.proto.v1.StatusRequest;
import dev.cairn.server.CairnServer;
import dev.cairn.server.core.RegistryOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * Self-preservation seen from outside (HTTP and gRPC status) on a real server whose session clock
 * the test drives; and gRPC health reports.
 */
class SelfPreservationStatusTest {

  private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
  private final CairnServer server = start();
  private final Api api = new Api(server);
  private final ManagedChannel channel =
      NettyChannelBuilder.forAddress(server.grpcAddress()).usePlaintext().build();
  private final RegistryGrpc.RegistryBlockingStub grpc = RegistryGrpc.newBlockingStub(channel);

  private CairnServer start() {
    try {
      return CairnServer.builder()
          .inMemory()
          .httpPort(0)
          .grpcPort(0)
          .registryOptions(
              RegistryOptions.builder().ticker(now::get).autoExpireSessions(false).build())
          .start();
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @AfterEach
  void close() {
    channel.shutdownNow();
    server.close();
  }

  @Test
  void aMassExpiryPausesAndTheStatusSaysSoUntilClientsRenew() {
    List<String> sessions = new ArrayList<>();
    java.util.Map<String, String> secrets = new java.util.HashMap<>();
    for (int i = 0; i < 12; i++) {
      Api.Reply s = api.post("/v1/sessions", "{\"ttl\":\"5s\"}");
      sessions.add(s.json().get("id").asText());
      secrets.put(sessions.get(i), s.json().get("secret").asText());
      api.put(
          "/v1/services/api/instances/e" + i + "?session=" + sessions.get(i),
          "{\"address\":\"127.0.0.1\"}",
          "X-Cairn-Session-Secret",
          secrets.get(sessions.get(i)));
    }

    now.addAndGet(Duration.ofSeconds(6).toNanos());
    server.registry().expireSessions();

    Api.Reply status = api.get("/v1/status");
    assertThat(status.json().at("/selfPreservation/active").asBoolean()).isTrue();
    assertThat(status.json().at("/selfPreservation/heldSessions").asInt()).isEqualTo(12);
    assertThat(grpc.status(StatusRequest.getDefaultInstance()).getSelfPreservation()).isTrue();
    assertThat(api.get("/v1/services/api/instances").json().get("instances")).hasSize(12);

    for (String id : sessions) {
      assertThat(
              api.put(
                      "/v1/sessions/" + id + "/renew",
                      "",
                      "X-Cairn-Session-Secret",
                      secrets.get(id))
                  .status())
          .isEqualTo(200);
    }
    server.registry().expireSessions();

    assertThat(api.get("/v1/status").json().at("/selfPreservation/active").asBoolean()).isFalse();
    assertThat(api.get("/v1/status").json().at("/selfPreservation/activations").asInt())
        .isEqualTo(1);
    assertThat(api.get("/v1/services/api/instances").json().get("instances")).hasSize(12);
  }

  @Test
  void grpcReportsRenewTtlChecksAndAreRefusedForProbedInstances() {
    api.put(
        "/v1/services/web/instances/t",
        "{\"address\":\"127.0.0.1\",\"health\":\"critical\","
            + "\"check\":{\"type\":\"ttl\",\"interval\":\"30s\"}}");
    api.register("p", 8080, "{\"type\":\"tcp\",\"interval\":\"30s\"}");

    var answer =
        grpc.reportHealth(
            ReportHealthRequest.newBuilder()
                .setService("web")
                .setInstanceId("t")
                .setHealth(dev.cairn.proto.v1.Health.PASSING)
                .build());
    assertThat(answer.getHealth()).isEqualTo(dev.cairn.proto.v1.Health.PASSING);
    await().atMost(Duration.ofSeconds(5)).until(() -> api.health("t") == Health.PASSING);

    StatusRuntimeException probed =
        Assertions.assertThrows(
            StatusRuntimeException.class,
            () ->
                grpc.reportHealth(
                    ReportHealthRequest.newBuilder()
                        .setService("web")
                        .setInstanceId("p")
                        .setHealth(dev.cairn.proto.v1.Health.PASSING)
                        .build()));
    assertThat(probed.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    StatusRuntimeException unspecified =
        Assertions.assertThrows(
            StatusRuntimeException.class,
            () ->
                grpc.reportHealth(
                    ReportHealthRequest.newBuilder().setService("web").setInstanceId("t").build()));
    assertThat(unspecified.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
  }
}
