package dev.cairn.server.internal.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.cairn.server.CairnServer;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/services/{service}/checks} against real failing targets: the output names what
 * each probe saw, and it changes without a revision.
 */
class CheckOutputTest {

  private static final String FAST = "\"interval\":\"200ms\",\"timeout\":\"150ms\",\"fall\":1";
  private static final Duration WITHIN = Duration.ofSeconds(5);

  private final Targets targets = new Targets();
  private final CairnServer server = HealthChecksTest.start(Duration.ofSeconds(60));
  private final Api api = new Api(server);

  @AfterEach
  void close() throws Exception {
    server.close();
    targets.close();
  }

  @Test
  void anHttpTargetAnswering503IsNamedInTheOutputAndProbesAddNoRevision() {
    HttpServer target = targets.http(() -> 503);
    api.register(
        "h",
        target.getAddress().getPort(),
        "{\"type\":\"http\",\"path\":\"/health\"," + FAST + "}");

    JsonNode check =
        await()
            .atMost(WITHIN)
            .until(() -> check("h"), c -> c != null && c.path("consecutive").asInt() >= 2);

    assertThat(check.path("output").asText()).startsWith("HTTP 503 Service Unavailable in ");
    assertThat(check.path("type").asText()).isEqualTo("http");
    assertThat(check.path("health").asText()).isEqualTo("critical");
    assertThat(check.path("lastResult").asText()).isEqualTo("critical");
    assertThat(check.path("checkedAgoMillis").asLong()).isBetween(0L, 5_000L);
    assertThat(check.path("suppressed").asBoolean()).isFalse();
    long revision = server.registry().revision();
    int seen = check.path("consecutive").asInt();
    await().atMost(WITHIN).until(() -> check("h").path("consecutive").asInt() > seen);
    assertThat(server.registry().revision()).isEqualTo(revision);
  }

  @Test
  void aRefusedConnectionNamesTheTarget() throws Exception {
    int closed = targets.refused();
    api.register("t", closed, "{\"type\":\"tcp\"," + FAST + "}");

    await()
        .atMost(WITHIN)
        .untilAsserted(
            () ->
                assertThat(check("t").path("output").asText())
                    .startsWith("connect to 127.0.0.1:" + closed + " failed: ")
                    .containsIgnoringCase("refused"));
  }

  @Test
  void grpcAndTtlOutputs() throws Exception {
    HealthStatusManager health = new HealthStatusManager();
    Server target =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(health.getHealthService())
            .build()
            .start();
    try {
      health.setStatus("orders", ServingStatus.NOT_SERVING);
      api.register("g", target.getPort(), "{\"type\":\"grpc\",\"path\":\"orders\"," + FAST + "}");
      api.put(
          "/v1/services/web/instances/l",
          "{\"address\":\"127.0.0.1\",\"check\":{\"type\":\"ttl\",\"interval\":\"60s\"}}");
      assertThat(check("l").path("checkedAgoMillis").asLong()).isEqualTo(-1);
      assertThat(check("l").has("lastResult")).isFalse();

      api.put("/v1/services/web/instances/l/health", "{\"health\":\"warning\"}");

      assertThat(check("l").path("output").asText()).isEqualTo("reported warning");
      await()
          .atMost(WITHIN)
          .untilAsserted(
              () -> assertThat(check("g").path("output").asText()).startsWith("gRPC NOT_SERVING"));
    } finally {
      target.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void anUnknownServiceIs404AndUncheckedInstancesAreLeftOut() {
    Api.Reply missing = api.get("/v1/services/nothing-here/checks");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.json().path("error").path("field").asText()).isEqualTo("service");

    api.put("/v1/services/web/instances/plain", "{\"address\":\"127.0.0.1\"}");
    Api.Reply none = api.get("/v1/services/web/checks");
    assertThat(none.status()).isEqualTo(200);
    assertThat(none.json().path("checks").size()).isZero();
    assertThat(api.get("/v1/services/web/checks?bogus=1").status()).isEqualTo(400);
  }

  /** The check of {@code web/<id>} from the endpoint, or null when it lists none. */
  private JsonNode check(String id) {
    Api.Reply r = api.get("/v1/services/web/checks");
    assertThat(r.status()).isEqualTo(200);
    for (JsonNode c : r.json().path("checks")) {
      if (c.path("id").asText().equals(id)) {
        return c;
      }
    }
    return null;
  }
}
