package dev.cairn.examples.walkthroughs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.server.CairnServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP clients of Python and Node.js ask for gzip by default ({@code requests}: {@code gzip,
 * deflate}; {@code fetch}: {@code gzip, deflate} and more): they get a service's instance list
 * gzipped (decision 0119) and read it as they read any JSON, with nothing Cairn-specific in their
 * code. Skips only when Python or Node.js is not installed.
 */
class GzipReadersTest {

  private static final int INSTANCES = 20;

  private CairnServer registry;
  private String listUrl;

  @BeforeEach
  void start() throws Exception {
    registry = CairnServer.builder().inMemory().httpPort(0).grpcPort(0).build().start();
    String base = "http://127.0.0.1:" + registry.httpAddress().getPort();
    HttpClient http = HttpClient.newHttpClient();
    for (int i = 0; i < INSTANCES; i++) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/v1/services/catalog/instances/c-" + i))
                  .header("Content-Type", "application/json")
                  .PUT(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"address\":\"10.0.0." + (i + 1) + "\",\"ports\":{\"http\":8080}}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
    listUrl = base + "/v1/services/catalog/instances";
  }

  @AfterEach
  void stop() {
    registry.close();
  }

  @Test
  void pythonRequestsReadsTheGzippedList() throws Exception {
    String python = Script.python("requests", "python3-requests");
    String program =
        String.join(
            "\n",
            "import sys, requests",
            "r = requests.get(sys.argv[1], timeout=10)",
            "r.raise_for_status()",
            "ids = sorted(i['id'] for i in r.json()['instances'])",
            "print(r.headers.get('Content-Encoding'), len(ids), ids[0])");

    assertThat(run(List.of(python, "-c", program, listUrl))).isEqualTo("gzip 20 c-0");
  }

  @Test
  void nodeFetchReadsTheGzippedList() throws Exception {
    String node = Script.node();
    String program =
        String.join(
            "\n",
            "(async () => {",
            "  const r = await fetch(process.argv[1]);",
            "  if (!r.ok) throw new Error(`HTTP ${r.status}`);",
            "  const ids = (await r.json()).instances.map((i) => i.id).sort();",
            "  console.log(`${r.headers.get('content-encoding')} ${ids.length} ${ids[0]}`);",
            "})().catch((e) => { console.error(e); process.exit(1); });");

    assertThat(run(List.of(node, "-e", program, listUrl))).isEqualTo("gzip 20 c-0");
  }

  /** Runs {@code command} to its end and returns its first output line. */
  private static String run(List<String> command) throws Exception {
    try (Script script = Script.start(Path.of("."), command)) {
      String line = script.await(30, l -> !l.isBlank());
      script.finish();
      return line;
    }
  }
}
