package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.server.CairnServer;
import dev.cairn.server.internal.limits.RequestRateLimit;
import dev.cairn.testing.clock.FakeTicker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Request-rate and session limits over real sockets: 429 {@code RESOURCE_EXHAUSTED} with {@code
 * Retry-After} (decision 0170).
 */
class AbuseLimitsTest {

  private static final FakeTicker TICKER = FakeTicker.create();

  @RegisterExtension
  final HttpApiFixture api =
      new HttpApiFixture(
          HttpApiSettings.defaults()
              .withRequestRate(new RequestRateLimit(1, 2, TICKER))
              .withMaxSessionsPerClient(1_000));

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return http.send(
        b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return send(HttpRequest.newBuilder(api.uri(path)));
  }

  @Test
  void aClientOverItsRateGets429WithRetryAfterUntilItsBucketRefills() throws Exception {
    assertThat(get("/v1/services").statusCode()).isEqualTo(200);
    assertThat(get("/v1/services").statusCode()).isEqualTo(200);
    HttpResponse<String> refused = get("/v1/services");
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
    JsonNode error = HttpApiFixture.JSON.readTree(refused.body()).get("error");
    assertThat(error.get("code").asText()).isEqualTo("RESOURCE_EXHAUSTED");
    assertThat(error.get("field").asText()).isEqualTo("rate");
    assertThat(error.get("message").asText()).contains("127.0.0.1").contains("1.0 requests");

    TICKER.advance(Duration.ofSeconds(1));
    assertThat(get("/v1/services").statusCode()).isEqualTo(200);
  }

  @Test
  void withAclsEachTokenHasItsOwnRateAndClientsWithoutOneShareTheirAddresss() throws Exception {
    try (CairnServer server =
        CairnServer.builder()
            .inMemory()
            .httpPort(0)
            .grpcPort(0)
            .acl(true)
            .rateLimit(0.001, 3) // three requests, then one every 1,000 s: nothing refills here
            .start()) {
      String base = "http://127.0.0.1:" + server.httpAddress().getPort();
      HttpResponse<String> boot =
          send(
              HttpRequest.newBuilder(URI.create(base + "/v1/acl/bootstrap"))
                  .POST(HttpRequest.BodyPublishers.noBody()));
      assertThat(boot.statusCode()).isEqualTo(200);
      String secret = HttpApiFixture.JSON.readTree(boot.body()).get("secret").asText();
      // The address has used one of its three; the token has its own three.
      for (int i = 0; i < 3; i++) {
        assertThat(
                send(HttpRequest.newBuilder(URI.create(base + "/v1/services"))
                        .header("X-Cairn-Token", secret))
                    .statusCode())
            .isEqualTo(200);
      }
      HttpResponse<String> refused =
          send(
              HttpRequest.newBuilder(URI.create(base + "/v1/services"))
                  .header("X-Cairn-Token", secret));
      assertThat(refused.statusCode()).isEqualTo(429);
      assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow()))
          .isGreaterThanOrEqualTo(900);
      assertThat(refused.body()).contains("token ");
      // Without a token, the address still has two.
      assertThat(send(HttpRequest.newBuilder(URI.create(base + "/v1/status"))).statusCode())
          .isEqualTo(401);
      assertThat(send(HttpRequest.newBuilder(URI.create(base + "/v1/status"))).statusCode())
          .isEqualTo(401);
      assertThat(send(HttpRequest.newBuilder(URI.create(base + "/v1/status"))).statusCode())
          .isEqualTo(429);
    }
  }

  @Test
  void withAclsATokenHoldsAtMostItsWatchesAndSessions() throws Exception {
    try (CairnServer server =
        CairnServer.builder()
            .inMemory()
            .httpPort(0)
            .grpcPort(0)
            .acl(true)
            .maxPerToken(1, 1)
            .start()) {
      int port = server.httpAddress().getPort();
      String secret = server.registry().acls().bootstrap().join().secret();
      String base = "http://127.0.0.1:" + port;
      HttpRequest.Builder open =
          HttpRequest.newBuilder(URI.create(base + "/v1/sessions"))
              .header("X-Cairn-Token", secret)
              .POST(HttpRequest.BodyPublishers.noBody());
      assertThat(send(open).statusCode()).isEqualTo(200);
      HttpResponse<String> refused = send(open);
      assertThat(refused.statusCode()).isEqualTo(429);
      assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
      assertThat(refused.body()).contains("per token");

      String watch =
          "GET /v1/watch/services HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Cairn-Token: "
              + secret
              + "\r\n\r\n";
      try (RawHttp first = new RawHttp(port);
          RawHttp second = new RawHttp(port)) {
        first.write(watch);
        assertThat(first.readHead()).startsWith("HTTP/1.1 200");
        second.write(watch);
        RawHttp.Response r = second.read();
        assertThat(r.status()).isEqualTo(429);
        assertThat(r.head()).containsIgnoringCase("retry-after: 1");
        assertThat(r.body()).contains("per token");
        assertThat(HttpApiFixture.JSON.readTree(r.body()).get("error").get("field").asText())
            .isEqualTo("watches");
      }
    }
  }

  @Test
  void aClientAddressHoldsAtMostItsSessionsAndGetsRoomBackWhenOneCloses() throws Exception {
    try (CairnServer server =
        CairnServer.builder().inMemory().httpPort(0).grpcPort(0).maxSessionsPerClient(2).start()) {
      String base = "http://127.0.0.1:" + server.httpAddress().getPort();
      HttpRequest.Builder open =
          HttpRequest.newBuilder(URI.create(base + "/v1/sessions"))
              .POST(HttpRequest.BodyPublishers.noBody());
      JsonNode first = HttpApiFixture.JSON.readTree(send(open).body());
      assertThat(send(open).statusCode()).isEqualTo(200);
      HttpResponse<String> refused = send(open);
      assertThat(refused.statusCode()).isEqualTo(429);
      assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
      assertThat(HttpApiFixture.JSON.readTree(refused.body()).get("error").get("field").asText())
          .isEqualTo("sessions");
      assertThat(server.registry().sessionCount()).isEqualTo(2);

      HttpResponse<String> closed =
          send(
              HttpRequest.newBuilder(URI.create(base + "/v1/sessions/" + first.get("id").asText()))
                  .header("X-Cairn-Session-Secret", first.get("secret").asText())
                  .DELETE());
      assertThat(closed.statusCode()).isEqualTo(200);
      assertThat(send(open).statusCode()).isEqualTo(200);
    }
  }
}
