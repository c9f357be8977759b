package dev.cairn.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.common.Instance;
import dev.cairn.testing.CairnServerExtension;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The metadata keys a front door keeps for its protocol's own fields ({@code consul.tags}, {@code
 * eureka.status}, {@code eureka.hostName}) are that door's: the other front doors leave them out of
 * their answers, and Cairn's catalog keeps them (decision 0225).
 */
class FrontDoorBookkeepingTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  final CairnServerExtension cairn =
      CairnServerExtension.inMemory()
          .configure(
              b ->
                  b.frontDoor(ConsulApi.frontDoor(0))
                      .frontDoor(EurekaApi.frontDoor(0))
                      .frontDoor(PrometheusSd.frontDoor(0)));

  private HttpCalls consul;
  private HttpCalls eureka;
  private HttpCalls prometheus;

  @BeforeEach
  void clients() throws Exception {
    consul = new HttpCalls(cairn.server().frontDoors().get(0).endpoint());
    String e = cairn.server().frontDoors().get(1).endpoint();
    eureka = new HttpCalls(e.substring(0, e.length() - 1));
    prometheus = new HttpCalls(cairn.server().frontDoors().get(2).endpoint());

    HttpResponse<String> viaConsul =
        consul.put(
            "/v1/agent/service/register",
            "{\"Name\": \"web\", \"ID\": \"web-c\", \"Address\": \"10.0.0.1\", \"Port\": 80,"
                + " \"Tags\": [\"prod\", \"version=1\"], \"Meta\": {\"team\": \"core\"}}");
    assertThat(viaConsul.statusCode()).as(viaConsul.body()).isEqualTo(200);
    HttpResponse<String> viaEureka =
        eureka.send(
            "POST",
            "/apps/WEB",
            "{\"instance\": {\"instanceId\": \"web-e\", \"hostName\": \"web-e.internal\", \"app\":"
                + " \"WEB\", \"ipAddr\": \"10.0.0.2\", \"status\": \"STARTING\", \"port\": {\"$\":"
                + " 8080, \"@enabled\": \"true\"}, \"dataCenterInfo\": {\"@class\":"
                + " \"com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo\", \"name\":"
                + " \"MyOwn\"}, \"metadata\": {\"team\": \"core\"}}}",
            "Content-Type",
            "application/json");
    assertThat(viaEureka.statusCode()).as(viaEureka.body()).isEqualTo(204);
  }

  @Test
  void eurekaAnswersNoConsulBookkeeping() throws Exception {
    HttpResponse<String> app = eureka.send("GET", "/apps/WEB", "", "Accept", "application/json");
    assertThat(app.statusCode()).isEqualTo(200);
    JsonNode instances = JSON.readTree(app.body()).path("application").path("instance");
    assertThat(instances).hasSize(2);
    for (JsonNode i : instances) {
      assertThat(names(i.path("metadata")))
          .as(i.path("instanceId").asText())
          .contains("team")
          .doesNotContain("consul.tags", "eureka.status", "eureka.hostName");
    }
    // Its own keys still answer its own fields.
    JsonNode own =
        instances.get(0).path("instanceId").asText().equals("web-e")
            ? instances.get(0)
            : instances.get(1);
    assertThat(own.path("status").asText()).isEqualTo("STARTING");
    assertThat(own.path("hostName").asText()).isEqualTo("web-e.internal");
    HttpResponse<String> xml = eureka.send("GET", "/apps/WEB", "", "Accept", "application/xml");
    assertThat(xml.body()).doesNotContain("consul.tags").contains("<team>core</team>");
  }

  @Test
  void consulAnswersNoEurekaBookkeeping() throws Exception {
    JsonNode health = JSON.readTree(consul.get("/v1/health/service/web").body());
    assertThat(health).hasSize(2);
    for (JsonNode e : health) {
      assertThat(names(e.path("Service").path("Meta")))
          .as(e.path("Service").path("ID").asText())
          .contains("team")
          .doesNotContain("consul.tags", "eureka.status", "eureka.hostName");
    }
    for (JsonNode e : JSON.readTree(consul.get("/v1/catalog/service/web").body())) {
      assertThat(names(e.path("ServiceMeta"))).containsExactly("team");
    }
    for (JsonNode s : JSON.readTree(consul.get("/v1/agent/services").body())) {
      assertThat(names(s.path("Meta"))).containsExactly("team");
    }
    // Its own key still answers its tags, as given.
    assertThat(JSON.readTree(consul.get("/v1/catalog/services").body()).path("web"))
        .extracting(JsonNode::asText)
        .contains("prod", "version=1");
  }

  @Test
  void prometheusLabelsCarryNoFrontDoorBookkeeping() throws Exception {
    HttpResponse<String> targets = prometheus.get("?service=web");
    assertThat(targets.statusCode()).as(targets.body()).isEqualTo(200);
    JsonNode groups = JSON.readTree(targets.body());
    assertThat(groups).hasSize(2);
    for (JsonNode g : groups) {
      List<String> labels = names(g.path("labels"));
      assertThat(labels)
          .contains("__meta_cairn_metadata_team")
          .doesNotContain(
              "__meta_cairn_metadata_consul_tags",
              "__meta_cairn_metadata_eureka_status",
              "__meta_cairn_metadata_eureka_hostName");
    }
  }

  @Test
  void cairnsCatalogKeepsThem() {
    List<Instance> stored = cairn.registry().service("default", "web").instances();
    assertThat(stored)
        .anySatisfy(i -> assertThat(i.metadata()).containsKey("consul.tags"))
        .anySatisfy(i -> assertThat(i.metadata()).containsKeys("eureka.status", "eureka.hostName"));
  }

  @Test
  void aRegistrationDoesNotSetAFrontDoorsKeys() throws Exception {
    // A Consul registration's Meta and a Eureka registration's metadata naming those keys.
    HttpResponse<String> viaConsul =
        consul.put(
            "/v1/agent/service/register",
            "{\"Name\": \"api\", \"ID\": \"api-c\", \"Port\": 80, \"Meta\":"
                + " {\"eureka.status\": \"OUT_OF_SERVICE\", \"consul.tags\": \"[\\\"spoof\\\"]\","
                + " \"team\": \"core\"}, \"Check\": {\"TTL\": \"60s\", \"Status\":"
                + " \"critical\"}}");
    assertThat(viaConsul.statusCode()).as(viaConsul.body()).isEqualTo(200);
    HttpResponse<String> viaEureka =
        eureka.send(
            "POST",
            "/apps/API",
            "{\"instance\": {\"instanceId\": \"api-e\", \"hostName\": \"127.0.0.1\", \"app\":"
                + " \"API\", \"ipAddr\": \"127.0.0.1\", \"status\": \"UP\", \"port\": {\"$\":"
                + " 8080, \"@enabled\": \"true\"}, \"dataCenterInfo\": {\"@class\":"
                + " \"com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo\", \"name\":"
                + " \"MyOwn\"}, \"metadata\": {\"consul.tags\": \"[\\\"spoof\\\"]\"}}}",
            "Content-Type",
            "application/json");
    assertThat(viaEureka.statusCode()).as(viaEureka.body()).isEqualTo(204);

    for (Instance i : cairn.registry().service("default", "api").instances()) {
      assertThat(i.metadata()).as(i.id()).doesNotContainKey("consul.tags");
    }
    // The Consul instance, critical, is DOWN to Eureka, not the OUT_OF_SERVICE its Meta named.
    JsonNode app =
        JSON.readTree(eureka.send("GET", "/apps/API", "", "Accept", "application/json").body());
    assertThat(app.path("application").path("instance")).hasSize(2);
    for (JsonNode i : app.path("application").path("instance")) {
      if (i.path("instanceId").asText().equals("api-c")) {
        assertThat(i.path("status").asText()).isEqualTo("DOWN");
      }
    }
    assertThat(JSON.readTree(consul.get("/v1/catalog/services").body()).path("api")).isEmpty();
  }

  private static List<String> names(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
