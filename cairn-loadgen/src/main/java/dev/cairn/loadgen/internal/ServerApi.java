package dev.cairn.loadgen.internal;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.OptionalLong;

/** The few HTTP reads the workloads make besides their load: status and one instance list. */
final class ServerApi {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final Target target;
  private final HttpClient http;

  ServerApi(Target target) {
    this.target = requireNonNull(target, "target");
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5));
    if (target.tls() != null) {
      b.sslContext(target.tls().jdk());
    }
    this.http = b.build();
  }

  /** {@code GET /v1/status}. */
  JsonNode status() throws IOException, InterruptedException {
    return getJson("/v1/status");
  }

  /** The server's process id, from {@code GET /v1/status}; empty when it does not say. */
  OptionalLong pid() throws IOException, InterruptedException {
    JsonNode pid = status().get("pid");
    return pid != null && pid.canConvertToLong()
        ? OptionalLong.of(pid.asLong())
        : OptionalLong.empty();
  }

  /** The number of instances the server holds (all namespaces). */
  long instanceCount() throws IOException, InterruptedException {
    return status().path("instances").asLong(-1);
  }

  /**
   * Polls the instance count every 50 ms until it is {@code expected} or {@code timeout} passes;
   * returns whether it got there. For checking clean-up, not for measuring.
   */
  boolean awaitInstanceCount(long expected, Duration timeout)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (instanceCount() == expected) {
        return true;
      }
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(50);
    }
  }

  /**
   * The value of a counter or gauge without labels in {@code GET /metrics} (Prometheus text), e.g.
   * {@code cairn_raft_leader_changes_total}; -1 when the server does not export it (a single node
   * has no Raft metrics).
   */
  double metric(String name) throws IOException, InterruptedException {
    String text = new String(get("/metrics"), java.nio.charset.StandardCharsets.UTF_8);
    for (String line : text.split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{} ")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1).trim());
      }
    }
    return -1;
  }

  /** Leader changes this member has seen ({@code cairn_raft_leader_changes_total}); -1: none. */
  long leaderChanges() throws IOException, InterruptedException {
    return (long) metric("cairn_raft_leader_changes_total");
  }

  /** This member's Raft term ({@code cairn_raft_term}); -1: none. */
  long term() throws IOException, InterruptedException {
    return (long) metric("cairn_raft_term");
  }

  /** {@code GET /v1/services/{service}/instances} in {@code namespace}. */
  JsonNode instances(String namespace, String service) throws IOException, InterruptedException {
    return getJson("/v1/services/" + service + "/instances?namespace=" + namespace);
  }

  /** The body of {@code GET pathAndQuery}, which must answer 200. */
  byte[] get(String pathAndQuery) throws IOException, InterruptedException {
    return get(pathAndQuery, false);
  }

  /**
   * The body of {@code GET pathAndQuery} as sent, asking for gzip when {@code gzip}; it must answer
   * 200, and gzipped when asked to.
   */
  byte[] get(String pathAndQuery, boolean gzip) throws IOException, InterruptedException {
    HttpRequest.Builder request =
        withToken(HttpRequest.newBuilder(target.http(pathAndQuery)).timeout(TIMEOUT).GET());
    if (gzip) {
      request.header("Accept-Encoding", "gzip");
    }
    HttpResponse<byte[]> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    if (gzip
        && response.statusCode() == 200
        && !response.headers().firstValue("Content-Encoding").orElse("").equalsIgnoreCase("gzip")) {
      throw new IOException("GET " + pathAndQuery + ": not gzipped although asked to");
    }
    if (response.statusCode() != 200) {
      throw new IOException(
          "GET " + pathAndQuery + ": HTTP " + response.statusCode() + " (expected: 200)");
    }
    return response.body();
  }

  private HttpRequest.Builder withToken(HttpRequest.Builder b) {
    return target.token() == null ? b : b.header("X-Cairn-Token", target.token());
  }

  private JsonNode getJson(String pathAndQuery) throws IOException, InterruptedException {
    return JSON.readTree(get(pathAndQuery));
  }
}
