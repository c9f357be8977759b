package dev.cairn.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.server.CairnServer;
import dev.cairn.server.core.acl.Policy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Eureka leases with ACLs on hold their token's sessions ({@code --max-sessions-per-token},
 * decision 0177), one count with the token's sessions on the server's API: over it a registration
 * is 429 with {@code Retry-After} and a JSON body naming the limit; a cancel, a lease that expires
 * and a registration that replaces a lease give the place back.
 */
class EurekaLeaseLimitsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private CairnServer server;
  private String token;
  private String other;

  @BeforeEach
  void start() throws Exception {
    server =
        CairnServer.builder()
            .inMemory()
            .httpPort(0)
            .grpcPort(0)
            .acl(true)
            .maxPerToken(0, 2)
            .frontDoor(EurekaApi.frontDoor(0))
            .start();
    token = server.registry().acls().bootstrap().join().secret();
    // Another token with the same rights: its own count.
    other =
        server.registry().acls().createToken("other", List.of(Policy.MANAGEMENT)).join().secret();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void leasesCountAgainstTheTokensSessionsWithTheApisAndComeBackWhenTheyEnd() throws Exception {
    assertThat(register("a-1", 30, token).statusCode()).isEqualTo(204);
    assertThat(register("a-2", 30, token).statusCode()).isEqualTo(204);

    HttpResponse<String> refused = register("a-3", 30, token);
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(refused.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).contains("json"));
    JsonNode body = JSON.readTree(refused.body());
    assertThat(body.path("limit").asText()).isEqualTo("--max-sessions-per-token");
    assertThat(body.path("message").asText()).contains("2 open with token").contains("per token");
    assertThat(server.registry().service("default", "a").instances()).hasSize(2);
    // One count with the API: the token's sessions there are refused too; another token's not.
    assertThat(openApiSession(token)).isEqualTo(429);
    assertThat(register("a-3", 30, other).statusCode()).isEqualTo(204);

    // Registering an instance again replaces its lease: no new place needed.
    assertThat(register("a-1", 30, token).statusCode()).isEqualTo(204);
    assertThat(server.registry().service("default", "a").instances())
        .extracting(i -> i.id())
        .containsExactlyInAnyOrder("a-1", "a-2", "a-3");

    // A cancel gives the place back at once.
    assertThat(eureka("DELETE", "/apps/A/a-2", "", token).statusCode()).isEqualTo(200);
    assertThat(register("a-4", 1, token).statusCode()).isEqualTo(204);
    assertThat(openApiSession(token)).isEqualTo(429);

    // A lease that expires (1 s, no heartbeats) gives it back too: the API's session opens.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> server.registry().service("default", "a").instances().size() == 2);
    assertThat(openApiSession(token)).isEqualTo(200);
    assertThat(register("a-5", 30, token).statusCode()).isEqualTo(429);
  }

  @Test
  void withoutAcLsLeasesAreNotCountedPerToken() throws Exception {
    try (CairnServer open =
        CairnServer.builder()
            .inMemory()
            .httpPort(0)
            .grpcPort(0)
            .maxPerToken(0, 1)
            .frontDoor(EurekaApi.frontDoor(0))
            .start()) {
      String base = open.frontDoors().get(0).endpoint(); // http://host:port/eureka/
      for (String id : List.of("b-1", "b-2")) {
        HttpResponse<String> r =
            HTTP.send(
                HttpRequest.newBuilder(URI.create(base + "apps/B"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(instance("B", id, 30)))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(204);
      }
    }
  }

  private HttpResponse<String> register(String id, int leaseSeconds, String secret)
      throws Exception {
    return eureka("POST", "/apps/A", instance("A", id, leaseSeconds), secret);
  }

  private static String instance(String app, String id, int leaseSeconds) {
    return "{\"instance\": {\"instanceId\": \""
        + id
        + "\", \"hostName\": \"127.0.0.1\", \"app\": \""
        + app
        + "\", \"ipAddr\": \"127.0.0.1\", \"status\": \"UP\", \"port\": {\"$\": 8080,"
        + " \"@enabled\": \"true\"}, \"dataCenterInfo\": {\"@class\":"
        + " \"com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo\", \"name\": \"MyOwn\"},"
        + " \"leaseInfo\": {\"renewalIntervalInSecs\": 1, \"durationInSecs\": "
        + leaseSeconds
        + "}}}";
  }

  /** A Eureka call with the token as the basic-auth password, as Eureka clients send it. */
  private HttpResponse<String> eureka(String method, String path, String body, String secret)
      throws Exception {
    String endpoint = server.frontDoors().get(0).endpoint(); // http://host:port/eureka/
    String basic =
        Base64.getEncoder().encodeToString(("app:" + secret).getBytes(StandardCharsets.UTF_8));
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(endpoint.substring(0, endpoint.length() - 1) + path))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .header("Authorization", "Basic " + basic)
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The status of {@code POST /v1/sessions} on the server's API with {@code secret}. */
  private int openApiSession(String secret) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + server.httpAddress().getPort() + "/v1/sessions"))
                .header("X-Cairn-Token", secret)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }
}
