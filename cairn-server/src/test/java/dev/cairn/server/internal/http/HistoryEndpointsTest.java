package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.server.CairnServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The console's history endpoints against a real server (decision 0153). */
class HistoryEndpointsTest {

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

  @Test
  void eventsSayWhatHappenedToEachInstanceWithRevisionAndTime() throws Exception {
    long r1 = put("/v1/services/web/instances/web-1", "{\"address\":\"10.0.0.1\"}");
    put("/v1/services/web/instances/web-1", "{\"address\":\"10.0.0.1\",\"tags\":[\"v2\"]}");
    put(
        "/v1/services/web/instances/web-1",
        "{\"address\":\"10.0.0.1\",\"tags\":[\"v2\"],\"health\":\"warning\"}");
    put("/v1/services/web/instances/web-1/health", "{\"health\":\"critical\"}");
    put("/v1/services/api/instances/api-1?namespace=staging", "{\"address\":\"10.0.0.2\"}");
    HttpResponse<String> removed = send("DELETE", "/v1/services/web/instances/web-1", null);
    assertThat(removed.statusCode()).isEqualTo(200);

    JsonNode all = get("/v1/history/events", 200);
    List<String> seen = new ArrayList<>();
    for (JsonNode e : all.get("events")) {
      seen.add(
          e.get("type").asText()
              + " "
              + e.get("service").asText()
              + "/"
              + e.get("id").asText()
              + " "
              + e.get("health").asText()
              + " "
              + e.path("previousHealth").asText("-"));
      assertThat(e.get("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
    }
    assertThat(seen)
        .containsExactly(
            "registered web/web-1 passing -",
            "updated web/web-1 passing -",
            "health web/web-1 warning passing",
            "health web/web-1 critical warning",
            "removed web/web-1 critical -");
    assertThat(all.get("events").get(0).get("revision").asLong()).isEqualTo(r1);
    assertThat(all.get("truncated").asBoolean()).isFalse();

    JsonNode newest = get("/v1/history/events?after=" + r1 + "&limit=2", 200);
    assertThat(newest.get("events")).hasSize(2);
    assertThat(newest.at("/events/0/type").asText()).isEqualTo("health");
    assertThat(newest.get("events").get(1).get("type").asText()).isEqualTo("removed");
    assertThat(newest.get("truncated").asBoolean()).isTrue();
    JsonNode staging = get("/v1/history/events?namespace=staging", 200);
    assertThat(staging.get("events")).hasSize(1);
    assertThat(staging.at("/events/0/id").asText()).isEqualTo("api-1");
  }

  @Test
  void badParametersAreRefusedNamingThem() throws Exception {
    assertThat(get("/v1/history/events?limit=0", 400).at("/error/field").asText())
        .isEqualTo("limit");
    assertThat(get("/v1/history/events?limit=1001", 400).at("/error/field").asText())
        .isEqualTo("limit");
    assertThat(get("/v1/history/events?after=x", 400).at("/error/field").asText())
        .isEqualTo("after");
    assertThat(get("/v1/history/server?x=1", 400).at("/error/field").asText()).isEqualTo("x");
    assertThat(get("/v1/history/services?namespace=Bad_Name", 400).at("/error/field").asText())
        .isEqualTo("namespace");
  }

  @Test
  void serverHistoryCountsPushesToWatchersAndServiceHistoryHasTheShapeOfItsTimes()
      throws Exception {
    HttpResponse<InputStream> watch =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/v1/watch/services/web")).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream stream = watch.body()) {
      // The watch's first snapshot is taken when it is delivered: a write before that is in the
      // snapshot, not pushed. So write once the snapshot arrived.
      BufferedReader events =
          new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
      CompletableFuture<String> snapshot =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  for (String line = events.readLine(); line != null; line = events.readLine()) {
                    if (line.startsWith("event: ")) {
                      return line;
                    }
                  }
                  return "end of stream";
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
      assertThat(snapshot.get(10, TimeUnit.SECONDS)).isEqualTo("event: snapshot");
      put("/v1/services/web/instances/web-1", "{\"address\":\"10.0.0.1\"}");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> {
                JsonNode h = get("/v1/history/server", 200);
                long pushes = h.at("/current/pushes").asLong();
                for (JsonNode p : h.get("pushes")) {
                  pushes += p.asLong();
                }
                return pushes >= 1;
              });
    }
    JsonNode server = get("/v1/history/server", 200);
    assertThat(server.get("stepSeconds").asInt()).isEqualTo(10);
    int steps = server.get("times").size();
    for (String f : List.of("writesPerSecond", "pushes", "pushLagMeanMillis", "pushLagMaxMillis")) {
      assertThat(server.get(f)).as(f).hasSize(steps);
    }
    JsonNode services = get("/v1/history/services", 200);
    assertThat(services.get("stepSeconds").asInt()).isEqualTo(60);
    assertThat(services.get("times").size()).isBetween(1, 60); // sampled at the start
    for (JsonNode s : services.get("services")) {
      assertThat(s.get("instances")).hasSize(services.get("times").size());
      assertThat(s.get("passing")).hasSize(services.get("times").size());
    }
  }

  private long put(String path, String json) throws Exception {
    HttpResponse<String> r = send("PUT", path, json);
    assertThat(r.statusCode()).as("PUT %s: %s", path, r.body()).isEqualTo(200);
    return JSON.readTree(r.body()).path("revision").asLong();
  }

  private JsonNode get(String path, int status) throws Exception {
    HttpResponse<String> r = send("GET", path, null);
    assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(status);
    return JSON.readTree(r.body());
  }

  private HttpResponse<String> send(String method, String path, String json) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
    if (json == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(json));
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
