package dev.cairn.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.server.FrontDoor;
import dev.cairn.testing.CairnServerExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PrometheusSdTest {

  @RegisterExtension
  final CairnServerExtension cairn =
      CairnServerExtension.inMemory().configure(b -> b.frontDoor(PrometheusSd.frontDoor(0)));

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void realPrometheusDiscoversScrapesAndDropsInstances() throws Exception {
    String sd = door().endpoint();
    try (MetricsEndpoint web = new MetricsEndpoint("web-1");
        MetricsEndpoint other = new MetricsEndpoint("other-1")) {
      register("web", "web-1", web.port(), "prod");
      register("other", "other-1", other.port(), "prod");
      try (PrometheusProcess prometheus =
          PrometheusProcess.start(
              "  - job_name: cairn\n"
                  + "    http_sd_configs:\n"
                  + "      - url: '"
                  + sd
                  + "?service=web&tag=prod'\n"
                  + "        refresh_interval: 1s\n"
                  + "    relabel_configs:\n"
                  + "      - source_labels: [__meta_cairn_zone]\n"
                  + "        target_label: zone\n"
                  + "      - source_labels: [__meta_cairn_service]\n"
                  + "        target_label: service\n")) {
        await("web scraped")
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () ->
                    assertThat(prometheus.activeTargets())
                        .singleElement()
                        .satisfies(
                            t -> {
                              assertThat(t.path("health").asText()).isEqualTo("up");
                              assertThat(t.path("labels").path("zone").asText()).isEqualTo("z1");
                              assertThat(t.path("labels").path("service").asText())
                                  .isEqualTo("web");
                              assertThat(t.path("scrapeUrl").asText())
                                  .isEqualTo("http://127.0.0.1:" + web.port() + "/metrics");
                            }));
        await("scraped sample")
            .atMost(Duration.ofSeconds(30))
            .until(() -> prometheus.query("cairn_test_up{endpoint=\"web-1\"}") == 1.0);

        cairn.registry().deregister("default", "web", "web-1").join();

        await("web dropped")
            .atMost(Duration.ofSeconds(30))
            .until(() -> prometheus.activeTargets().isEmpty());
      }
    }
  }

  @Test
  void filtersByServiceTagPortAndHealth() throws Exception {
    register("web", "a", 9100, "prod");
    register("web", "b", 9101, "dev");
    cairn
        .registry()
        .register(
            "default",
            Instance.builder("web", "127.0.0.1")
                .id("c")
                .port("http", 8080)
                .port("admin", 9000)
                .health(Health.CRITICAL)
                .build())
        .join();

    assertThat(targets("?service=web"))
        .containsExactlyInAnyOrder("127.0.0.1:9100", "127.0.0.1:9101", "127.0.0.1:8080");
    assertThat(targets("?service=web&tag=prod")).containsExactly("127.0.0.1:9100");
    assertThat(targets("?service=web&port=admin")).containsExactly("127.0.0.1:9000");
    assertThat(targets("?service=web&healthy=true"))
        .containsExactlyInAnyOrder("127.0.0.1:9100", "127.0.0.1:9101");
    assertThat(targets("")).hasSize(3);
    assertThat(targets("?namespace=elsewhere")).isEmpty();

    JsonNode c = get("?service=web&port=admin").get(0).path("labels");
    assertThat(c.path("__meta_cairn_health").asText()).isEqualTo("critical");
    assertThat(c.path("__meta_cairn_port_name").asText()).isEqualTo("admin");
    assertThat(c.path("__meta_cairn_instance_id").asText()).isEqualTo("c");
  }

  @Test
  void badQueriesAre400NotServerErrors() throws Exception {
    assertThat(status("?service=Not_A_Label")).isEqualTo(400);
    assertThat(status("?tag=")).isEqualTo(400);
    assertThat(status("?port=%20")).isEqualTo(400);
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(URI.create(door().endpoint()))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
  }

  private void register(String service, String id, int port, String tag) {
    cairn
        .registry()
        .register(
            "default",
            Instance.builder(service, "127.0.0.1")
                .id(id)
                .port("metrics", port)
                .tags(List.of(tag))
                .zone("z1")
                .metadata(Map.of("version", "1.2"))
                .build())
        .join();
  }

  private List<String> targets(String query) throws Exception {
    List<String> out = new java.util.ArrayList<>();
    get(query).forEach(g -> g.path("targets").forEach(t -> out.add(t.asText())));
    return out;
  }

  private JsonNode get(String query) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(door().endpoint() + query)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
  }

  private int status(String query) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(door().endpoint() + query)).build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  private FrontDoor door() {
    return cairn.server().frontDoors().get(0);
  }
}
