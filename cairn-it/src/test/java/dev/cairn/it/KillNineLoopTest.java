package dev.cairn.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} in the middle of writes, again and again: a single-node server JVM takes
 * persistent registrations from four writers and is killed after a random number of
 * acknowledgements, then started again on the same data directory. After every restart every
 * acknowledged write is there and the revision is no lower than any acknowledged write's or than
 * the revision seen after the previous restart: it never goes back.
 *
 * <p>Three kills in {@code mvn verify}; {@code -Dcairn.it.killLoops=N} runs N (at most 1,000), e.g.
 * {@code mvn -B -pl cairn-it -am verify -Dtest=KillNineLoopTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dcairn.it.killLoops=50}.
 */
class KillNineLoopTest {

  private static final int LOOPS =
      Math.min(1_000, Math.max(1, Integer.getInteger("cairn.it.killLoops", 3)));
  private static final int WRITERS = 4;
  private static final Duration CALL = Duration.ofSeconds(10);

  @TempDir Path dir;

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private Member server;

  @AfterEach
  void kill() throws InterruptedException {
    if (server != null) {
      server.kill();
    }
  }

  @Test
  void everyAcknowledgedWriteSurvivesEveryKillAndTheRevisionNeverGoesBack() throws Exception {
    server = Member.single(dir.resolve("data"));
    server.start();
    Set<String> acked = ConcurrentHashMap.newKeySet();
    AtomicLong maxAckedRevision = new AtomicLong();
    long lastRevision = revision();
    for (int loop = 1; loop <= LOOPS; loop++) {
      int killAfter = ThreadLocalRandom.current().nextInt(50, 400);
      int before = acked.size();
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> writers = startWriters(loop, acked, maxAckedRevision, stop);
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(1))
          .until(() -> acked.size() - before >= killAfter);

      server.kill(); // SIGKILL, writes in flight
      stop.set(true);
      for (Thread w : writers) {
        w.join(CALL.toMillis() * 2);
      }
      server.start();

      long revision = revision();
      assertThat(revision)
          .as(
              "revision after kill %d of %d (before: %d, highest acknowledged: %d)",
              loop, LOOPS, lastRevision, maxAckedRevision.get())
          .isGreaterThanOrEqualTo(lastRevision)
          .isGreaterThanOrEqualTo(maxAckedRevision.get());
      Set<String> present = instanceIds();
      Set<String> lost = new HashSet<>(acked);
      lost.removeAll(present);
      assertThat(lost).as("acknowledged writes lost after kill %d of %d", loop, LOOPS).isEmpty();
      lastRevision = revision;
    }
    assertThat(acked.size()).isGreaterThanOrEqualTo(50 * LOOPS);
  }

  private List<Thread> startWriters(
      int loop, Set<String> acked, AtomicLong maxAckedRevision, AtomicBoolean stop) {
    List<Thread> writers = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      String prefix = "k" + loop + "-w" + w + "-";
      Thread t =
          new Thread(
              () -> {
                for (int i = 0; !stop.get(); i++) {
                  String id = prefix + i;
                  try {
                    HttpResponse<String> r = put(id);
                    if (r.statusCode() == 200) {
                      long rev = ProcessCluster.JSON.readTree(r.body()).path("revision").asLong();
                      acked.add(id);
                      maxAckedRevision.accumulateAndGet(rev, Math::max);
                    }
                  } catch (IOException e) {
                    // killed under it: not acknowledged
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "kill9-writer-" + w);
      t.setDaemon(true);
      t.start();
      writers.add(t);
    }
    return writers;
  }

  private HttpResponse<String> put(String id) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(server.base() + "/v1/services/load/instances/" + id))
            .timeout(CALL)
            .header("Content-Type", "application/json")
            .PUT(
                HttpRequest.BodyPublishers.ofString(
                    "{\"address\":\"10.0.0.1\",\"ports\":{\"http\":8080}}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode get(String path) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(server.base() + path)).timeout(CALL).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    return ProcessCluster.JSON.readTree(r.body());
  }

  private long revision() throws IOException, InterruptedException {
    return get("/v1/status").path("revision").asLong();
  }

  private Set<String> instanceIds() throws IOException, InterruptedException {
    Set<String> ids = new HashSet<>();
    get("/v1/services/load/instances")
        .path("instances")
        .forEach(i -> ids.add(i.path("id").asText()));
    return ids;
  }
}
