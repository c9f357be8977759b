package dev.cairn.server.internal.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.proto.v1.Instance;
import dev.cairn.proto.v1.RegisterRequest;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.proto.v1.WatchRequest;
import dev.cairn.proto.v1.WatchResponse;
import dev.cairn.server.CairnServer;
import dev.cairn.server.core.RegistryOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code GET /metrics} of a real server, scraped over HTTP after real traffic on both APIs. */
class MetricsEndpointTest {

  private final HttpClient http = HttpClient.newHttpClient();
  private final AtomicLong now = new AtomicLong();
  private CairnServer server;
  private ManagedChannel channel;

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void metricsMoveWithRegistrationsSessionsWatchesAndRequests() throws Exception {
    start(true);
    String first = scrape();
    assertThat(value(first, "cairn_instances", "")).isZero();
    assertThat(first).contains("jvm_memory_used_bytes", "jvm_threads_live_threads");
    assertThat(first).contains("process_cpu_usage", "jvm_gc_");

    // Watchers: one gRPC watch, one SSE stream, one long-poll.
    LinkedBlockingQueue<WatchResponse> grpcWatch = new LinkedBlockingQueue<>();
    RegistryGrpc.newStub(channel)
        .watch(WatchRequest.newBuilder().setService("web").build(), collect(grpcWatch));
    assertThat(grpcWatch.poll(10, TimeUnit.SECONDS)).isNotNull(); // the snapshot
    CompletableFuture<HttpResponse<InputStream>> sse =
        http.sendAsync(get("/v1/watch/services/web"), HttpResponse.BodyHandlers.ofInputStream());
    CompletableFuture<HttpResponse<String>> longPoll =
        http.sendAsync(
            get("/v1/services/web/instances?index=0&wait=30s"),
            HttpResponse.BodyHandlers.ofString());
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              String s = scrape();
              assertThat(value(s, "cairn_watchers", "transport=\"grpc\"")).isEqualTo(1);
              assertThat(value(s, "cairn_watchers", "transport=\"sse\"")).isEqualTo(1);
              assertThat(value(s, "cairn_watchers", "transport=\"long_poll\"")).isEqualTo(1);
            });

    // Registrations: persistent over gRPC and HTTP, ephemeral over HTTP with a session.
    RegistryGrpc.newBlockingStub(channel)
        .register(
            RegisterRequest.newBuilder()
                .setInstance(
                    Instance.newBuilder().setId("g1").setService("web").setAddress("10.0.0.1"))
                .build());
    assertThat(send("PUT", "/v1/services/web/instances/h1", "{\"address\":\"10.0.0.2\"}"))
        .isEqualTo(200);
    String session = http.send(post("/v1/sessions", "{\"ttl\":\"5s\"}"), ofString()).body();
    String sessionId = session.replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
    String secret = session.replaceAll(".*\"secret\":\"([^\"]+)\".*", "$1");
    assertThat(
            send(
                "PUT",
                "/v1/services/web/instances/e1?session=" + sessionId,
                "{\"address\":\"10.0.0.3\"}",
                "X-Cairn-Session-Secret",
                secret))
        .isEqualTo(200);
    assertThat(longPoll.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              String s = scrape();
              assertThat(value(s, "cairn_registrations_total", "kind=\"persistent\"")).isEqualTo(2);
              assertThat(value(s, "cairn_registrations_total", "kind=\"ephemeral\"")).isEqualTo(1);
              assertThat(value(s, "cairn_instances", "")).isEqualTo(3);
              assertThat(value(s, "cairn_services", "")).isEqualTo(1);
              assertThat(value(s, "cairn_sessions_open", "")).isEqualTo(1);
              assertThat(value(s, "cairn_sessions_opened_total", "resumed=\"false\"")).isEqualTo(1);
              // Three events each to the gRPC watch and the SSE stream.
              assertThat(value(s, "cairn_watch_events_delivered_total", "")).isEqualTo(6);
              assertThat(value(s, "cairn_watch_push_lag_seconds_count", "")).isPositive();
              assertThat(value(s, "cairn_watch_push_lag_seconds_bucket", "le=\"0.001\""))
                  .isPositive();
              assertThat(
                      value(
                          s,
                          "cairn_http_requests_seconds_count",
                          "method=\"PUT\",route=\"register\",status=\"200\""))
                  .isEqualTo(2);
              assertThat(
                      value(
                          s,
                          "grpc_server_processing_duration_seconds_count",
                          "method=\"Register\""))
                  .isEqualTo(1);
            });

    // A session whose lease runs out.
    now.addAndGet(Duration.ofSeconds(6).toNanos());
    server.registry().expireSessions();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              String s = scrape();
              assertThat(value(s, "cairn_sessions_expired_total", "")).isEqualTo(1);
              assertThat(value(s, "cairn_sessions_open", "")).isZero();
              assertThat(value(s, "cairn_instances", "")).isEqualTo(2);
            });
    assertThat(send("DELETE", "/v1/services/web/instances/h1", null)).isEqualTo(200);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> value(scrape(), "cairn_deregistrations_total", "") == 1);
    sse.get(10, TimeUnit.SECONDS).body().close();
  }

  @Test
  void dnsQueriesAreCountedByProtocolAndCode() throws Exception {
    server = CairnServer.builder().inMemory().httpPort(0).grpcPort(0).dnsPort(0).start();
    java.net.InetSocketAddress dns = server.dnsAddress().orElseThrow();
    byte[] query = {
      0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 4, 'n', 'o', 'n', 'e', 7, 's', 'e', 'r', 'v', 'i', 'c',
      'e', 5, 'c', 'a', 'i', 'r', 'n', 0, 0, 1, 0, 1
    };
    try (java.net.DatagramSocket s = new java.net.DatagramSocket()) {
      s.setSoTimeout(5_000);
      s.send(new java.net.DatagramPacket(query, query.length, dns));
      s.receive(new java.net.DatagramPacket(new byte[512], 512));
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                value(
                        scrape(),
                        "cairn_dns_queries_seconds_count",
                        "protocol=\"udp\",rcode=\"NXDOMAIN\"")
                    == 1);
  }

  @Test
  void healthProbesProtectionAndSelfPreservationAreMeasured() throws Exception {
    server = CairnServer.builder().inMemory().httpPort(0).grpcPort(0).start();
    try (java.net.ServerSocket target =
        new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
      server
          .registry()
          .register(
              "default",
              dev.cairn.common.Instance.builder("db", "127.0.0.1")
                  .id("db-1")
                  .port("tcp", target.getLocalPort())
                  .check(
                      dev.cairn.common.HealthCheck.builder(dev.cairn.common.HealthCheck.Type.TCP)
                          .interval(Duration.ofMillis(100))
                          .build())
                  .build())
          .join();
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                String s = scrape();
                assertThat(value(s, "cairn_health_checked_instances", "")).isEqualTo(1);
                assertThat(
                        value(
                            s,
                            "cairn_health_probes_seconds_count",
                            "result=\"passing\",type=\"tcp\""))
                    .isPositive();
              });
    }
    // Protection: one healthy instance of three, threshold 0.5.
    for (String id : List.of("w1", "w2", "w3")) {
      server
          .registry()
          .register(
              "default",
              dev.cairn.common.Instance.builder("web", "10.0.0.1")
                  .id(id)
                  .health(
                      id.equals("w1")
                          ? dev.cairn.common.Health.PASSING
                          : dev.cairn.common.Health.CRITICAL)
                  .build())
          .join();
    }
    server.registry().setProtectionThreshold("default", "web", 0.5).join();
    HttpResponse<String> read =
        http.send(get("/v1/services/web/instances?healthy=true"), ofString());
    assertThat(read.headers().firstValue("X-Cairn-Protection")).hasValue("true");
    String s = scrape();
    assertThat(value(s, "cairn_protection_reads_total", "")).isEqualTo(1);
    assertThat(value(s, "cairn_self_preservation_active", "")).isZero();
    assertThat(value(s, "cairn_self_preservation_activations_total", "")).isZero();
  }

  @Test
  void unknownPathsAreTimedAsUnmatched() throws Exception {
    start(true);
    assertThat(send("GET", "/nope", null)).isEqualTo(404);
    assertThat(value(scrape(), "cairn_http_requests_seconds_count", "route=\"unmatched\""))
        .isEqualTo(1);
  }

  @Test
  void madeUpMethodsAddNoSeries() throws Exception {
    start(true);
    for (int i = 0; i < 50; i++) {
      assertThat(send("BREW" + i, "/v1/status", null)).isEqualTo(405);
      assertThat(send("X" + i, "/nope/" + i, null)).isEqualTo(404);
    }
    String s = scrape();
    assertThat(s).doesNotContain("BREW", "method=\"X");
    assertThat(
            value(
                s,
                "cairn_http_requests_seconds_count",
                "method=\"other\",route=\"unmatched\",status=\"405\""))
        .isEqualTo(50);
    assertThat(
            value(
                s,
                "cairn_http_requests_seconds_count",
                "method=\"other\",route=\"unmatched\",status=\"404\""))
        .isEqualTo(50);
    assertThat(s.lines().filter(l -> l.startsWith("cairn_http_requests_seconds_count")).count())
        .isEqualTo(2);
  }

  /**
   * The names and labels keep the rules {@code promtool check metrics} checks (Prometheus'
   * promlint), whichever meter they come from, ours or Micrometer's binders (decision 0206).
   */
  @Test
  void namesAndLabelsKeepPrometheusRules() throws Exception {
    start(true);
    String s = scrape();
    Map<String, String> types = new HashMap<>();
    Matcher type = Pattern.compile("^# TYPE (\\S+) (\\S+)$", Pattern.MULTILINE).matcher(s);
    while (type.find()) {
      types.put(type.group(1), type.group(2));
    }
    List<String> problems = new ArrayList<>();
    types.forEach(
        (name, kind) -> {
          boolean histogramOrSummary = kind.equals("histogram") || kind.equals("summary");
          if (!histogramOrSummary && name.matches(".*_(count|sum|bucket)")) {
            problems.add(name + ": a " + kind + " named like a histogram's or summary's series");
          }
          if (name.matches(".*_(ns|us|ms|sec|secs|kb|mb|gb)(_.*)?")) {
            problems.add(name + ": an abbreviated unit (expected: base units, e.g. _seconds)");
          }
        });
    Matcher sample =
        Pattern.compile("^([a-z_:][a-z0-9_:]*)\\{([^}]*)\\}", Pattern.MULTILINE).matcher(s);
    while (sample.find()) {
      String kind = types.getOrDefault(familyOf(sample.group(1), types), "untyped");
      if (!kind.equals("summary") && sample.group(2).matches("(.*,)?quantile=.*")) {
        problems.add(sample.group(1) + ": a " + kind + " with a quantile label");
      }
    }
    assertThat(problems).isEmpty();
    assertThat(s).contains("process_cpu_seconds_total ", "system_cpus ");
    assertThat(value(s, "cairn_health_schedule_lateness_seconds", "stat=\"max\"")).isZero();
  }

  /** The family a sample belongs to: its name, or the name without a histogram's suffix. */
  private static String familyOf(String sample, Map<String, String> types) {
    if (types.containsKey(sample)) {
      return sample;
    }
    return sample.replaceFirst("_(bucket|count|sum)$", "");
  }

  @Test
  void metricsOffIs404() throws Exception {
    start(false);
    HttpResponse<String> r = http.send(get("/metrics"), ofString());
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.body()).contains("metrics are off");
  }

  private void start(boolean metrics) throws Exception {
    server =
        CairnServer.builder()
            .inMemory()
            .httpPort(0)
            .grpcPort(0)
            .metrics(metrics)
            .registryOptions(
                RegistryOptions.builder().ticker(now::get).autoExpireSessions(false).build())
            .start();
    channel = NettyChannelBuilder.forAddress(server.grpcAddress()).usePlaintext().build();
  }

  private String scrape() throws Exception {
    HttpResponse<String> r = http.send(get("/metrics"), ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type"))
        .hasValue("text/plain; version=0.0.4; charset=utf-8");
    return r.body();
  }

  /**
   * The value of the first sample of {@code name} whose labels contain {@code labels} (the
   * Prometheus text format sorts labels by name); -1 when there is none.
   */
  private static double value(String scrape, String name, String labels) {
    Pattern p =
        Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE);
    Matcher m = p.matcher(scrape);
    while (m.find()) {
      String l = m.group(1) == null ? "" : m.group(1);
      if (l.contains(labels)) {
        return Double.parseDouble(m.group(2));
      }
    }
    return -1;
  }

  private int send(String method, String path, String json, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10));
    if (headers.length > 0) {
      b.headers(headers);
    }
    b.method(
        method,
        json == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) {
      b.header("Content-Type", "application/json");
    }
    return http.send(b.build(), ofString()).statusCode();
  }

  private HttpRequest get(String path) {
    return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).build();
  }

  private HttpRequest post(String path, String json) {
    return HttpRequest.newBuilder(uri(path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json))
        .build();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.httpAddress().getPort() + path);
  }

  private static HttpResponse.BodyHandler<String> ofString() {
    return HttpResponse.BodyHandlers.ofString();
  }

  private static <T> StreamObserver<T> collect(LinkedBlockingQueue<T> queue) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        queue.add(value);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }
}
