package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.server.CairnServer;
import dev.cairn.server.internal.http.HttpApiFixture.Reply;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The second round of decision 0098, over real sockets against a real server: an enum value in
 * another letter case, a read-only field of the wrong type, a header the API reads given twice and
 * a body sent to the ACL bootstrap are each refused with 400 naming the field, and change nothing;
 * the documented forms are still served.
 */
class GuessedInputTest {

  @RegisterExtension final HttpApiFixture api = new HttpApiFixture();

  private long revisionBefore;

  @BeforeEach
  void seed() {
    assertThat(api.register("web", "a", "{\"address\":\"10.0.0.1\"}").status()).isEqualTo(200);
    revisionBefore = api.registry().revision();
  }

  // 1. Enum values are read only as documented: lower case.

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"address\":\"h\",\"health\":\"PASSING\"} | health"
            + " | health: \"PASSING\" (expected: passing, warning or critical)",
        "{\"address\":\"h\",\"health\":\"Critical\"} | health"
            + " | health: \"Critical\" (expected: passing, warning or critical)",
        "{\"address\":\"h\",\"kind\":\"Persistent\"} | kind"
            + " | kind: \"Persistent\" (expected: persistent or ephemeral)",
        "{\"address\":\"h\",\"check\":{\"type\":\"HTTP\",\"port\":\"80\",\"path\":\"/\"}}"
            + " | check.type | check.type: \"HTTP\" (expected: http, tcp, grpc or ttl)",
        "{\"address\":\"h\",\"check\":{\"type\":\"Ttl\",\"interval\":\"30s\"}} | check.type"
            + " | check.type: \"Ttl\" (expected: http, tcp, grpc or ttl)",
      })
  void anEnumValueInAnotherCaseIsRefused(String body, String field, String message) {
    Reply r = api.register("web", "x", body);

    assertRefused(r, field, message);
  }

  @Test
  void aHealthReportInAnotherCaseIsRefused() {
    Reply r = api.put("/v1/services/web/instances/a/health", "{\"health\":\"WARNING\"}");

    assertRefused(r, "health", "health: \"WARNING\" (expected: passing, warning or critical)");
    assertThat(api.get("/v1/services/web/instances/a").json().at("/instance/health").asText())
        .isEqualTo("passing");
  }

  @Test
  void theDocumentedSpellingsAreServed() {
    Reply instance =
        api.register(
            "web",
            "x",
            "{\"address\":\"h\",\"health\":\"warning\",\"kind\":\"persistent\","
                + "\"check\":{\"type\":\"ttl\",\"interval\":\"30s\"}}");
    Reply report = api.put("/v1/services/web/instances/a/health", "{\"health\":\"critical\"}");

    assertThat(instance.status()).as(instance.body()).isEqualTo(200);
    assertThat(instance.json().at("/instance/kind").asText()).isEqualTo("persistent");
    assertThat(instance.json().at("/instance/check/type").asText()).isEqualTo("ttl");
    assertThat(report.status()).as(report.body()).isEqualTo(200);
    assertThat(report.json().get("health").asText()).isEqualTo("critical");
  }

  // 2. A read-only field must have its type; its value is still not read.

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"address\":\"h\",\"createRevision\":\"7\"} | createRevision | \"7\"",
        "{\"address\":\"h\",\"modRevision\":{}} | modRevision | {}",
        "{\"address\":\"h\",\"modRevision\":1.5} | modRevision | 1.5",
        "{\"address\":\"h\",\"createRevision\":true} | createRevision | true",
        "{\"address\":\"h\",\"createRevision\":[1]} | createRevision | [1]",
      })
  void aReadOnlyFieldOfTheWrongTypeIsRefused(String body, String field, String shown) {
    Reply r = api.register("web", "x", body);

    assertRefused(
        r,
        field,
        field
            + ": "
            + shown
            + " (expected: an integer or absent; set by the server, a given value is not read)");
  }

  @Test
  void aReadOnlyFieldOfItsTypeIsStillNotRead() {
    Reply read = api.get("/v1/services/web/instances/a");
    JsonNode sentBack = read.json().get("instance"); // as read, createRevision and modRevision too
    Reply again = api.register("web", "a", sentBack.toString());
    Reply made =
        api.register("web", "y", "{\"address\":\"h\",\"createRevision\":999,\"modRevision\":null}");

    assertThat(again.status()).as(again.body()).isEqualTo(200);
    assertThat(again.json().at("/instance/createRevision").asLong())
        .isEqualTo(sentBack.get("createRevision").asLong());
    assertThat(again.json().at("/instance/modRevision").asLong())
        .isEqualTo(again.json().get("revision").asLong());
    assertThat(made.status()).as(made.body()).isEqualTo(200);
    assertThat(made.json().at("/instance/createRevision").asLong())
        .isEqualTo(made.json().get("revision").asLong())
        .isNotEqualTo(999);
  }

  // 3. A header the API reads as one value is refused when repeated.

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "X-Cairn-Token: a | X-Cairn-Token: b | x-cairn-token",
        "Authorization: Bearer a | Authorization: Bearer b | authorization",
        "Content-Type: application/json | Content-Type: text/plain | content-type",
        "Content-Type: application/json | content-type: application/json | content-type",
        "X-Cairn-Namespace: default | x-cairn-namespace: other | x-cairn-namespace",
        "X-Cairn-Session-Secret: a | X-Cairn-Session-Secret: b | x-cairn-session-secret",
        "X-Cairn-Min-Index: 1 | X-Cairn-Min-Index: 2 | x-cairn-min-index",
        "Last-Event-ID: 1 | Last-Event-ID: 2 | last-event-id",
        "Origin: http://127.0.0.1 | Origin: http://evil.example | origin",
        "Host: 127.0.0.1 | Host: evil.example | host",
      })
  void aRepeatedHeaderIsRefusedAndTheConnectionServesTheNext(
      String first, String second, String field) throws Exception {
    String body = "{\"address\":\"10.0.0.9\"}";
    String extra = first + "\r\n" + second + "\r\n";
    boolean hasType = extra.toLowerCase(java.util.Locale.ROOT).contains("content-type");
    boolean hasHost = extra.toLowerCase(java.util.Locale.ROOT).contains("host:");
    try (RawHttp http = new RawHttp(port())) {
      http.write(
          "PUT /v1/services/web/instances/x HTTP/1.1\r\n"
              + (hasHost ? "" : "Host: 127.0.0.1\r\n")
              + (hasType ? "" : "Content-Type: application/json\r\n")
              + extra
              + "Content-Length: "
              + body.getBytes(StandardCharsets.UTF_8).length
              + "\r\n\r\n"
              + body
              + "GET /v1/services/web/instances/a HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

      RawHttp.Response refused = http.read();
      RawHttp.Response next = http.read();

      assertThat(refused.status()).as(refused.body()).isEqualTo(400);
      JsonNode error = HttpApiFixture.JSON.readTree(refused.body()).get("error");
      assertThat(error.get("code").asText()).isEqualTo("INVALID_ARGUMENT");
      assertThat(error.get("field").asText()).isEqualTo(field);
      assertThat(error.get("message").asText())
          .isEqualTo(field + ": given 2 times (expected: the header once)");
      assertThat(next.status()).as(next.body()).isEqualTo(200);
    }
    assertThat(api.registry().revision()).isEqualTo(revisionBefore);
  }

  @Test
  void aRepeatedListHeaderIsStillServed() throws Exception {
    try (RawHttp http = new RawHttp(port())) {
      http.write(
          "GET /v1/services/web/instances HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              + "Accept-Encoding: identity\r\nAccept-Encoding: br\r\n\r\n");

      RawHttp.Response r = http.read();

      assertThat(r.status()).as(r.body()).isEqualTo(200);
    }
  }

  @Test
  void headersSentOnceAsClientsDoAreServed() {
    Reply r =
        api.send(
            api.request("/v1/services/web/instances/x")
                .header("Content-Type", "application/json")
                .header("X-Cairn-Namespace", "default")
                .header("Authorization", "Bearer ignored-without-acls")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"address\":\"h\"}"))
                .build());

    assertThat(r.status()).as(r.body()).isEqualTo(200);
  }

  // 4. The ACL bootstrap reads no body and refuses one.

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {"{} | 2", "{\"description\":\"mine\"} | 22"})
  void aBootstrapWithABodyIsRefusedAndBootstrapsNothing(String body, int bytes) throws Exception {
    try (CairnServer server =
        CairnServer.builder().inMemory().httpPort(0).grpcPort(0).acl(true).start()) {
      HttpClient client = HttpClient.newHttpClient();
      URI uri =
          URI.create("http://127.0.0.1:" + server.httpAddress().getPort() + "/v1/acl/bootstrap");

      HttpResponse<String> refused =
          client.send(
              HttpRequest.newBuilder(uri)
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> plain =
          client.send(
              HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody()).build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
      JsonNode error = HttpApiFixture.JSON.readTree(refused.body()).get("error");
      assertThat(error.get("field").asText()).isEqualTo("body");
      assertThat(error.get("message").asText())
          .isEqualTo(
              "body: "
                  + bytes
                  + " bytes (expected: no body; bootstrap takes none: the first token is always a"
                  + " management token)");
      // The refused request used nothing up: the one bootstrap is still there to take.
      assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
      assertThat(HttpApiFixture.JSON.readTree(plain.body()).get("secret").asText()).isNotEmpty();
    }
  }

  private int port() {
    return api.server().localAddress().getPort();
  }

  private void assertRefused(Reply r, String field, String message) {
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.errorCode()).isEqualTo("INVALID_ARGUMENT");
    assertThat(r.errorField()).isEqualTo(field);
    assertThat(r.json().at("/error/message").asText()).isEqualTo(message);
    assertThat(api.registry().revision()).isEqualTo(revisionBefore);
  }
}
