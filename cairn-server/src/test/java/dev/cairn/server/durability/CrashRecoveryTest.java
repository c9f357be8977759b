package dev.cairn.server.durability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the server as a separate process, kills it with SIGKILL while clients write persistent
 * instances, restarts it on the same data directory and checks that every acknowledged write is
 * there.
 */
class CrashRecoveryTest {

  private static final int WRITERS = 8;
  private static final int KILL_AFTER_ACKS = 600;
  private static final int MAX_WRITES = 20_000;

  @TempDir Path dataDir;

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void killAll() {
    processes.forEach(Process::destroyForcibly);
  }

  @Test
  void everyAcknowledgedWriteSurvivesKill9() throws Exception {
    Server first = startServer();
    Set<String> acked = ConcurrentHashMap.newKeySet();
    AtomicInteger sequence = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch enoughAcks = new CountDownLatch(KILL_AFTER_ACKS);
    ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
    for (int w = 0; w < WRITERS; w++) {
      writers.execute(
          () -> {
            while (!stop.get()) {
              int n = sequence.incrementAndGet();
              if (n > MAX_WRITES) {
                return;
              }
              String id = "i-" + n;
              try {
                if (put(first.port, "svc-" + (n % 4), id) == 200) {
                  acked.add(id);
                  enoughAcks.countDown();
                }
              } catch (IOException e) {
                return; // the server died under us: this write was never acknowledged
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
              }
            }
          });
    }
    assertThat(enoughAcks.await(60, TimeUnit.SECONDS)).as("acks before the kill").isTrue();
    first.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    stop.set(true);
    writers.shutdown();
    assertThat(writers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    assertThat(acked.size()).isGreaterThanOrEqualTo(KILL_AFTER_ACKS);

    Server second = startServer();
    Set<String> stored = ConcurrentHashMap.newKeySet();
    for (int s = 0; s < 4; s++) {
      String body = get(second.port, "/v1/services/svc-" + s + "/instances");
      Matcher m = Pattern.compile("\"id\":\"(i-\\d+)\"").matcher(body);
      while (m.find()) {
        stored.add(m.group(1));
      }
    }
    assertThat(stored).containsAll(acked);
    // The restarted server takes writes again.
    assertThat(put(second.port, "after", "restart-1")).isEqualTo(200);
  }

  private record Server(Process process, int port) {}

  private Server startServer() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                ServerProcessMain.class.getName(),
                dataDir.toString())
            .redirectErrorStream(true);
    Process p = pb.start();
    processes.add(p);
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    CountDownLatch ready = new CountDownLatch(1);
    AtomicInteger port = new AtomicInteger();
    StringBuilder log = new StringBuilder();
    Thread reader =
        new Thread(
            () -> {
              try {
                String line;
                while ((line = out.readLine()) != null) {
                  if (line.startsWith("READY ")) {
                    port.set(Integer.parseInt(line.substring(6).trim()));
                    ready.countDown();
                  } else if (log.length() < 20_000) {
                    log.append(line).append('\n');
                  }
                }
              } catch (IOException e) {
                // process gone
              }
            },
            "server-output");
    reader.setDaemon(true);
    reader.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!ready.await(100, TimeUnit.MILLISECONDS)
        && p.isAlive()
        && System.nanoTime() < deadline) {
      // waiting for READY, or for the process to die
    }
    assertThat(ready.getCount()).as("server start; output:\n%s", log).isZero();
    return new Server(p, port.get());
  }

  private int put(int port, String service, String id) throws IOException, InterruptedException {
    HttpRequest req =
        HttpRequest.newBuilder(
                URI.create(
                    "http://127.0.0.1:" + port + "/v1/services/" + service + "/instances/" + id))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .PUT(
                HttpRequest.BodyPublishers.ofString(
                    "{\"address\":\"127.0.0.1\",\"ports\":{\"http\":8080}}"))
            .build();
    return http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private String get(int port, String path) throws IOException, InterruptedException {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .build();
    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }
}
