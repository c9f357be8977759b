package dev.cairn.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.common.Instance;
import dev.cairn.testing.CairnServerExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The real Prometheus reads the Eureka front door with {@code eureka_sd_configs}: it asks {@code
 * GET /eureka/apps} with no {@code Accept} header and decodes XML, as a Eureka server answers it.
 */
class PrometheusEurekaSdTest {

  @RegisterExtension
  final CairnServerExtension cairn =
      CairnServerExtension.inMemory().configure(b -> b.frontDoor(EurekaApi.frontDoor(0)));

  @Test
  void realPrometheusDiscoversEurekaAndApiInstancesAndDropsACancelledOne() throws Exception {
    String endpoint = cairn.server().frontDoors().get(0).endpoint(); // http://host:port/eureka/
    HttpCalls eureka = new HttpCalls(endpoint.substring(0, endpoint.length() - 1));
    try (MetricsEndpoint orders = new MetricsEndpoint("orders-1");
        MetricsEndpoint billing = new MetricsEndpoint("billing-1")) {
      HttpResponse<String> registered = register(eureka, orders.port());
      assertThat(registered.statusCode()).as(registered.body()).isEqualTo(204);
      cairn
          .registry()
          .register(
              "default",
              Instance.builder("billing", "127.0.0.1")
                  .id("billing-1")
                  .port("http", billing.port())
                  // A key that is no XML name must not make the registry unreadable.
                  .metadata(Map.of("team", "money", "app.kubernetes.io/name", "billing"))
                  .build())
          .join();

      try (PrometheusProcess prometheus =
          PrometheusProcess.start(
              "  - job_name: eureka\n"
                  + "    eureka_sd_configs:\n"
                  + "      - server: '"
                  + endpoint.substring(0, endpoint.length() - 1)
                  + "'\n"
                  + "        refresh_interval: 1s\n"
                  + "    relabel_configs:\n"
                  + "      - source_labels: [__meta_eureka_app_name]\n"
                  + "        target_label: app\n")) {
        await("both instances scraped")
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () -> {
                  assertThat(prometheus.activeTargets())
                      .as(prometheus.log())
                      .extracting(t -> t.path("labels").path("app").asText())
                      .containsExactlyInAnyOrder("ORDERS", "BILLING");
                  assertThat(prometheus.activeTargets())
                      .allSatisfy(t -> assertThat(t.path("health").asText()).isEqualTo("up"));
                });
        JsonNode ordersTarget =
            prometheus.activeTargets().stream()
                .filter(t -> t.path("labels").path("app").asText().equals("ORDERS"))
                .findFirst()
                .orElseThrow()
                .path("discoveredLabels");
        assertThat(ordersTarget.path("__address__").asText())
            .isEqualTo("127.0.0.1:" + orders.port());
        assertThat(ordersTarget.path("__meta_eureka_app_instance_id").asText())
            .isEqualTo("orders-1");
        assertThat(ordersTarget.path("__meta_eureka_app_instance_status").asText()).isEqualTo("UP");
        assertThat(ordersTarget.path("__meta_eureka_app_instance_port").asText())
            .isEqualTo(Integer.toString(orders.port()));
        assertThat(ordersTarget.path("__meta_eureka_app_instance_metadata_version").asText())
            .isEqualTo("2");
        await("scraped sample")
            .atMost(Duration.ofSeconds(30))
            .until(() -> prometheus.query("cairn_test_up{endpoint=\"orders-1\"}") == 1.0);

        assertThat(eureka.send("DELETE", "/apps/ORDERS/orders-1", "").statusCode()).isEqualTo(200);

        await("cancelled instance dropped")
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () ->
                    assertThat(prometheus.activeTargets())
                        .extracting(t -> t.path("labels").path("app").asText())
                        .containsExactly("BILLING"));
      }
    }
  }

  /** A registration as eureka-js-client and Spring Cloud Netflix send it (JSON). */
  private static HttpResponse<String> register(HttpCalls eureka, int port) throws Exception {
    return eureka.send(
        "POST",
        "/apps/ORDERS",
        "{\"instance\": {\"instanceId\": \"orders-1\", \"hostName\": \"127.0.0.1\", \"app\":"
            + " \"ORDERS\", \"ipAddr\": \"127.0.0.1\", \"status\": \"UP\", \"port\": {\"$\": "
            + port
            + ", \"@enabled\": \"true\"}, \"vipAddress\": \"orders\", \"dataCenterInfo\":"
            + " {\"@class\": \"com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo\","
            + " \"name\": \"MyOwn\"}, \"leaseInfo\": {\"durationInSecs\": 90},"
            + " \"metadata\": {\"version\": \"2\"}}}",
        "Content-Type",
        "application/json");
  }
}
