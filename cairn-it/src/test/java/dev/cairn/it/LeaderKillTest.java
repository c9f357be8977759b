package dev.cairn.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A three-member cluster of real JVMs under write load; the leader is {@code kill -9}ed and
 * restarted, {@code cairn.it.kills} times (2 in {@code mvn verify}; the fault loop in
 * docs/operations.md runs 20). Four blocking writers register persistent instances on any live
 * member, a watcher long-polls the service on any member; then the history checker proves that
 * every acknowledged write is on every member, the members agree on the catalog at one revision,
 * and the watcher's revisions only went forward.
 */
class LeaderKillTest {

  // Under target/, so that the members' logs stay for a look after a failure.
  private final Path dir = Path.of("target", "leader-kill-" + System.currentTimeMillis());

  @Test
  void killingTheLeaderUnderWriteLoadLosesNoAcknowledgedWrite() throws Exception {
    int kills = Integer.getInteger("cairn.it.kills", 2);
    try (ProcessCluster cluster = new ProcessCluster(3, dir)) {
      cluster.start();
      await().atMost(Duration.ofSeconds(60)).until(() -> cluster.leader() != null);

      Set<String> acked = ConcurrentHashMap.newKeySet();
      AtomicLong maxAckedRevision = new AtomicLong();
      // (start, acknowledged) of every acknowledged write, in nanos.
      java.util.Queue<long[]> ackTimes = new java.util.concurrent.ConcurrentLinkedQueue<>();
      AtomicLong failed = new AtomicLong();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong ids = new AtomicLong();
      List<Thread> writers = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
      for (int w = 0; w < 4; w++) {
        Thread t =
            new Thread(
                () -> {
                  while (!stop.get() && System.nanoTime() < deadline) {
                    Member m = anyAlive(cluster);
                    if (m == null) {
                      continue;
                    }
                    String id = "w-" + ids.incrementAndGet();
                    long startedAt = System.nanoTime();
                    try {
                      HttpResponse<String> r =
                          cluster.put(
                              m,
                              "/v1/services/load/instances/" + id,
                              "{\"address\":\"10.0.0.1\",\"ports\":{\"http\":8080}}",
                              Duration.ofSeconds(5));
                      if (r.statusCode() == 200) {
                        acked.add(id);
                        long rev = ProcessCluster.JSON.readTree(r.body()).path("revision").asLong();
                        maxAckedRevision.accumulateAndGet(rev, Math::max);
                        ackTimes.add(new long[] {startedAt, System.nanoTime()});
                      } else {
                        failed.incrementAndGet();
                      }
                    } catch (Exception e) {
                      failed.incrementAndGet();
                    }
                  }
                },
                "writer-" + w);
        t.start();
        writers.add(t);
      }
      Watcher watcher = new Watcher(cluster, stop);
      watcher.start();

      List<Long> unavailableMillis = new ArrayList<>();
      for (int k = 0; k < kills; k++) {
        int before = acked.size();
        await().atMost(Duration.ofSeconds(60)).until(() -> acked.size() >= before + 200);
        Member leader = null;
        while (leader == null) {
          leader = cluster.leader();
        }
        long killedAt = System.nanoTime();
        leader.kill();
        // Unavailable: from the kill to the first acknowledgement of a write begun after it.
        long[] firstAck = new long[1];
        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(5))
            .until(
                () -> {
                  long first = Long.MAX_VALUE;
                  for (long[] a : ackTimes) {
                    if (a[0] > killedAt) {
                      first = Math.min(first, a[1]);
                    }
                  }
                  firstAck[0] = first;
                  return first != Long.MAX_VALUE;
                });
        unavailableMillis.add((firstAck[0] - killedAt) / 1_000_000);
        ackTimes.clear();
        leader.start();
      }
      stop.set(true);
      for (Thread t : writers) {
        t.join(30_000);
      }
      watcher.join(30_000);

      // The checker: every member has every acknowledged write, and all agree at one revision.
      long revision = maxAckedRevision.get();
      List<Set<String>> views = new ArrayList<>();
      for (Member m : cluster.members) {
        Set<String> seen = new TreeSet<>();
        String[] last = {""};
        try {
          await()
              .atMost(Duration.ofSeconds(60))
              .pollInterval(Duration.ofMillis(200))
              .until(
                  () -> {
                    try {
                      JsonNode list =
                          cluster.get(
                              m, "/v1/services/load/instances?consistent", Duration.ofSeconds(10));
                      if (list.path("revision").asLong() < revision) {
                        last[0] = m.id + " at revision " + list.path("revision").asLong();
                        return false;
                      }
                      seen.clear();
                      for (JsonNode i : list.path("instances")) {
                        seen.add(i.path("id").asText());
                      }
                      return true;
                    } catch (Exception e) {
                      last[0] = m.id + ": " + e;
                      return false;
                    }
                  });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
          throw new AssertionError("the checker could not read " + m.id + ": " + last[0], e);
        }
        assertThat(seen).as("acknowledged writes on %s", m.id).containsAll(acked);
        views.add(seen);
      }
      assertThat(views.get(1)).isEqualTo(views.get(0));
      assertThat(views.get(2)).isEqualTo(views.get(0));
      assertThat(watcher.wentBack()).as("a watcher's revision went back").isZero();
      assertThat(watcher.revision()).isPositive();

      List<Long> sorted = new ArrayList<>(unavailableMillis);
      sorted.sort(null);
      System.out.printf(
          "LeaderKillTest: %d kills, %d writes acknowledged (0 lost), %d failed or timed out;"
              + " unavailable after a leader kill -9 (kill to the first ack of a write begun"
              + " after it): p50 %d ms, max %d ms, all %s;"
              + " watcher at revision %d, %d member switches, never back%n",
          kills,
          acked.size(),
          failed.get(),
          sorted.get(sorted.size() / 2),
          sorted.get(sorted.size() - 1),
          unavailableMillis,
          watcher.revision(),
          watcher.switches());
    }
  }

  private static Member anyAlive(ProcessCluster cluster) {
    List<Member> alive = new ArrayList<>();
    for (Member m : cluster.members) {
      if (m.alive()) {
        alive.add(m);
      }
    }
    return alive.isEmpty() ? null : alive.get(ThreadLocalRandom.current().nextInt(alive.size()));
  }

  /**
   * Long-polls the service on any live member, switching on error; its revision never goes back.
   */
  private static final class Watcher extends Thread {
    private final ProcessCluster cluster;
    private final AtomicBoolean stop;
    private volatile long revision;
    private volatile long wentBack;
    private volatile long switches;

    Watcher(ProcessCluster cluster, AtomicBoolean stop) {
      super("watcher");
      setDaemon(true);
      this.cluster = cluster;
      this.stop = stop;
    }

    @Override
    public void run() {
      long end = System.nanoTime() + Duration.ofMinutes(10).toNanos();
      Member m = anyAlive(cluster);
      while (!stop.get() && System.nanoTime() < end) {
        try {
          if (m == null || !m.alive()) {
            m = anyAlive(cluster);
            switches++;
            continue;
          }
          JsonNode r =
              cluster.get(
                  m,
                  "/v1/services/load/instances?index=" + revision + "&wait=2s",
                  Duration.ofSeconds(10));
          long rev = r.path("revision").asLong();
          if (rev < revision) {
            wentBack++;
          } else {
            revision = rev;
          }
        } catch (Exception e) {
          m = anyAlive(cluster);
          switches++;
        }
      }
    }

    long revision() {
      return revision;
    }

    long wentBack() {
      return wentBack;
    }

    long switches() {
      return switches;
    }
  }
}
