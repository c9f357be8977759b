package dev.cairn.it;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Blocking writers, as applications call: each registers persistent instances of service {@code
 * load} one at a time on a live member picked at random, and logs every write acknowledged (with
 * when it began and when it was acknowledged) or failed. Bounded: stops when told, or after ten
 * minutes.
 */
final class WriteLoad implements AutoCloseable {

  final Set<String> acked = ConcurrentHashMap.newKeySet();
  final AtomicLong failed = new AtomicLong();
  final AtomicLong maxAckedRevision = new AtomicLong();
  // (began, acknowledged) of acknowledged writes, in nanos; cleared by the test when it likes.
  final Queue<long[]> ackTimes = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicLong ids = new AtomicLong();
  private final List<Thread> writers = new ArrayList<>();

  WriteLoad(ProcessCluster cluster, int threads) {
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    for (int w = 0; w < threads; w++) {
      Thread t =
          new Thread(
              () -> {
                while (!stop.get() && System.nanoTime() < deadline) {
                  Member m = anyAlive(cluster);
                  if (m == null) {
                    continue;
                  }
                  write(cluster, m);
                }
              },
              "writer-" + w);
      t.setDaemon(true);
      t.start();
      writers.add(t);
    }
  }

  private void write(ProcessCluster cluster, Member m) {
    String id = "w-" + ids.incrementAndGet();
    long began = System.nanoTime();
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
        ackTimes.add(new long[] {began, System.nanoTime()});
      } else {
        failed.incrementAndGet();
      }
    } catch (Exception e) {
      failed.incrementAndGet();
    }
  }

  /** The first acknowledgement (nanos) of a write begun after {@code after}, or -1. */
  long firstAckOfWriteBegunAfter(long after) {
    long first = Long.MAX_VALUE;
    for (long[] a : ackTimes) {
      if (a[0] > after) {
        first = Math.min(first, a[1]);
      }
    }
    return first == Long.MAX_VALUE ? -1 : first;
  }

  static Member anyAlive(ProcessCluster cluster) {
    List<Member> alive = new ArrayList<>();
    for (Member m : cluster.members) {
      if (m.alive() && !m.outside) {
        alive.add(m);
      }
    }
    return alive.isEmpty() ? null : alive.get(ThreadLocalRandom.current().nextInt(alive.size()));
  }

  @Override
  public void close() throws InterruptedException {
    stop.set(true);
    for (Thread t : writers) {
      t.join(30_000);
    }
  }
}
