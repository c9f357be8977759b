package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Limits;
import dev.cairn.server.internal.http.HttpApiFixture.Reply;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad request gets its status and error body, and leaves the server serving and the
 * stored data unchanged.
 */
class BadRequestTest {

  private static final String JSON = "application/json";
  private static final String OK_BODY = "{\"address\":\"10.0.0.1\"}";

  @RegisterExtension final HttpApiFixture api = new HttpApiFixture();

  private String before;
  private long revisionBefore;

  /** A request and the answer it must get. */
  record Case(
      String name,
      String method,
      String path,
      String contentType,
      String body,
      int status,
      String code,
      String field) {
    @Override
    public String toString() {
      return name;
    }
  }

  @BeforeEach
  void seed() {
    assertThat(api.register("web", "a", OK_BODY).status()).isEqualTo(200);
    before = api.get("/v1/services/web/instances").body();
    revisionBefore = api.registry().revision();
  }

  static Stream<Case> cases() {
    List<Case> c = new ArrayList<>();
    // names
    c.add(put("empty service", "/v1/services//instances/x", OK_BODY, 400, "service"));
    c.add(put("illegal service", "/v1/services/Web_1/instances/x", OK_BODY, 400, "service"));
    c.add(
        put(
            "oversized service",
            "/v1/services/" + "s".repeat(64) + "/instances/x",
            OK_BODY,
            400,
            "service"));
    c.add(put("empty id", "/v1/services/web/instances/", OK_BODY, 400, "id"));
    c.add(put("dot id", "/v1/services/web/instances/%2E", OK_BODY, 400, "id"));
    c.add(put("dot-dot id", "/v1/services/web/instances/%2E%2E", OK_BODY, 400, "id"));
    c.add(put("illegal id", "/v1/services/web/instances/a%20b", OK_BODY, 400, "id"));
    c.add(put("oversized id", "/v1/services/web/instances/" + "i".repeat(129), OK_BODY, 400, "id"));
    c.add(
        put(
            "namespace",
            "/v1/services/web/instances/x?namespace=Bad_NS",
            OK_BODY,
            400,
            "namespace"));
    c.add(get("list illegal service", "/v1/services/-web/instances", 400, "service"));
    c.add(get("list bad namespace", "/v1/services/web/instances?namespace=x..y", 400, "namespace"));
    // instance fields
    c.add(put("missing address", "/v1/services/web/instances/x", "{}", 400, "address"));
    c.add(
        put(
            "illegal address",
            "/v1/services/web/instances/x",
            "{\"address\":\"a b\"}",
            400,
            "address"));
    c.add(
        put(
            "port 0",
            "/v1/services/web/instances/x",
            "{\"address\":\"h\",\"ports\":{\"http\":0}}",
            400,
            "ports.http"));
    c.add(
        put(
            "port 65536",
            "/v1/services/web/instances/x",
            "{\"address\":\"h\",\"ports\":{\"http\":65536}}",
            400,
            "ports.http"));
    c.add(
        put(
            "port as text",
            "/v1/services/web/instances/x",
            "{\"address\":\"h\",\"ports\":{\"http\":\"80\"}}",
            400,
            "ports.http"));
    c.add(
        put(
            "port name",
            "/v1/services/web/instances/x",
            "{\"address\":\"h\",\"ports\":{\"HTTP\":80}}",
            400,
            "ports.name"));
    c.add(
        put(
            "weight 0",
            "/v1/services/web/instances/x",
            "{\"address\":\"h\",\"weight\":0}",
            400,
            "weight"));
    c.add(
        put(
            "weight 10001",
            "/v1/services/web/instances/x",
            "{\"address\":\"h\",\"weight\":10001}",
            400,
            "weight"));
    c.add(
        put(
            "weight huge",
            "/v1/services/web/instances/x",
            "{\"address\":\"h\",\"weight\":1e40}",
            400,
            "weight"));
    c.add(
        put(
            "too many tags",
            "/v1/services/web/instances/x",
            "{\"address\":\"h\",\"tags\":" + tags(33) + "}",
            400,
            "tags"));
    c.add(
        put(
            "too much metadata",
            "/v1/services/web/instances/x",
            "{\"address\":\"h\",\"metadata\":" + metadata(65) + "}",
            400,
            "metadata"));
    c.add(
        put(
            "metadata value too long",
            "/v1/services/web/instances/x",
            "{\"address\":\"h\",\"metadata\":{\"k\":\"" + "v".repeat(513) + "\"}}",
            400,
            "metadata.k"));
    c.add(
        put(
            "health",
            "/v1/services/web/instances/x",
            "{\"address\":\"h\",\"health\":\"fine\"}",
            400,
            "health"));
    c.add(
        put(
            "kind",
            "/v1/services/web/instances/x",
            "{\"address\":\"h\",\"kind\":\"ephemeral\"}",
            400,
            "session"));
    c.add(
        put(
            "unknown field",
            "/v1/services/web/instances/x",
            "{\"address\":\"h\",\"weigth\":5}",
            400,
            "weigth"));
    c.add(
        put(
            "service mismatch",
            "/v1/services/web/instances/x",
            "{\"address\":\"h\",\"service\":\"db\"}",
            400,
            "service"));
    c.add(
        put(
            "id mismatch",
            "/v1/services/web/instances/x",
            "{\"address\":\"h\",\"id\":\"y\"}",
            400,
            "id"));
    c.add(
        put(
            "unknown session",
            "/v1/services/web/instances/x?session=nope",
            OK_BODY,
            404,
            "session"));
    // bodies
    c.add(put("malformed JSON", "/v1/services/web/instances/x", "{\"address\":", 400, "body"));
    c.add(put("trailing garbage", "/v1/services/web/instances/x", OK_BODY + " x", 400, "body"));
    c.add(put("not an object", "/v1/services/web/instances/x", "[1]", 400, "body"));
    c.add(
        put(
            "duplicate key",
            "/v1/services/web/instances/x",
            "{\"address\":\"h\",\"address\":\"i\"}",
            400,
            "address"));
    c.add(put("empty body", "/v1/services/web/instances/x", "", 400, "body"));
    c.add(
        new Case(
            "text/plain",
            "PUT",
            "/v1/services/web/instances/x",
            "text/plain",
            OK_BODY,
            415,
            "INVALID_ARGUMENT",
            "content-type"));
    c.add(
        new Case(
            "no content type",
            "PUT",
            "/v1/services/web/instances/x",
            null,
            OK_BODY,
            415,
            "INVALID_ARGUMENT",
            "content-type"));
    c.add(
        put(
            "body over limit",
            "/v1/services/web/instances/x",
            "{\"address\":\"h\",\"x\":\"" + "x".repeat(Limits.MAX_REQUEST_BYTES) + "\"}",
            413,
            "body"));
    // sessions
    c.add(post("negative ttl", "/v1/sessions", "{\"ttl\":\"-5s\"}", 400, "ttl"));
    c.add(post("zero ttl", "/v1/sessions", "{\"ttl\":\"0s\"}", 400, "ttl"));
    c.add(post("ttl too long", "/v1/sessions", "{\"ttl\":\"301s\"}", 400, "ttl"));
    c.add(post("huge ttl", "/v1/sessions", "{\"ttl\":\"999999999m\"}", 400, "ttl"));
    c.add(post("ttl without unit", "/v1/sessions", "{\"ttl\":\"10\"}", 400, "ttl"));
    c.add(post("ttl as number", "/v1/sessions", "{\"ttl\":10}", 400, "ttl"));
    c.add(
        post(
            "ttl past long millis",
            "/v1/sessions",
            "{\"ttl\":\"PT9223372036854775807S\"}",
            400,
            "ttl"));
    c.add(
        new Case(
            "renew unknown session",
            "PUT",
            "/v1/sessions/nope/renew",
            null,
            null,
            404,
            "NOT_FOUND",
            "session"));
    c.add(
        new Case(
            "delete unknown session",
            "DELETE",
            "/v1/sessions/nope",
            null,
            null,
            404,
            "NOT_FOUND",
            "session"));
    // reads, long-poll, watch
    c.add(get("future index", "/v1/services/web/instances?index=999999&wait=1s", 400, "index"));
    c.add(get("negative index", "/v1/services/web/instances?index=-1", 400, "index"));
    c.add(get("index not a number", "/v1/services?index=abc", 400, "index"));
    c.add(get("services future index", "/v1/services?index=999999", 400, "index"));
    c.add(get("wait without unit", "/v1/services?index=1&wait=30", 400, "wait"));
    c.add(get("wait unknown unit", "/v1/services?index=1&wait=5d", 400, "wait"));
    c.add(
        get(
            "wait past long millis",
            "/v1/services/web/instances?index=1&wait=PT9223372036854775807S",
            400,
            "wait"));
    c.add(get("watch future index", "/v1/watch/services/web?index=999999", 400, "index"));
    c.add(get("healthy=yes", "/v1/services/web/instances?healthy=yes", 400, "healthy"));
    c.add(get("illegal tag filter", "/v1/services/web/instances?tag=A+B", 400, "tag"));
    c.add(get("unknown parameter", "/v1/services/web/instances?tags=v1", 400, "tags"));
    // routing
    c.add(new Case("unknown path", "GET", "/v1/nope", null, null, 404, "NOT_FOUND", "path"));
    c.add(new Case("unknown version", "GET", "/v2/services", null, null, 404, "NOT_FOUND", "path"));
    c.add(
        new Case("unknown console file", "GET", "/ui/nope", null, null, 404, "NOT_FOUND", "path"));
    c.add(
        new Case(
            "POST services",
            "POST",
            "/v1/services",
            JSON,
            "{}",
            405,
            "INVALID_ARGUMENT",
            "method"));
    c.add(
        new Case(
            "DELETE status",
            "DELETE",
            "/v1/status",
            null,
            null,
            405,
            "INVALID_ARGUMENT",
            "method"));
    c.add(
        new Case(
            "GET sessions", "GET", "/v1/sessions", null, null, 405, "INVALID_ARGUMENT", "method"));
    return c.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void isRefusedAndChangesNothing(Case c) {
    HttpRequest.Builder b = api.request(c.path());
    if (c.contentType() != null) {
      b.header("Content-Type", c.contentType());
    }
    b.method(
        c.method(),
        c.body() == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(c.body()));

    Reply r = api.send(b.build());

    assertThat(r.status()).as(r.body()).isEqualTo(c.status());
    assertThat(r.raw().headers().firstValue("Content-Type")).hasValue(JSON);
    assertThat(r.errorCode()).isEqualTo(c.code());
    assertThat(r.errorField()).isEqualTo(c.field());
    assertThat(r.json().at("/error/message").asText())
        .startsWith(c.field().equals("path") ? "path" : "");
    assertUnchanged();
  }

  @Test
  void messagesSayWhatIsWrongWithAPortOrALongTag() {
    Reply port = api.register("web", "p", "{\"address\":\"h\",\"ports\":{\"http\":\"5000\"}}");
    assertThat(port.status()).isEqualTo(400);
    assertThat(port.json().at("/error/message").asText())
        .isEqualTo("ports.http: \"5000\" (expected: a number in 1..65535, not a string)");
    Reply tag =
        api.register("web", "t", "{\"address\":\"h\",\"tags\":[\"" + "t".repeat(300) + "\"]}");
    assertThat(tag.status()).isEqualTo(400);
    assertThat(tag.json().at("/error/message").asText()).contains("...\" (300 chars)");
  }

  @Test
  void methodNotAllowedListsTheAllowedMethods() {
    Reply r =
        api.send(
            api.request("/v1/services/web/instances/a")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());

    assertThat(r.status()).isEqualTo(405);
    assertThat(r.raw().headers().firstValue("Allow")).hasValue("GET, HEAD, PUT, DELETE");
  }

  @Test
  void badNamespaceHeaderIsRefused() {
    Reply r =
        api.send(
            api.request("/v1/services/web/instances")
                .header("X-Cairn-Namespace", "No Such")
                .GET()
                .build());

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.errorField()).isEqualTo("namespace");
    assertUnchanged();
  }

  @Test
  void errorMessagesNameFieldValueAndExpectation() {
    Reply r = api.register("web", "x", "{\"address\":\"h\",\"weight\":0}");

    assertThat(r.json().at("/error/message").asText()).isEqualTo("weight: 0 (expected: 1..10000)");
  }

  @Test
  void chunkedBodyOverLimitIs413AndClosesTheConnection() throws Exception {
    try (RawHttp http = new RawHttp(api.server().localAddress().getPort())) {
      String chunk = "x".repeat(16 * 1024);
      StringBuilder req =
          new StringBuilder(
              "PUT /v1/services/web/instances/x HTTP/1.1\r\nHost: x\r\n"
                  + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
      for (int i = 0; i < 5; i++) {
        req.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
      }
      http.write(req.toString());

      RawHttp.Response r = http.read();
      assertThat(r.status()).isEqualTo(413);
      assertThat(r.body()).contains("\"field\":\"body\"");
      assertThat(http.closedByServer()).isTrue();
    }
    assertUnchanged();
  }

  @Test
  void declaredBodyOverLimitKeepsTheConnection() throws Exception {
    try (RawHttp http = new RawHttp(api.server().localAddress().getPort())) {
      int length = Limits.MAX_REQUEST_BYTES + 1;
      http.write(
          "PUT /v1/services/web/instances/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              + "Content-Length: "
              + length
              + "\r\n\r\n"
              + "x".repeat(length)
              + "GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n");

      assertThat(http.read().status()).isEqualTo(413);
      assertThat(http.read().status()).isEqualTo(200);
    }
    assertUnchanged();
  }

  @Test
  void badPercentEncodingIs400() throws Exception {
    try (RawHttp http = new RawHttp(api.server().localAddress().getPort())) {
      http.write(
          "GET /v1/services/we%zz/instances HTTP/1.1\r\nHost: x\r\n\r\n"
              + "GET /v1/services?namespace=%zz HTTP/1.1\r\nHost: x\r\n\r\n");

      RawHttp.Response path = http.read();
      RawHttp.Response query = http.read();
      assertThat(path.status()).isEqualTo(400);
      assertThat(path.body()).contains("\"field\":\"path\"");
      assertThat(query.status()).isEqualTo(400);
      assertThat(query.body()).contains("\"field\":\"query\"");
    }
    assertUnchanged();
  }

  @Test
  void malformedHttpIs400AndCloses() throws Exception {
    try (RawHttp http = new RawHttp(api.server().localAddress().getPort())) {
      http.write("GET /v1/status HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n");

      RawHttp.Response r = http.read();
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.body()).contains("INVALID_ARGUMENT");
      assertThat(http.closedByServer()).isTrue();
    }
    assertUnchanged();
  }

  private void assertUnchanged() {
    assertThat(api.registry().revision()).isEqualTo(revisionBefore);
    assertThat(api.get("/v1/services/web/instances").body()).isEqualTo(before);
    assertThat(api.get("/v1/status").status()).isEqualTo(200);
  }

  private static Case put(String name, String path, String body, int status, String field) {
    return new Case(name, "PUT", path, JSON, body, status, code(status), field);
  }

  private static Case post(String name, String path, String body, int status, String field) {
    return new Case(name, "POST", path, JSON, body, status, code(status), field);
  }

  private static Case get(String name, String path, int status, String field) {
    return new Case(name, "GET", path, null, null, status, code(status), field);
  }

  private static String code(int status) {
    return status == 404 ? "NOT_FOUND" : "INVALID_ARGUMENT";
  }

  private static String tags(int n) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : ",").append("\"t").append(i).append('"');
    }
    return b.append(']').toString();
  }

  private static String metadata(int n) {
    StringBuilder b = new StringBuilder("{");
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
    }
    return b.append('}').toString();
  }
}
