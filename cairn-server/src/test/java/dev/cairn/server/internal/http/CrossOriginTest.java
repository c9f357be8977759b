package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.server.CairnServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Writes sent by a page of another origin are refused; the server's own pages and clients are not.
 */
class CrossOriginTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private CairnServer server;
  private String base;

  @BeforeEach
  void start() throws Exception {
    server = CairnServer.builder().inMemory().httpPort(0).grpcPort(0).start();
    base = "http://127.0.0.1:" + server.httpAddress().getPort();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> openSession(String origin) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + "/v1/sessions"))
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.noBody());
    if (origin != null) {
      b.header("Origin", origin);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aWriteFromAPageOfAnotherOriginIsRefusedNamingTheOrigin() throws Exception {
    for (String other :
        new String[] {
          "http://evil.example", "null", "http://127.0.0.1:1", "https://127.0.0.1", "file://"
        }) {
      HttpResponse<String> r = openSession(other);
      assertThat(r.statusCode()).as(other).isEqualTo(403);
      JsonNode error = JSON.readTree(r.body()).get("error");
      assertThat(error.get("code").asText()).isEqualTo("PERMISSION_DENIED");
      assertThat(error.get("field").asText()).isEqualTo("origin");
      assertThat(error.get("message").asText()).contains(other);
    }
    // Nothing was opened.
    assertThat(server.registry().sessionCount()).isZero();
  }

  @Test
  void theServersOwnPagesClientsWithoutAnOriginAndReadsAreServed() throws Exception {
    assertThat(openSession(base).statusCode()).isEqualTo(200);
    assertThat(openSession(null).statusCode()).isEqualTo(200);
    HttpResponse<String> read =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/v1/services"))
                .header("Origin", "http://evil.example")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(read.statusCode()).isEqualTo(200);
    // No CORS grant: a page of another origin cannot read the answer.
    assertThat(read.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }

  @Test
  void originsAreComparedByHostAndPortWithTheSchemesDefaultPort() {
    assertThat(Origins.sameAuthority("http://localhost:8500", "localhost:8500")).isTrue();
    assertThat(Origins.sameAuthority("http://LOCALHOST:8500", "localhost:8500")).isTrue();
    assertThat(Origins.sameAuthority("http://cairn.internal", "cairn.internal:80")).isTrue();
    assertThat(Origins.sameAuthority("https://cairn.internal", "cairn.internal")).isTrue();
    assertThat(Origins.sameAuthority("http://[::1]:8500", "[::1]:8500")).isTrue();
    assertThat(Origins.sameAuthority("http://localhost:8501", "localhost:8500")).isFalse();
    assertThat(Origins.sameAuthority("null", "localhost:8500")).isFalse();
    assertThat(Origins.sameAuthority("http://a b", "localhost:8500")).isFalse();
  }
}
