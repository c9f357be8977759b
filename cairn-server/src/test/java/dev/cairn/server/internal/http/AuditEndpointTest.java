package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.server.CairnServer;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Policy;
import dev.cairn.server.core.acl.Resource;
import dev.cairn.server.core.acl.Rule;
import dev.cairn.server.core.acl.Token;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code GET /v1/audit}: who made each write (decision 0171), against a real server. */
class AuditEndpointTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private CairnServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void withoutAclsEachWriteNamesItsSessionAndClientAddress() throws Exception {
    server = CairnServer.builder().inMemory().httpPort(0).grpcPort(0).start();
    JsonNode session = JSON.readTree(send("POST", "/v1/sessions", "{}", null, null).body());
    String id = session.get("id").asText();
    String secret = session.get("secret").asText();
    assertThat(
            send(
                    "PUT",
                    "/v1/services/web/instances/web-1?session=" + id,
                    "{\"address\":\"10.0.0.1\"}",
                    null,
                    secret)
                .statusCode())
        .isEqualTo(200);
    assertThat(
            send("PUT", "/v1/services/db/instances/db-1", "{\"address\":\"10.0.0.2\"}", null, null)
                .statusCode())
        .isEqualTo(200);

    JsonNode all = get("/v1/audit", null, 200);
    assertThat(all.get("writes")).hasSize(3);
    JsonNode db = all.get("writes").get(0);
    assertThat(db.get("operation").asText()).isEqualTo("register");
    assertThat(db.get("service").asText()).isEqualTo("db");
    assertThat(db.get("target").asText()).isEqualTo("db-1");
    assertThat(db.get("namespace").asText()).isEqualTo("default");
    assertThat(db.get("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
    assertThat(db.at("/author/remoteAddress").asText()).startsWith("127.0.0.1:");
    assertThat(db.at("/author/sessionId").asText()).isEmpty();
    assertThat(db.at("/author/server").asBoolean()).isFalse();

    JsonNode web = get("/v1/audit?service=web", null, 200).get("writes");
    assertThat(web).hasSize(1);
    assertThat(web.get(0).at("/author/sessionId").asText()).isEqualTo(id);
    assertThat(web.get(0).get("revision").asLong())
        .isLessThan(db.get("revision").asLong())
        .isGreaterThan(all.get("writes").get(2).get("revision").asLong());
    assertThat(all.get("writes").get(2).get("operation").asText()).isEqualTo("open-session");

    assertThat(get("/v1/audit?limit=1", null, 200).get("writes")).hasSize(1);
    assertThat(get("/v1/audit?namespace=other", null, 200).get("writes")).isEmpty();
    assertThat(get("/v1/audit?limit=0", null, 400).at("/error/field").asText()).isEqualTo("limit");
    assertThat(get("/v1/audit?limit=x", null, 400).at("/error/field").asText()).isEqualTo("limit");
    assertThat(get("/v1/audit?service=Bad!", null, 400).at("/error/field").asText())
        .isEqualTo("service");
    assertThat(get("/v1/audit?what=1", null, 400).at("/error/field").asText()).isEqualTo("what");
  }

  @Test
  void withAclsEachWriteNamesItsTokenAndReadingNeedsAclRead() throws Exception {
    server = CairnServer.builder().inMemory().httpPort(0).grpcPort(0).acl(true).start();
    String management =
        JSON.readTree(send("POST", "/v1/acl/bootstrap", "", null, null).body())
            .get("secret")
            .asText();
    server
        .registry()
        .acls()
        .createPolicy(
            new Policy(
                "web-writer", "", List.of(new Rule(Resource.SERVICE, "*", "web", Access.WRITE))))
        .join();
    server
        .registry()
        .acls()
        .createPolicy(new Policy("auditor", "", List.of(Rule.of(Resource.ACL, Access.READ))))
        .join();
    var writer = server.registry().acls().createToken("ci", List.of("web-writer")).join();
    var auditor = server.registry().acls().createToken("sec", List.of("auditor")).join();
    assertThat(
            send(
                    "PUT",
                    "/v1/services/web/instances/web-1",
                    "{\"address\":\"10.0.0.1\"}",
                    writer.secret(),
                    null)
                .statusCode())
        .isEqualTo(200);

    JsonNode writes = get("/v1/audit?service=web", auditor.secret(), 200).get("writes");
    assertThat(writes).hasSize(1);
    Token w = writer.token();
    assertThat(writes.get(0).at("/author/accessorId").asText()).isEqualTo(w.accessorId());
    assertThat(writes.get(0).at("/author/accessorId").asText())
        .as("never the secret")
        .isNotEqualTo(writer.secret());

    JsonNode acl = get("/v1/audit", management, 200).get("writes");
    assertThat(acl.findValuesAsText("operation")).contains("create-token", "create-policy");
    assertThat(get("/v1/audit", writer.secret(), 403).at("/error/field").asText())
        .isEqualTo("token");
    assertThat(get("/v1/audit", null, 401).at("/error/field").asText()).isEqualTo("token");
  }

  private JsonNode get(String path, String token, int status) throws Exception {
    HttpResponse<String> r = send("GET", path, "", token, null);
    assertThat(r.statusCode()).as("%s: %s", path, r.body()).isEqualTo(status);
    return JSON.readTree(r.body());
  }

  private HttpResponse<String> send(
      String method, String path, String body, String token, String sessionSecret)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.httpAddress().getPort() + path))
            .timeout(Duration.ofSeconds(10));
    if (body.isEmpty()) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (sessionSecret != null) {
      b.header("X-Cairn-Session-Secret", sessionSecret);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
