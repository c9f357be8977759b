package dev.cairn.examples.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.client.CairnClient;
import dev.cairn.client.lb.Endpoint;
import dev.cairn.http.CairnHttpClient;
import dev.cairn.server.CairnServer;
import java.io.File;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST example under failure, all real: a registry, three {@code hello} instances (one a
 * separate JVM running {@link HelloServer#main}), and a client calling {@code http://hello/hello}
 * from four threads without pause. The separate instance is killed with SIGKILL (no
 * deregistration), then the registry is stopped; calls must keep succeeding throughout, and a
 * client started while the registry is down must find the instances in its disk snapshot.
 */
class RestFailoverTest {

  private static final Duration TTL = Duration.ofSeconds(2);

  @TempDir Path dir;

  @Test
  void callsKeepSucceedingThroughAKilledInstanceAndARegistryOutage() throws Exception {
    // A broken session stream lingers 3 s before the session closes, as when a host vanishes
    // without resetting its connections: refusals must move traffic before the registry does.
    CairnServer registry =
        CairnServer.builder()
            .inMemory()
            .httpPort(0)
            .grpcPort(0)
            .sessionDetachGrace(Duration.ofSeconds(3))
            .build()
            .start();
    String target = hostPort(registry.grpcAddress());
    Path snapshots = dir.resolve("snapshots");
    Process process = null;
    ExecutorService load = Executors.newFixedThreadPool(4);
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    Map<Integer, AtomicInteger> byPort = new ConcurrentHashMap<>();
    try (CairnClient servers =
            CairnClient.builder().registries(target).sessionTtl(TTL).shutdownHook(false).build();
        HelloServer a = HelloServer.start(servers, 0);
        HelloServer b = HelloServer.start(servers, 0);
        CairnClient callers =
            CairnClient.builder()
                .registries(target)
                .snapshotDir(snapshots)
                .shutdownHook(false)
                .build();
        CairnHttpClient http = CairnHttpClient.builder(callers).build()) {
      process = startProcess(target);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> callers.view("hello").instances().size() == 3);
      HttpRequest get =
          HttpRequest.newBuilder(URI.create("http://hello/hello"))
              .timeout(Duration.ofSeconds(5))
              .build();
      long endNanos = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      for (int t = 0; t < 4; t++) {
        load.execute(
            () -> {
              for (int i = 0; i < 200_000 && running.get() && System.nanoTime() < endNanos; i++) {
                try {
                  HttpResponse<String> r = http.send(get, HttpResponse.BodyHandlers.ofString());
                  if (r.statusCode() == 200 && r.body().equals("{\"message\":\"Hello, World!\"}")) {
                    ok.incrementAndGet();
                    byPort
                        .computeIfAbsent(r.uri().getPort(), p -> new AtomicInteger())
                        .incrementAndGet();
                  } else {
                    failed.incrementAndGet();
                  }
                } catch (Exception e) {
                  failed.incrementAndGet();
                }
              }
            });
      }
      int killedPort = processPort();
      await().atMost(Duration.ofSeconds(20)).until(() -> count(byPort, killedPort) >= 50);

      // 1. kill -9 the separate instance: no deregistration, its session lingers for the TTL.
      long retriesAtKill = http.runner("hello").retryBudget().retriesGranted();
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      long okAtKill = ok.get();
      // The first refused connection ejects it, long before its session expires.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> endpoint(http, killedPort).stats().isEjected());
      long retriesForTheKill = http.runner("hello").retryBudget().retriesGranted() - retriesAtKill;
      // 2. the registry removes it when its session expires; the client drops it for good.
      await().atMost(Duration.ofSeconds(30)).until(() -> endpoint(http, killedPort) == null);
      assertThat(callers.view("hello").instances()).hasSize(2);
      await().atMost(Duration.ofSeconds(10)).until(() -> ok.get() > okAtKill + 200);

      // 3. stop the registry: the views keep their last instances.
      registry.close();
      long okAtOutage = ok.get();
      await().atMost(Duration.ofSeconds(10)).until(() -> ok.get() > okAtOutage + 200);

      // 4. a new client while the registry is down finds the instances on disk.
      try (CairnClient fresh =
              CairnClient.builder()
                  .registries(target)
                  .snapshotDir(snapshots)
                  .shutdownHook(false)
                  .build();
          CairnHttpClient freshHttp = CairnHttpClient.builder(fresh).build()) {
        HttpResponse<String> r = freshHttp.send(get, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.uri().getPort()).isIn(a.address().getPort(), b.address().getPort());
      }
      running.set(false);
      load.shutdown();
      assertThat(load.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

      long retries = http.runner("hello").retryBudget().retriesGranted();
      System.out.printf(
          "REST failover: %d calls answered, %d failed; %d retries in all, %d for the kill"
              + " (in-flight calls reset, one refused connection), then none%n",
          ok.get(), failed.get(), retries, retriesForTheKill);
      assertThat(failed.get()).isZero();
      assertThat(retriesForTheKill).isLessThanOrEqualTo(10);
      assertThat(retries).isEqualTo(retriesForTheKill);
    } finally {
      running.set(false);
      load.shutdownNow();
      if (process != null) {
        process.destroyForcibly();
      }
      registry.close();
    }
  }

  private Process startProcess(String registries) throws Exception {
    File log = dir.resolve("hello-process.log").toFile();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                java,
                "-Xmx128m",
                "-cp",
                System.getProperty("java.class.path"),
                HelloServer.class.getName(),
                "--registries",
                registries,
                "--session-ttl-seconds",
                Long.toString(TTL.toSeconds()))
            .redirectErrorStream(true)
            .redirectOutput(log)
            .start();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Files.readString(log.toPath()).contains("hello: serving"));
    return p;
  }

  /** The port the separate process printed: {@code hello: serving http://127.0.0.1:PORT/hello}. */
  private int processPort() throws Exception {
    String line =
        Files.readAllLines(dir.resolve("hello-process.log")).stream()
            .filter(l -> l.startsWith("hello: serving"))
            .findFirst()
            .orElseThrow();
    String url = line.split(" ")[2];
    return URI.create(url).getPort();
  }

  private static Endpoint<String> endpoint(CairnHttpClient http, int port) {
    List<Endpoint<String>> all = http.runner("hello").balancer().endpoints();
    return all.stream().filter(e -> e.target().endsWith(":" + port)).findFirst().orElse(null);
  }

  private static int count(Map<Integer, AtomicInteger> byPort, int port) {
    AtomicInteger n = byPort.get(port);
    return n == null ? 0 : n.get();
  }

  private static String hostPort(InetSocketAddress a) {
    return a.getHostString() + ":" + a.getPort();
  }
}
