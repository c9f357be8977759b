package dev.cairn.server.internal.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.proto.v1.GetServiceRequest;
import dev.cairn.proto.v1.GetServiceResponse;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.proto.v1.StatusRequest;
import dev.cairn.server.CairnServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The protection threshold over HTTP and gRPC, and the health fields of the status. */
class ProtectionTest {

  private final CairnServer server = HealthChecksTest.start(Duration.ZERO);
  private final Api api = new Api(server);

  @AfterEach
  void close() {
    server.close();
  }

  @Test
  void healthyReadsUnderTheThresholdReturnEveryInstanceAndSaySo() {
    register("a", "passing");
    register("b", "critical");
    register("c", "critical");

    Api.Reply plain = api.get("/v1/services/web/instances?healthy=true");
    assertThat(plain.json().get("instances")).hasSize(1);
    assertThat(plain.json().has("protection")).isFalse();
    assertThat(plain.raw().headers().firstValue("X-Cairn-Protection")).isEmpty();

    Api.Reply set = api.put("/v1/services/web/config", "{\"protectionThreshold\":0.5}");
    assertThat(set.status()).isEqualTo(200);
    assertThat(set.json().get("protectionThreshold").asDouble()).isEqualTo(0.5);
    assertThat(set.json().get("default").asBoolean()).isFalse();

    Api.Reply all = api.get("/v1/services/web/instances?healthy=true");
    assertThat(all.json().get("instances")).hasSize(3);
    assertThat(all.json().get("protection").asBoolean()).isTrue();
    assertThat(all.raw().headers().firstValue("X-Cairn-Protection")).contains("true");
    assertThat(api.get("/v1/services/web/config").json().get("protectionThreshold").asDouble())
        .isEqualTo(0.5);

    ManagedChannel ch = NettyChannelBuilder.forAddress(server.grpcAddress()).usePlaintext().build();
    try {
      RegistryGrpc.RegistryBlockingStub stub = RegistryGrpc.newBlockingStub(ch);
      GetServiceResponse healthy =
          stub.getService(
              GetServiceRequest.newBuilder().setService("web").setHealthyOnly(true).build());
      assertThat(healthy.getInstancesCount()).isEqualTo(3);
      assertThat(healthy.getProtection()).isTrue();
      assertThat(stub.status(StatusRequest.getDefaultInstance()).getSelfPreservation()).isFalse();
    } finally {
      ch.shutdownNow();
    }

    // Back to the default (0: off).
    api.put("/v1/services/web/config", "{\"protectionThreshold\":null}");
    assertThat(api.get("/v1/services/web/instances?healthy=true").json().get("instances"))
        .hasSize(1);
  }

  @Test
  void badThresholdsAreRefusedNamingTheField() {
    for (String body :
        new String[] {
          "{\"protectionThreshold\":1.5}",
          "{\"protectionThreshold\":-0.1}",
          "{\"protectionThreshold\":\"half\"}"
        }) {
      Api.Reply r = api.put("/v1/services/web/config", body);
      assertThat(r.status()).as(body).isEqualTo(400);
      assertThat(r.errorField()).as(body).isEqualTo("protectionThreshold");
    }
    assertThat(api.put("/v1/services/web/config", "{\"threshold\":0.5}").errorField())
        .isEqualTo("threshold");
  }

  @Test
  void statusShowsSelfPreservationAndCheckCounters() {
    Api.Reply status = api.get("/v1/status");

    assertThat(status.json().at("/selfPreservation/active").asBoolean()).isFalse();
    assertThat(status.json().at("/healthChecks/instances").asInt()).isZero();
  }

  @Test
  void reportsAreRefusedForInstancesTheRegistryProbes() {
    api.register("p", 8080, "{\"type\":\"tcp\"}");

    Api.Reply r = api.put("/v1/services/web/instances/p/health", "{\"health\":\"passing\"}");

    assertThat(r.status()).isEqualTo(409);
    assertThat(r.errorField()).isEqualTo("check");
    assertThat(api.put("/v1/services/web/instances/p/health", "{\"health\":\"fine\"}").errorField())
        .isEqualTo("health");
    assertThat(
            api.put("/v1/services/web/instances/nope/health", "{\"health\":\"passing\"}").status())
        .isEqualTo(404);
  }

  private void register(String id, String health) {
    assertThat(
            api.put(
                    "/v1/services/web/instances/" + id,
                    "{\"address\":\"127.0.0.1\",\"health\":\"" + health + "\"}")
                .status())
        .isEqualTo(200);
  }
}
