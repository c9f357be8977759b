package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Instance;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The HTTP/1 framing rules of the API, over raw sockets: what a proxy in front of it or a broken
 * client may send. Every refusal is answered with the API's error body and, where the bytes that
 * follow cannot be trusted, ends the connection without serving them.
 */
class HttpProtocolTest {

  /** A request that must never be served when it follows a refused one on the same connection. */
  private static final String SMUGGLED =
      "DELETE /v1/services/web/instances/a HTTP/1.1\r\nHost: x\r\n\r\n";

  @RegisterExtension final HttpApiFixture api = new HttpApiFixture();

  @BeforeEach
  void seed() {
    api.registry().register("default", Instance.builder("web", "10.0.0.1").id("a").build()).join();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "gzip | 400",
        "identity | 400",
        "chunked, gzip | 400",
        "gzip, chunked | 501",
      })
  void aTransferCodingOtherThanChunkedIsRefusedAndTheBytesAfterItAreNeverServed(
      String coding, int status) throws Exception {
    try (RawHttp http = raw()) {
      http.write(
          "PUT /v1/services/web/instances/b HTTP/1.1\r\nHost: x\r\n"
              + "Content-Type: application/json\r\nTransfer-Encoding: "
              + coding
              + "\r\n\r\n"
              + SMUGGLED);

      RawHttp.Response r = http.read();
      assertThat(r.status()).isEqualTo(status);
      // Named by Cairn's check, or by Netty's decoder for a coding after chunked.
      assertThat(r.body()).containsIgnoringCase("transfer-encoding").contains("INVALID_ARGUMENT");
      assertThat(r.head()).containsIgnoringCase("connection: close");
      assertThat(http.closedByServer()).isTrue();
    }
    assertThat(ids()).containsExactly("a");
  }

  @Test
  void transferEncodingBesideContentLengthIsRefused() throws Exception {
    String body = "{\"address\":\"10.0.0.2\"}";
    try (RawHttp http = raw()) {
      http.write(
          "PUT /v1/services/web/instances/b HTTP/1.1\r\nHost: x\r\n"
              + "Content-Type: application/json\r\nContent-Length: 4\r\n"
              + "Transfer-Encoding: chunked\r\n\r\n"
              + Integer.toHexString(body.length())
              + "\r\n"
              + body
              + "\r\n0\r\n\r\n"
              + SMUGGLED);

      RawHttp.Response r = http.read();
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.body()).contains("Content-Length", "Transfer-Encoding");
      assertThat(http.closedByServer()).isTrue();
    }
    assertThat(ids()).containsExactly("a");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"HTTP/9.9", "HTTP/2.0", "HTTP/1.2", "HTTP/0.9"})
  void aVersionOtherThanHttp1Is505(String version) throws Exception {
    try (RawHttp http = raw()) {
      http.write("GET /v1/status " + version + "\r\nHost: x\r\n\r\n" + SMUGGLED);

      RawHttp.Response r = http.read();
      assertThat(r.status()).isEqualTo(505);
      assertThat(r.body()).contains("\"field\":\"version\"", version);
      assertThat(http.closedByServer()).isTrue();
    }
    assertThat(ids()).containsExactly("a");
  }

  @Test
  void theHttp2PrefaceIs505() throws Exception {
    try (RawHttp http = raw()) {
      http.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

      assertThat(http.read().status()).isEqualTo(505);
      assertThat(http.closedByServer()).isTrue();
    }
  }

  @Test
  void http10IsServed() throws Exception {
    try (RawHttp http = raw()) {
      http.write("GET /v1/status HTTP/1.0\r\n\r\n");

      assertThat(http.read().status()).isEqualTo(200);
    }
  }

  @Test
  void aRefusedRequestIsAnsweredInItsTurnAfterTheRequestsBeforeIt() throws Exception {
    long index = api.registry().revision();
    try (RawHttp http = raw()) {
      http.write(
          "GET /v1/services/web/instances?index="
              + index
              + "&wait=1m HTTP/1.1\r\nHost: x\r\n\r\n"
              + "GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n"
              + "GET /v1/status HTTP/9.9\r\nHost: x\r\n\r\n"
              + SMUGGLED);
      await().atMost(Duration.ofSeconds(10)).until(() -> api.server().pendingPolls() == 1);
      api.registry().register("default", Instance.builder("web", "10.0.0.2").id("b").build());

      RawHttp.Response poll = http.read();
      assertThat(poll.status()).isEqualTo(200);
      assertThat(poll.body()).contains("\"b\"");
      assertThat(http.read().body()).contains("\"version\"");
      assertThat(http.read().status()).isEqualTo(505);
      assertThat(http.closedByServer()).isTrue();
    }
    assertThat(ids()).containsExactly("a", "b");
  }

  @Test
  void aLongPollFollowedByManyPipelinedRequestsAnswersEveryOneInOrder() throws Exception {
    int pipelined = 3 * HttpApiHandler.MAX_QUEUED_REQUESTS + 1;
    long index = api.registry().revision();
    StringBuilder requests =
        new StringBuilder(
            "GET /v1/services/web/instances?index="
                + index
                + "&wait=1m HTTP/1.1\r\nHost: x\r\n\r\n");
    for (int i = 0; i < pipelined; i++) {
      requests.append("GET /v1/services/web/instances/a?n").append(i).append("=x");
      requests.append(" HTTP/1.1\r\nHost: x\r\n\r\n");
    }
    try (RawHttp http = raw()) {
      http.write(requests.toString());
      await().atMost(Duration.ofSeconds(10)).until(() -> api.server().pendingPolls() == 1);
      api.registry().register("default", Instance.builder("web", "10.0.0.2").id("b").build());

      assertThat(http.read().body()).contains("\"b\"");
      for (int i = 0; i < pipelined; i++) {
        RawHttp.Response r = http.read();
        // Each answer names its request's unknown parameter: the answers come in request order.
        assertThat(r.status()).as("request %d", i).isEqualTo(400);
        assertThat(r.body()).as("request %d", i).contains("\"field\":\"n" + i + "\"");
      }
      http.write("GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(http.read().status()).isEqualTo(200);
    }
  }

  @Test
  void aRequestLineTooLongIs414() throws Exception {
    try (RawHttp http = raw()) {
      http.write(
          "GET /v1/services/" + "x".repeat(HttpApiServer.MAX_REQUEST_LINE_BYTES) + " HTTP/1.1\r\n");

      RawHttp.Response r = http.read();
      assertThat(r.status()).isEqualTo(414);
      assertThat(http.closedByServer()).isTrue();
    }
  }

  @Test
  void headersTooLargeAre431() throws Exception {
    try (RawHttp http = raw()) {
      http.write(
          "GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Big: "
              + "x".repeat(HttpApiServer.MAX_HEADER_BYTES)
              + "\r\n\r\n");

      RawHttp.Response r = http.read();
      assertThat(r.status()).isEqualTo(431);
      assertThat(r.body()).contains("\"field\":\"headers\"");
      assertThat(http.closedByServer()).isTrue();
    }
  }

  @Test
  void aMadeUpMethodIs405AndTheConnectionServesOn() throws Exception {
    try (RawHttp http = raw()) {
      http.write(
          "BREW /v1/status HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n");

      RawHttp.Response r = http.read();
      assertThat(r.status()).isEqualTo(405);
      assertThat(r.head()).containsIgnoringCase("allow: GET");
      assertThat(http.read().status()).isEqualTo(200);
    }
  }

  @Test
  void aBodyOverTheLimitThatWaitsFor100ContinueIsRefusedWithTheErrorBody() throws Exception {
    try (RawHttp http = raw()) {
      // What curl sends before a large --data-binary: the head, then it waits for 100 Continue.
      http.write(
          "PUT /v1/services/web/instances/b HTTP/1.1\r\nHost: x\r\n"
              + "Content-Type: application/json\r\nExpect: 100-continue\r\n"
              + "Content-Length: 10485760\r\n\r\n");

      RawHttp.Response r = http.read();
      assertThat(r.status()).isEqualTo(413);
      assertThat(r.head())
          .containsIgnoringCase("content-type: application/json")
          .containsIgnoringCase("connection: close");
      assertThat(r.body())
          .isEqualTo(
              "{\"error\":{\"code\":\"INVALID_ARGUMENT\",\"field\":\"body\","
                  + "\"message\":\"body: 10485760 bytes (expected: <= 65536 bytes)\"}}");
      // Its body was never asked for: where the next request would start is unknown.
      assertThat(http.closedByServer()).isTrue();
    }
    assertThat(ids()).containsExactly("a");
  }

  @Test
  void aBodyWithinTheLimitThatWaitsFor100ContinueGetsIt() throws Exception {
    String body = "{\"address\":\"10.0.0.2\"}";
    try (RawHttp http = raw()) {
      http.write(
          "PUT /v1/services/web/instances/b HTTP/1.1\r\nHost: x\r\n"
              + "Content-Type: application/json\r\nExpect: 100-continue\r\n"
              + "Content-Length: "
              + body.length()
              + "\r\n\r\n");
      assertThat(http.readHead()).startsWith("HTTP/1.1 100 Continue");
      http.write(body);

      assertThat(http.read().status()).isEqualTo(200);
    }
    assertThat(ids()).containsExactly("a", "b");
  }

  @Test
  void headIsAnsweredAsGetWithoutTheBody() throws Exception {
    try (RawHttp http = raw()) {
      http.write(
          "HEAD /v1/services/web/instances HTTP/1.1\r\nHost: x\r\n\r\n"
              + "GET /v1/services/web/instances HTTP/1.1\r\nHost: x\r\n\r\n"
              + "HEAD /v1/services/web/instances/nope HTTP/1.1\r\nHost: x\r\n\r\n"
              + "GET /v1/services/web/instances/nope HTTP/1.1\r\nHost: x\r\n\r\n"
              + "HEAD /v1/status HTTP/1.1\r\nHost: x\r\n\r\n"
              + "GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n");

      String head = http.readHead();
      RawHttp.Response get = http.read();
      String missingHead = http.readHead();
      RawHttp.Response missing = http.read();
      String statusHead = http.readHead();
      RawHttp.Response status = http.read();

      // Same status and headers, Content-Length and X-Cairn-Index included; no body (the next
      // answer follows the head at once).
      assertThat(head)
          .isEqualTo(get.head())
          .containsIgnoringCase("content-length: " + get.body().length() + "\r\n")
          .contains("X-Cairn-Index: ");
      assertThat(get.body()).contains("\"id\":\"a\"");
      assertThat(missingHead).isEqualTo(missing.head()).startsWith("HTTP/1.1 404");
      assertThat(missing.body()).contains("\"field\":\"id\"");
      assertThat(statusHead).startsWith("HTTP/1.1 200").containsIgnoringCase("content-length: ");
      assertThat(status.status()).isEqualTo(200);
    }
  }

  @Test
  void headIsNotAnsweredOnAnEventStream() throws Exception {
    try (RawHttp http = raw()) {
      http.write(
          "HEAD /v1/watch/services/web HTTP/1.1\r\nHost: x\r\n\r\n"
              + "GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n");

      String head = http.readHead();
      assertThat(head).startsWith("HTTP/1.1 405").containsIgnoringCase("allow: GET\r\n");
      assertThat(http.read().status()).isEqualTo(200);
    }
  }

  private RawHttp raw() throws java.io.IOException {
    return new RawHttp(api.server().localAddress().getPort());
  }

  private java.util.List<String> ids() {
    return api.registry().service("default", "web").instances().stream()
        .map(Instance::id)
        .sorted()
        .toList();
  }
}
