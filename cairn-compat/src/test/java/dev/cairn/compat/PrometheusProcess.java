package dev.cairn.compat;

import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A real Prometheus server (Debian's {@code prometheus} package, which {@code .ci/run} installs)
 * with a given scrape configuration, on a free loopback port, its data in a temporary directory.
 * Without the binary a test skips, except on CI, where it fails.
 */
final class PrometheusProcess implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final Process process;
  private final URI base;
  private final Path dir;

  private PrometheusProcess(Process process, URI base, Path dir) {
    this.process = process;
    this.base = base;
    this.dir = dir;
  }

  /** Starts Prometheus with {@code scrapeConfigs} (YAML list items under scrape_configs). */
  static PrometheusProcess start(String scrapeConfigs) throws IOException {
    Path binary = binary();
    Path dir = Files.createTempDirectory("cairn-prometheus");
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(
        config,
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n"
            + scrapeConfigs);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Process p =
        new ProcessBuilder(
                binary.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    PrometheusProcess prometheus =
        new PrometheusProcess(p, URI.create("http://127.0.0.1:" + port), dir);
    try {
      Awaitility.await("prometheus ready")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .until(prometheus::ready);
    } catch (RuntimeException e) {
      prometheus.close();
      throw new IllegalStateException("prometheus did not start; log:\n" + prometheus.log(), e);
    }
    return prometheus;
  }

  /** The active targets, as {@code /api/v1/targets} lists them. */
  List<JsonNode> activeTargets() throws IOException, InterruptedException {
    JsonNode body = get("/api/v1/targets?state=active");
    List<JsonNode> targets = new ArrayList<>();
    body.path("data").path("activeTargets").forEach(targets::add);
    return targets;
  }

  /** The value of an instant PromQL query's first sample, or NaN when it has none. */
  double query(String promql) throws IOException, InterruptedException {
    JsonNode result =
        get("/api/v1/query?query=" + java.net.URLEncoder.encode(promql, "UTF-8"))
            .path("data")
            .path("result");
    return result.isEmpty() ? Double.NaN : result.get(0).path("value").get(1).asDouble();
  }

  String log() {
    try {
      return Files.readString(dir.resolve("prometheus.log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private boolean ready() {
    if (!process.isAlive()) {
      throw new IllegalStateException("prometheus exited: " + process.exitValue());
    }
    try {
      HttpResponse<Void> r =
          HTTP.send(
              HttpRequest.newBuilder(base.resolve("/-/ready")).build(),
              HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private JsonNode get(String pathAndQuery) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base + pathAndQuery)).build(),
            HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }

  private static Path binary() {
    for (String candidate : List.of("/usr/bin/prometheus", "/usr/local/bin/prometheus")) {
      Path p = Path.of(candidate);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    if (System.getenv("CI") != null) {
      fail("prometheus is not installed: .ci/run installs Debian's prometheus package");
    }
    assumeTrue(false, "prometheus is not installed (apt-get install prometheus): test skipped");
    throw new AssertionError("unreachable");
  }
}
