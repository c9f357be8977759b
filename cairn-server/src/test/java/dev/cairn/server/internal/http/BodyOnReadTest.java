package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Decision 0098, addendum of 2026-12-06, over a raw socket against a real server: a {@code GET} or
 * {@code HEAD} that announces a body ({@code Content-Length} over 0, or {@code Transfer-Encoding:
 * chunked}) is refused with 400 naming {@code body}, on the API, the console and {@code /metrics},
 * and the same connection serves the next request; {@code Content-Length: 0} is served.
 */
class BodyOnReadTest {

  @RegisterExtension final HttpApiFixture api = new HttpApiFixture();

  @BeforeEach
  void seed() {
    assertThat(api.register("web", "a", "{\"address\":\"10.0.0.1\",\"tags\":[\"v1\"]}").status())
        .isEqualTo(200);
    assertThat(api.register("web", "b", "{\"address\":\"10.0.0.2\",\"tags\":[\"v2\"]}").status())
        .isEqualTo(200);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/v1/services/web/instances", "/v1/services", "/metrics", "/ui/"})
  void aGetWithADeclaredBodyIsRefusedAndTheConnectionServesTheNext(String path) throws Exception {
    String filter = "{\"tag\":\"v1\"}";
    try (RawHttp http = new RawHttp(port())) {
      http.write(
          "GET "
              + path
              + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              + "Content-Length: "
              + filter.length()
              + "\r\n\r\n"
              + filter
              + "GET /v1/services/web/instances HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

      RawHttp.Response refused = http.read();
      RawHttp.Response next = http.read();

      assertRefused(
          refused,
          "body: Content-Length: 12 on a GET (expected: no body; a GET is answered from its path"
              + " and query parameters, which carry any filter)");
      assertThat(next.status()).as(next.body()).isEqualTo(200);
      assertThat(HttpApiFixture.JSON.readTree(next.body()).get("instances")).hasSize(2);
    }
  }

  @Test
  void aChunkedGetIsRefusedAndTheConnectionServesTheNext() throws Exception {
    try (RawHttp http = new RawHttp(port())) {
      http.write(
          "GET /v1/services/web/instances HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              + "Transfer-Encoding: chunked\r\n\r\n"
              + "c\r\n{\"tag\":\"v1\"}\r\n0\r\n\r\n"
              + "GET /v1/services/web/instances HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

      RawHttp.Response refused = http.read();
      RawHttp.Response next = http.read();

      assertRefused(
          refused,
          "body: Transfer-Encoding: chunked on a GET (expected: no body; a GET is answered from"
              + " its path and query parameters, which carry any filter)");
      assertThat(next.status()).as(next.body()).isEqualTo(200);
    }
  }

  @Test
  void aHeadWithABodyIsRefused() throws Exception {
    try (RawHttp http = new RawHttp(port())) {
      http.write(
          "HEAD /v1/services/web/instances HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              + "Content-Length: 2\r\n\r\n{}");

      String head = http.readHead();

      assertThat(head).startsWith("HTTP/1.1 400 ");
    }
  }

  @Test
  void aGetWithContentLengthZeroIsServed() throws Exception {
    try (RawHttp http = new RawHttp(port())) {
      http.write(
          "GET /v1/services/web/instances HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              + "Content-Length: 0\r\n\r\n");

      RawHttp.Response r = http.read();

      assertThat(r.status()).as(r.body()).isEqualTo(200);
    }
  }

  @Test
  void aRemovalWithABodyIsStillRefusedAndOneWithoutServed() throws Exception {
    try (RawHttp http = new RawHttp(port())) {
      http.write(
          "DELETE /v1/services/web/instances/b HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              + "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
              + "DELETE /v1/services/web/instances/a HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              + "Content-Length: 0\r\n\r\n");

      RawHttp.Response refused = http.read();
      RawHttp.Response removed = http.read();

      assertThat(refused.status()).as(refused.body()).isEqualTo(400);
      assertThat(HttpApiFixture.JSON.readTree(refused.body()).at("/error/field").asText())
          .isEqualTo("body");
      assertThat(removed.status()).as(removed.body()).isEqualTo(200);
    }
    assertThat(api.registry().service("default", "web").instances())
        .extracting(dev.cairn.common.Instance::id)
        .containsExactly("b");
  }

  private static void assertRefused(RawHttp.Response r, String message) throws Exception {
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    JsonNode error = HttpApiFixture.JSON.readTree(r.body()).get("error");
    assertThat(error.get("code").asText()).isEqualTo("INVALID_ARGUMENT");
    assertThat(error.get("field").asText()).isEqualTo("body");
    assertThat(error.get("message").asText()).isEqualTo(message);
  }

  private int port() {
    return api.server().localAddress().getPort();
  }
}
