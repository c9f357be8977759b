package dev.cairn.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.common.Instance;
import dev.cairn.common.InstanceKind;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.SessionInfo;
import dev.cairn.testing.CairnServerExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class EurekaApiTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  final CairnServerExtension cairn =
      CairnServerExtension.inMemory().configure(b -> b.frontDoor(EurekaApi.frontDoor(0)));

  private HttpCalls eureka;

  @BeforeEach
  void client() {
    String endpoint = cairn.server().frontDoors().get(0).endpoint();
    eureka = new HttpCalls(endpoint.substring(0, endpoint.length() - 1));
  }

  @Test
  void registersAsASessionInstanceRenewsAndCancels() throws Exception {
    assertThat(register("ORDERS", "orders-1", 8080, 30).statusCode()).isEqualTo(204);

    Instance stored = cairn.registry().service("default", "orders").instances().get(0);
    assertThat(stored.id()).isEqualTo("orders-1");
    assertThat(stored.kind()).isEqualTo(InstanceKind.EPHEMERAL);
    assertThat(stored.port("http")).isEqualTo(8080);
    assertThat(stored.zone()).isEqualTo("z1");
    assertThat(stored.metadata()).containsEntry("version", "2");

    assertThat(eureka.put("/apps/ORDERS/orders-1?status=UP&lastDirtyTimestamp=1", "").statusCode())
        .isEqualTo(200);
    assertThat(eureka.put("/apps/ORDERS/nobody?status=UP", "").statusCode()).isEqualTo(404);

    JsonNode apps = JSON.readTree(get("/apps", "application/json").body()).path("applications");
    assertThat(apps.path("apps__hashcode").asText()).isEqualTo("UP_1_");
    JsonNode instance = apps.path("application").get(0).path("instance").get(0);
    assertThat(apps.path("application").get(0).path("name").asText()).isEqualTo("ORDERS");
    assertThat(instance.path("instanceId").asText()).isEqualTo("orders-1");
    assertThat(instance.path("port").path("$").asInt()).isEqualTo(8080);
    assertThat(instance.path("port").path("@enabled").asText()).isEqualTo("true");
    assertThat(instance.path("status").asText()).isEqualTo("UP");
    assertThat(instance.path("metadata").path("version").asText()).isEqualTo("2");

    String xml = get("/apps/ORDERS", "application/xml").body();
    assertThat(xml)
        .contains("<application><name>ORDERS</name><instance><instanceId>orders-1</instanceId>")
        .contains("<port enabled=\"true\">8080</port>");
    assertThat(
            JSON.readTree(get("/instances/orders-1", "application/json").body())
                .path("instance")
                .path("app")
                .asText())
        .isEqualTo("ORDERS");

    assertThat(eureka.send("DELETE", "/apps/ORDERS/orders-1", "").statusCode()).isEqualTo(200);
    assertThat(cairn.registry().service("default", "orders").instances()).isEmpty();
    assertThat(eureka.send("DELETE", "/apps/ORDERS/orders-1", "").statusCode()).isEqualTo(404);
    assertThat(get("/apps/ORDERS", "application/json").statusCode()).isEqualTo(404);
  }

  @Test
  void aLeaseWithoutHeartbeatsExpiresLikeASession() throws Exception {
    assertThat(register("SHORT", "short-1", 8080, 1).statusCode()).isEqualTo(204);
    assertThat(cairn.registry().service("default", "short").instances()).hasSize(1);

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> cairn.registry().service("default", "short").instances().isEmpty());
    assertThat(eureka.put("/apps/SHORT/short-1?status=UP", "").statusCode()).isEqualTo(404);
  }

  @Test
  void anXmlRegistrationIsReadLikeJson() throws Exception {
    HttpResponse<String> r =
        eureka.send(
            "POST",
            "/apps/BILLING",
            "<instance><instanceId>billing-1</instanceId><hostName>billing.local</hostName>"
                + "<app>BILLING</app><ipAddr>127.0.0.2</ipAddr><status>UP</status>"
                + "<port enabled=\"true\">9090</port><securePort enabled=\"false\">443</securePort>"
                + "<leaseInfo><durationInSecs>30</durationInSecs></leaseInfo></instance>",
            "Content-Type",
            "application/xml");
    assertThat(r.statusCode()).isEqualTo(204);
    Instance stored = cairn.registry().service("default", "billing").instances().get(0);
    assertThat(stored.address()).isEqualTo("127.0.0.2");
    assertThat(stored.ports()).containsExactly(java.util.Map.entry("http", 9090));
  }

  // Eureka answers XML unless the Accept header names JSON; Prometheus' eureka_sd_configs sends
  // none and decodes XML.
  @Test
  void aClientThatNamesNoJsonGetsXmlAsFromEureka() throws Exception {
    register("ORDERS", "orders-1", 8080, 30);
    for (String accept : new String[] {null, "*/*", "application/xml, text/xml"}) {
      HttpResponse<String> r = accept == null ? eureka.get("/apps") : get("/apps", accept);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).as(accept).hasValue("application/xml");
      assertThat(r.body()).contains("<instanceId>orders-1</instanceId>");
    }
    HttpResponse<String> json = get("/apps", "application/json, */*");
    assertThat(json.headers().firstValue("content-type")).hasValue("application/json");
  }

  // Metadata keys are free text; one that is not an XML name would make the whole registry
  // unreadable to XML clients (py-eureka-client parses it with ElementTree, Prometheus with Go's
  // encoding/xml), so XML answers leave it out and JSON answers keep it.
  @Test
  void aMetadataKeyThatIsNoXmlNameLeavesTheXmlRegistryReadable() throws Exception {
    cairn
        .registry()
        .register(
            "default",
            Instance.builder("shop", "127.0.0.1")
                .id("shop-1")
                .port("http", 8080)
                .metadata(
                    java.util.Map.of(
                        "app.kubernetes.io/name", "shop", "9lives", "x", "a&b", "y", "team", "t"))
                .build())
        .join();

    String xml = eureka.get("/apps").body();
    org.w3c.dom.Document doc =
        javax.xml.parsers.DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(new org.xml.sax.InputSource(new java.io.StringReader(xml)));
    org.w3c.dom.Element metadata =
        (org.w3c.dom.Element) doc.getElementsByTagName("metadata").item(0);
    assertThat(metadata.getElementsByTagName("team").item(0).getTextContent()).isEqualTo("t");
    assertThat(metadata.getChildNodes().getLength()).isEqualTo(1);

    JsonNode json =
        JSON.readTree(get("/apps/SHOP", "application/json").body())
            .path("application")
            .path("instance")
            .get(0)
            .path("metadata");
    assertThat(json.path("app.kubernetes.io/name").asText()).isEqualTo("shop");
    assertThat(json.path("a&b").asText()).isEqualTo("y");
  }

  @Test
  void theDeltaCarriesTheHashOfTheFullState() throws Exception {
    register("A", "a-1", 1, 30);
    register("B", "b-1", 2, 30);
    JsonNode delta =
        JSON.readTree(get("/apps/delta", "application/json").body()).path("applications");
    assertThat(delta.path("application")).isEmpty();
    assertThat(delta.path("apps__hashcode").asText()).isEqualTo("UP_2_");
  }

  // Decision 0197: the door renews and closes its own leases only.
  @Test
  void anotherClientsSessionIsNeitherRenewedNorClosedNorTakenOver() throws Exception {
    Registry registry = cairn.registry();
    SessionInfo owner =
        OwnedInstances.open(registry, "10.0.0.1", "orders/orders-9", "payments/payments-9");
    long before = registry.revision();

    HttpResponse<String> heartbeat = eureka.put("/apps/ORDERS/orders-9?status=UP", "");
    HttpResponse<String> cancel = eureka.send("DELETE", "/apps/ORDERS/orders-9", "");
    HttpResponse<String> takeOver = register("ORDERS", "orders-9", 9999, 30);

    assertThat(heartbeat.statusCode()).isEqualTo(404);
    assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(403);
    assertThat(cancel.body()).contains("orders-9").contains(owner.id());
    assertThat(takeOver.statusCode()).as(takeOver.body()).isEqualTo(403);
    assertThat(takeOver.body()).contains("belongs to session " + owner.id());
    assertThat(registry.revision()).isEqualTo(before);
    assertThat(registry.isSessionOpen(owner.id())).isTrue();
    assertThat(registry.service("default", "orders").instances())
        .singleElement()
        .satisfies(
            i -> {
              assertThat(i.port("http")).isEqualTo(8080);
              assertThat(i.sessionId()).isEqualTo(owner.id());
            });
    assertThat(registry.service("default", "payments").instances()).hasSize(1);
  }

  @Test
  void aLeaseIsASessionOfTheServersOwnAndItsReregistrationReplacesIt() throws Exception {
    assertThat(register("ORDERS", "orders-1", 8080, 30).statusCode()).isEqualTo(204);
    String first = cairn.registry().service("default", "orders").instances().get(0).sessionId();
    assertThat(cairn.registry().sessionName(first)).isEqualTo("cairn:eureka-lease");

    assertThat(register("ORDERS", "orders-1", 8081, 30).statusCode()).isEqualTo(204);

    Instance again = cairn.registry().service("default", "orders").instances().get(0);
    assertThat(again.port("http")).isEqualTo(8081);
    assertThat(again.sessionId()).isNotEqualTo(first);
    await().until(() -> !cairn.registry().isSessionOpen(first));
    assertThat(cairn.registry().sessionCount()).isEqualTo(1);
  }

  @Test
  void aWriteFromAPageOfAnotherOriginIsRefused() throws Exception {
    HttpResponse<String> foreign =
        eureka.send(
            "POST",
            "/apps/EVIL",
            "{\"instance\": {\"instanceId\": \"e1\", \"ipAddr\": \"6.6.6.6\", \"port\":"
                + " {\"$\": 80, \"@enabled\": \"true\"}}}",
            "Origin",
            "http://evil.example",
            "Content-Type",
            "text/plain");

    assertThat(foreign.statusCode()).isEqualTo(403);
    assertThat(cairn.registry().instanceCount()).isZero();
    assertThat(cairn.registry().sessionCount()).isZero();
  }

  @Test
  void badRequestsAre4xxAndLeaveTheCatalogAlone() throws Exception {
    assertThat(
            eureka
                .send("POST", "/apps/ORDERS", "{nope", "Content-Type", "application/json")
                .statusCode())
        .isEqualTo(400);
    assertThat(
            eureka
                .send("POST", "/apps/BAD_NAME!", "{}", "Content-Type", "application/json")
                .statusCode())
        .isEqualTo(400);
    assertThat(
            eureka
                .send(
                    "POST",
                    "/apps/ORDERS",
                    "{\"instance\": {\"instanceId\": \"x\", \"ipAddr\": \"127.0.0.1\", \"port\": {\"$\": 99999, \"@enabled\": \"true\"}}}",
                    "Content-Type",
                    "application/json")
                .statusCode())
        .isEqualTo(400);
    assertThat(eureka.send("PATCH", "/apps", "").statusCode()).isEqualTo(405);
    assertThat(eureka.get("/nothing").statusCode()).isEqualTo(404);
    assertThat(cairn.registry().instanceCount()).isZero();
    assertThat(cairn.registry().sessionCount()).isZero();
  }

  private HttpResponse<String> register(String app, String id, int port, int leaseSeconds)
      throws Exception {
    return eureka.send(
        "POST",
        "/apps/" + app,
        "{\"instance\": {\"instanceId\": \""
            + id
            + "\", \"hostName\": \"127.0.0.1\", \"app\": \""
            + app
            + "\", \"ipAddr\": \"127.0.0.1\", \"status\": \"UP\", \"port\": {\"$\": "
            + port
            + ", \"@enabled\": \"true\"}, \"securePort\": {\"$\": 443, \"@enabled\": \"false\"},"
            + " \"dataCenterInfo\": {\"@class\": \"com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo\", \"name\": \"MyOwn\"},"
            + " \"leaseInfo\": {\"renewalIntervalInSecs\": 1, \"durationInSecs\": "
            + leaseSeconds
            + "}, \"metadata\": {\"zone\": \"z1\", \"version\": \"2\"}}}",
        "Content-Type",
        "application/json");
  }

  private HttpResponse<String> get(String path, String accept) throws Exception {
    return eureka.send("GET", path, "", "Accept", accept);
  }
}
