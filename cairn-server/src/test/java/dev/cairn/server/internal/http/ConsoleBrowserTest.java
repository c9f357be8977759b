package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.cairn.server.CairnServer;
import dev.cairn.server.cluster.LocalCluster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console in a real headless Chromium, driven by Playwright ({@code src/test/console}),
 * against a real server on ephemeral ports: the console loads, an instance registered through the
 * HTTP API appears live (no reload), search, filters, maintenance and deregistration work, and a
 * screenshot is written to {@code target/console.png} (copied by hand to {@code docs/}).
 *
 * <p>Skipped, with the reason, only when Chromium or Node.js is not installed ({@code .ci/run}
 * installs Chromium and refuses to run without both). Installs the script's one npm package ({@code
 * npm ci}) when missing.
 */
class ConsoleBrowserTest {

  private static final Path SCRIPT_DIR = Path.of("src/test/console");
  private static final Path SCREENSHOT = Path.of("target/console.png");
  private static final long RUN_TIMEOUT_SECONDS = 90;
  private static final int LATENCY_ROUNDS = 30;
  private static final Pattern LATENCY_ID = Pattern.compile("\"id\":\"(latency-[0-9]+)\"");
  private static final String END = "\u0000end";
  private static final String WEB_3 =
      "{\"address\":\"10.0.0.3\",\"ports\":{\"http\":8080},\"tags\":[\"v2\",\"canary\"],"
          + "\"zone\":\"z1\"}";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private String base;
  private String session;
  private long web3Revision;
  private long timelineRevision;
  // What the test does when the ACL script says it is listening.
  private Runnable onListening = () -> {};
  // What the test does at the ACL script's other steps, by step name.
  private final Map<String, Runnable> onStep = new ConcurrentHashMap<>();

  @Test
  void showsInstancesLiveAndActsOnThem(@TempDir Path profile) throws Exception {
    Optional<Path> chromium = chromium();
    Optional<Path> node = onPath("node");
    assumeTrue(
        chromium.isPresent(),
        "skipped: Chromium is not installed (apt-get install chromium; .ci/run installs it)");
    assumeTrue(node.isPresent(), "skipped: Node.js is not installed (node not on the PATH)");
    installPlaywright();

    // web-1's health check probes this target, which answers 503: the console shows the output.
    HttpServer failing =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    failing.createContext(
        "/",
        ex -> {
          ex.getRequestBody().readAllBytes();
          ex.sendResponseHeaders(503, -1);
          ex.close();
        });
    failing.start();
    try (CairnServer server = CairnServer.builder().inMemory().httpPort(0).grpcPort(0).start()) {
      base = "http://127.0.0.1:" + server.httpAddress().getPort();
      seed(failing.getAddress().getPort());
      Files.deleteIfExists(SCREENSHOT);

      List<String> steps =
          drive(
              List.of(
                  node.get().toString(),
                  "console-test.mjs",
                  chromium.get().toString(),
                  base,
                  SCREENSHOT.toAbsolutePath().toString(),
                  profile.toString()));

      assertThat(steps)
          .containsExactly(
              "loaded",
              "watching",
              "live",
              "timeline",
              "checked",
              "filtered",
              "acted",
              "escaped",
              "wrapped",
              "measuring",
              "measured",
              "charted",
              "refused",
              "namespace",
              "bad-namespace-link");
      assertThat(timelineRevision)
          .as("the revision the timeline shows for web-3's registration")
          .isEqualTo(web3Revision);
      assertThat(get("/v1/services/web/instances/web-2").statusCode()).isEqualTo(404);
      JsonNode web3 = JSON.readTree(get("/v1/services/web/instances/web-3").body()).get("instance");
      assertThat(web3.get("health").asText()).isEqualTo("critical");
      assertThat(web3.at("/metadata/cairn.maintenance").asText()).isEqualTo("passing");
      assertThat(web3.get("tags").toString()).isEqualTo("[\"v2\",\"canary\"]");
      JsonNode web4 = JSON.readTree(get("/v1/services/web/instances/web-4").body()).get("instance");
      assertThat(web4.get("health").asText()).isEqualTo("passing");
      assertThat(web4.get("session").asText()).isEqualTo(session);
      assertThat(Files.readAllBytes(SCREENSHOT)).startsWith(0x89, 'P', 'N', 'G');
    } finally {
      failing.stop(0);
    }
  }

  /**
   * ACLs on (decision 0172): the console asks for a token and shows nothing before one is given;
   * with a token that may read the services starting with {@code web}, it lists only those (live),
   * the timeline only their events, and offers no write button; the token stays in the tab's
   * session storage and travels as a header, never as a cookie. A token that may write {@code web}
   * gets its buttons; when its write policy is deleted, a refused write says why and the buttons
   * go; when the token itself is deleted, the console asks for another, saying why, and reads
   * nothing more with it (decision 0217).
   */
  @Test
  void asksForATokenWithAclsOnAndShowsOnlyWhatItMayRead(@TempDir Path profile) throws Exception {
    Optional<Path> chromium = chromium();
    Optional<Path> node = onPath("node");
    assumeTrue(
        chromium.isPresent(),
        "skipped: Chromium is not installed (apt-get install chromium; .ci/run installs it)");
    assumeTrue(node.isPresent(), "skipped: Node.js is not installed (node not on the PATH)");
    installPlaywright();
    try (CairnServer server =
        CairnServer.builder().inMemory().httpPort(0).grpcPort(0).acl(true).start()) {
      base = "http://127.0.0.1:" + server.httpAddress().getPort();
      var registry = server.registry();
      registry.acls().bootstrap().join();
      registry
          .acls()
          .createPolicy(webPolicy("web-reader", dev.cairn.server.core.acl.Access.READ))
          .join();
      String readOnly =
          registry.acls().createToken("console", List.of("web-reader")).join().secret();
      registry
          .acls()
          .createPolicy(webPolicy("web-writer", dev.cairn.server.core.acl.Access.WRITE))
          .join();
      var writer =
          registry.acls().createToken("operator", List.of("web-reader", "web-writer")).join();
      onStep.put("revoking-write", () -> registry.acls().deletePolicy("web-writer").join());
      onStep.put(
          "deleting",
          () -> {
            registry.acls().deleteToken(writer.token().accessorId()).join();
            // A change the open streams deliver: they check the token again before it.
            registry
                .register("", dev.cairn.common.Instance.builder("web-gone", "10.0.0.7").build())
                .join();
          });
      for (String[] s :
          new String[][] {
            {"web", "web-1"}, {"web", "web-2"}, {"web-api", "api-1"}, {"payments", "pay-1"}
          }) {
        registry
            .register("", dev.cairn.common.Instance.builder(s[0], "10.0.0.1").id(s[1]).build())
            .join();
      }
      onListening =
          () -> {
            registry
                .register("", dev.cairn.common.Instance.builder("payments-new", "10.0.0.9").build())
                .join();
            registry
                .register("", dev.cairn.common.Instance.builder("web-new", "10.0.0.8").build())
                .join();
          };

      List<String> steps =
          drive(
              List.of(
                  node.get().toString(),
                  "console-acl-test.mjs",
                  chromium.get().toString(),
                  base,
                  profile.toString(),
                  readOnly,
                  writer.secret()));

      assertThat(steps)
          .containsExactly(
              "asked",
              "unknown",
              "filtered",
              "readonly",
              "listening",
              "live",
              "forgot",
              "writable",
              "revoking-write",
              "write-refused",
              "deleting",
              "deleted");
    }
  }

  /**
   * On a cluster member, the header names it and the members table lists all three; when that
   * member goes away, the header says it cannot be reached and the table is marked as what the
   * member last saw, rather than going on showing it as now.
   */
  @Test
  void marksTheMembersStaleWhenItsMemberGoesAway(@TempDir Path profile, @TempDir Path data)
      throws Exception {
    Optional<Path> chromium = chromium();
    Optional<Path> node = onPath("node");
    assumeTrue(
        chromium.isPresent(),
        "skipped: Chromium is not installed (apt-get install chromium; .ci/run installs it)");
    assumeTrue(node.isPresent(), "skipped: Node.js is not installed (node not on the PATH)");
    installPlaywright();
    try (LocalCluster cluster = LocalCluster.start(3, data)) {
      cluster.awaitLeader();
      CairnServer member = cluster.server(0);
      String memberBase = "http://127.0.0.1:" + member.httpAddress().getPort();
      onStep.put("members", member::close);

      List<String> steps =
          drive(
              List.of(
                  node.get().toString(),
                  "console-cluster-test.mjs",
                  chromium.get().toString(),
                  memberBase,
                  profile.toString()));

      assertThat(steps).containsExactly("members", "unreachable");
    }
  }

  /**
   * A server replaced on the same address by a new, empty one (another registry id): the page
   * starts afresh, showing the new registry's instances, its own (lower) revision and none of the
   * old registry's events, instead of resuming from a revision of the old one.
   */
  @Test
  void startsAfreshWhenTheServerIsAnotherRegistry(@TempDir Path profile) throws Exception {
    Optional<Path> chromium = chromium();
    Optional<Path> node = onPath("node");
    assumeTrue(
        chromium.isPresent(),
        "skipped: Chromium is not installed (apt-get install chromium; .ci/run installs it)");
    assumeTrue(node.isPresent(), "skipped: Node.js is not installed (node not on the PATH)");
    installPlaywright();
    CairnServer first = CairnServer.builder().inMemory().httpPort(0).grpcPort(0).start();
    CairnServer[] second = new CairnServer[1];
    try {
      int port = first.httpAddress().getPort();
      base = "http://127.0.0.1:" + port;
      for (String id : List.of("web-1", "web-2", "web-3")) {
        assertThat(register("web", id, "{\"address\":\"10.0.0.1\"}").statusCode()).isEqualTo(200);
      }
      onStep.put(
          "watching-registry",
          () -> {
            first.close();
            try {
              second[0] = CairnServer.builder().inMemory().httpPort(port).grpcPort(0).start();
              assertThat(register("web", "fresh-1", "{\"address\":\"10.0.0.2\"}").statusCode())
                  .isEqualTo(200);
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          });

      List<String> steps =
          drive(
              List.of(
                  node.get().toString(),
                  "console-registry-test.mjs",
                  chromium.get().toString(),
                  base,
                  profile.toString()));

      assertThat(steps).containsExactly("watching-registry", "afresh");
    } finally {
      first.close();
      if (second[0] != null) {
        second[0].close();
      }
    }
  }

  /** A few services for the page to show: mixed health, tags, zones, metadata, a session. */
  private void seed(int failingPort) throws Exception {
    put(
        "/v1/services/web/instances/web-1",
        "{\"address\":\"127.0.0.1\",\"ports\":{\"http\":"
            + failingPort
            + "},\"tags\":[\"v1\"],"
            + "\"metadata\":{\"team\":\"shop\",\"version\":\"1.4.2\"},\"zone\":\"z1\","
            + "\"check\":{\"type\":\"http\",\"path\":\"/health\",\"interval\":\"1s\","
            + "\"timeout\":\"500ms\",\"fall\":1}}");
    put(
        "/v1/services/web/instances/web-2",
        "{\"address\":\"10.0.0.2\",\"ports\":{\"http\":8080},\"tags\":[\"v1\"],"
            + "\"zone\":\"z2\",\"health\":\"warning\",\"weight\":50}");
    String[] opened = openSession();
    session = opened[0];
    String secret = opened[1];
    put(
        "/v1/services/web/instances/web-4?session=" + session,
        "{\"address\":\"10.0.0.4\",\"ports\":{\"http\":8080},\"tags\":[\"v1\"],"
            + "\"metadata\":{\"team\":\"shop\",\"version\":\"1.5.0\"},\"zone\":\"z2\"}",
        secret);
    put(
        "/v1/services/payments/instances/pay-1?session=" + session,
        "{\"address\":\"10.0.1.1\",\"ports\":{\"grpc\":9090,\"admin\":9091},"
            + "\"tags\":[\"primary\"],\"zone\":\"z1\"}",
        secret);
    put(
        "/v1/services/payments/instances/pay-2",
        "{\"address\":\"10.0.1.2\",\"ports\":{\"grpc\":9090},\"zone\":\"z2\","
            + "\"health\":\"critical\","
            + "\"metadata\":{\"note\":\"<img src=x onerror=\\\"window.cairnPwned=1\\\">\"}}");
    put(
        "/v1/services/payments/instances/pay-3",
        "{\"address\":\"10.0.1.3\",\"ports\":{\"grpc\":9090},\"tags\":[\""
            + "t".repeat(63)
            + "\"],\"metadata\":{\"blob\":\""
            + "v".repeat(512)
            + "\"}}");
    put("/v1/services/billing/instances/bill-1?namespace=staging", "{\"address\":\"10.1.0.1\"}");
    put("/v1/services/search/instances/search-1", "{\"address\":\"10.0.2.1\",\"zone\":\"z1\"}");
  }

  /** Opens a session: its id and its secret. */
  private String[] openSession() throws Exception {
    com.fasterxml.jackson.databind.JsonNode opened =
        JSON.readTree(
            send(HttpRequest.newBuilder(URI.create(base + "/v1/sessions"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"ttl\":\"300s\"}")))
                .body());
    return new String[] {opened.get("id").asText(), opened.get("secret").asText()};
  }

  /**
   * Runs the script and answers it: registers {@code web-3} when it says it is watching, and the
   * latency instances one by one when it is measuring. Answers the steps it reported. The process
   * is killed, with its browser, when it outlives {@link #RUN_TIMEOUT_SECONDS} or the test fails.
   */
  private List<String> drive(List<String> command) throws Exception {
    Process process =
        new ProcessBuilder(command)
            .directory(SCRIPT_DIR.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> readLines(process, lines), "console-test-stdout");
    reader.setDaemon(true);
    reader.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(RUN_TIMEOUT_SECONDS);
    List<String> steps = new ArrayList<>();
    try {
      for (String line = next(lines, deadline, steps);
          !line.equals(END);
          line = next(lines, deadline, steps)) {
        if (line.startsWith("timeline:web-3:")) {
          timelineRevision = Long.parseLong(line.substring("timeline:web-3:".length()));
          continue;
        }
        if (!line.startsWith("step:")) {
          continue;
        }
        String step = line.substring("step:".length());
        steps.add(step);
        if (step.equals("watching")) {
          web3Revision =
              JSON.readTree(register("web", "web-3", WEB_3).body()).get("revision").asLong();
        } else if (step.equals("listening")) {
          onListening.run();
        } else if (onStep.containsKey(step)) {
          onStep.get(step).run();
        } else if (step.equals("measuring")) {
          measureLatency(lines, deadline, steps);
        }
      }
      assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("node exited").isTrue();
      assertThat(process.exitValue()).as("node exit code; steps %s", steps).isZero();
      return steps;
    } finally {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }

  /**
   * Registers {@code latency-1..} one at a time, each after the page showed the previous one, and
   * prints how long after the registration was sent its event reached a plain JDK client watching
   * the same service (the baseline), the page's event stream (read with {@code fetch}), and the
   * page's table (medians and 90th percentiles). All read the same wall clock.
   */
  private void measureLatency(BlockingQueue<String> lines, long deadline, List<String> steps)
      throws Exception {
    Map<String, Long> jdkSeen = new ConcurrentHashMap<>();
    HttpResponse<Stream<String>> watch =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/v1/watch/services/latency")).build(),
            HttpResponse.BodyHandlers.ofLines());
    Thread watcher =
        new Thread(
            () ->
                watch
                    .body()
                    .forEach(
                        line -> {
                          Matcher m = LATENCY_ID.matcher(line);
                          if (line.startsWith("data: ") && m.find()) {
                            jdkSeen.putIfAbsent(m.group(1), System.currentTimeMillis());
                          }
                        }),
            "latency-watch");
    watcher.setDaemon(true);
    watcher.start();
    long[] sent = new long[LATENCY_ROUNDS];
    long[] page = new long[LATENCY_ROUNDS];
    long[] row = new long[LATENCY_ROUNDS];
    for (int i = 0; i < LATENCY_ROUNDS; i++) {
      String id = "latency-" + (i + 1);
      sent[i] = System.currentTimeMillis();
      register("latency", id, "{\"address\":\"10.0.3." + (i + 1) + "\"}");
      String line = next(lines, deadline, steps);
      assertThat(line).startsWith("seen:" + id + ":");
      String[] parts = line.split(":");
      page[i] = Long.parseLong(parts[2]) - sent[i];
      row[i] = Long.parseLong(parts[3]) - sent[i];
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> jdkSeen.size() == LATENCY_ROUNDS);
    watch.body().close();
    long[] jdk = new long[LATENCY_ROUNDS];
    for (int i = 0; i < LATENCY_ROUNDS; i++) {
      jdk[i] = jdkSeen.get("latency-" + (i + 1)) - sent[i];
    }
    System.out.println(
        "console latency, "
            + LATENCY_ROUNDS
            + " registrations, median (p90) ms after the PUT was sent: JDK SSE client "
            + percentiles(jdk)
            + ", page's stream "
            + percentiles(page)
            + ", row in the page's table "
            + percentiles(row));
  }

  private static String percentiles(long[] millis) {
    long[] sorted = millis.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2] + " (" + sorted[sorted.length * 9 / 10] + ")";
  }

  private static void readLines(Process process, BlockingQueue<String> lines) {
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        System.out.println("[console-test] " + line);
        lines.add(line);
      }
    } catch (IOException e) {
      lines.add("reader failed: " + e);
    } finally {
      lines.add(END);
    }
  }

  /** The script's next line; fails once the run's deadline has passed. */
  private static String next(BlockingQueue<String> lines, long deadline, List<String> steps)
      throws InterruptedException {
    String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
    if (line == null) {
      fail("the console test did not finish in %d s; steps: %s", RUN_TIMEOUT_SECONDS, steps);
    }
    return line;
  }

  private HttpResponse<String> register(String service, String id, String json) throws Exception {
    return put("/v1/services/" + service + "/instances/" + id, json);
  }

  private HttpResponse<String> put(String path, String json) throws Exception {
    return put(path, json, "");
  }

  /** A PUT with a session's secret (none when empty). */
  private HttpResponse<String> put(String path, String json, String sessionSecret)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(json));
    if (!sessionSecret.isEmpty()) {
      b.header("X-Cairn-Session-Secret", sessionSecret);
    }
    HttpResponse<String> r = send(b);
    assertThat(r.statusCode()).as("PUT %s: %s", path, r.body()).isEqualTo(200);
    return r;
  }

  private HttpResponse<String> get(String path) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(
        request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** {@code npm ci} in the script's directory when playwright-core is not there yet. */
  /** A policy named {@code name} with {@code access} on service {@code web} in every namespace. */
  private static dev.cairn.server.core.acl.Policy webPolicy(
      String name, dev.cairn.server.core.acl.Access access) {
    return new dev.cairn.server.core.acl.Policy(
        name,
        "",
        List.of(
            new dev.cairn.server.core.acl.Rule(
                dev.cairn.server.core.acl.Resource.SERVICE, "*", "web", access)));
  }

  private static void installPlaywright() throws IOException, InterruptedException {
    if (Files.exists(SCRIPT_DIR.resolve("node_modules/playwright-core/package.json"))) {
      return;
    }
    Optional<Path> npm = onPath("npm");
    assumeTrue(npm.isPresent(), "skipped: npm is not installed");
    // Not inheritIO(): the test JVM's stdin and stdout are surefire's channel to it, and node
    // (npm) set the inherited stdin non-blocking, which made surefire drop the whole test JVM.
    Path log = Path.of("target", "npm-ci.log").toAbsolutePath();
    Process p =
        new ProcessBuilder(npm.get().toString(), "ci", "--no-audit", "--no-fund")
            .directory(SCRIPT_DIR.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    p.getOutputStream().close(); // its stdin: a pipe of its own, at end of input
    try {
      if (!p.waitFor(180, TimeUnit.SECONDS)) {
        fail("npm ci did not finish in 180 s");
      }
      assertThat(p.exitValue()).as("npm ci exit code (output in %s)", log).isZero();
    } finally {
      p.destroyForcibly();
    }
  }

  /** {@code $CAIRN_CHROMIUM}, else {@code chromium} or {@code chromium-browser} on the PATH. */
  private static Optional<Path> chromium() {
    String configured = System.getenv("CAIRN_CHROMIUM");
    if (configured != null && !configured.isBlank()) {
      return Optional.of(Path.of(configured)).filter(Files::isExecutable);
    }
    return onPath("chromium").or(() -> onPath("chromium-browser"));
  }

  private static Optional<Path> onPath(String name) {
    String path = System.getenv().getOrDefault("PATH", "");
    return Stream.of(path.split(java.io.File.pathSeparator))
        .filter(dir -> !dir.isEmpty())
        .map(dir -> Path.of(dir, name))
        .filter(Files::isExecutable)
        .findFirst();
  }
}
