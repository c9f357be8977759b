package dev.cairn.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Instance;
import dev.cairn.compat.internal.HttpFrontDoor;
import dev.cairn.server.core.ServiceEvent;
import dev.cairn.server.core.Watch;
import dev.cairn.server.core.WatchListener;
import dev.cairn.testing.CairnServerExtension;
import dev.cairn.testing.ClientProcess;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Consul blocking-query watchers ({@code GET /v1/health/service/hello?index=N&wait=60s}, one
 * connection each, in another JVM: {@link ConsulWatchClients}) held by one server: threads they
 * cost, and how long after a registration each answer arrives, against Cairn's own watch in the
 * same run, with the machine's load average. Run on request: {@code mvn -pl cairn-compat -am verify
 * -Dgroups=bench -DexcludedGroups= -Dtest=ConsulWatchersBench
 * -Dsurefire.failIfNoSpecifiedTests=false} ({@code -Dwatchers=N}, {@code -Dchanges=N}, {@code
 * -DpauseMillis=N} before each change).
 */
@Tag("bench")
class ConsulWatchersBench {

  private static final int WATCHERS = Integer.getInteger("watchers", 1_000);
  private static final int CHANGES = Integer.getInteger("changes", 20);
  private static final long PAUSE_MILLIS = Long.getLong("pauseMillis", 20);

  @RegisterExtension
  final CairnServerExtension cairn =
      CairnServerExtension.inMemory().configure(b -> b.frontDoor(ConsulApi.frontDoor(0)));

  @Test
  void thousandWatchers() throws Exception {
    register(0);
    HttpFrontDoor door = (HttpFrontDoor) cairn.server().frontDoors().get(0);
    ConcurrentHashMap<Long, Long> own = new ConcurrentHashMap<>();
    Watch watch =
        cairn
            .registry()
            .watchService(
                "default",
                "hello",
                cairn.registry().revision(),
                new WatchListener() {
                  @Override
                  public void onEvents(List<ServiceEvent> events) {
                    long now = System.nanoTime();
                    events.forEach(e -> own.putIfAbsent(e.revision(), now));
                  }
                });
    int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
    double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    long[] consul = new long[CHANGES * WATCHERS];
    long[] native_ = new long[CHANGES];
    int n = 0;
    int threadsHeld = 0;
    try (ClientProcess watchers =
        new ClientProcess(
            ConsulWatchClients.class,
            door.endpoint() + "/v1/health/service/hello",
            Integer.toString(WATCHERS))) {
      long first = cairn.registry().service("default", "hello").revision();
      await().atMost(Duration.ofSeconds(60)).until(() -> watchers.count(first) >= WATCHERS);
      for (int c = 1; c <= CHANGES; c++) {
        // Pacing, not synchronisation: let every watcher ask again before the next change.
        Thread.sleep(PAUSE_MILLIS);
        threadsHeld = Math.max(threadsHeld, ManagementFactory.getThreadMXBean().getThreadCount());
        long t0 = System.nanoTime();
        long revision = register(c).modRevision();
        // Both ends: the front door's answer can reach the other process before this JVM's own
        // watch has delivered the change.
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> watchers.count(revision) == WATCHERS && own.containsKey(revision));
        native_[c - 1] = own.get(revision) - t0;
        for (long at : watchers.arrivals(revision)) {
          consul[n++] = at - t0;
        }
      }
    }
    watch.close();
    double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    long consulThreads =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().startsWith("cairn-consul"))
            .count();
    System.out.printf(
        "consul watchers: %d watchers (another process), %d changes; load average %.1f -> %.1f;"
            + " threads: %d before, %d at most while held (%d cairn-consul*); register->answered"
            + " ms: own watch p50 %.2f p99 %.2f | consul p50 %.2f p99 %.2f max %.2f%n",
        WATCHERS,
        CHANGES,
        loadBefore,
        loadAfter,
        threadsBefore,
        threadsHeld,
        consulThreads,
        ms(native_, 0.50),
        ms(native_, 0.99),
        ms(consul, 0.50),
        ms(consul, 0.99),
        ms(consul, 1.0));
    assertThat(n).isEqualTo(CHANGES * WATCHERS);
  }

  private Instance register(int i) {
    return cairn
        .registry()
        .register(
            "default",
            Instance.builder("hello", "127.0.0.1").id("a").port("http", 10_000 + i).build())
        .join();
  }

  private static double ms(long[] nanos, double q) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    int at = (int) Math.min(s.length - 1, Math.ceil(q * s.length) - 1);
    return s[Math.max(0, at)] / 1e6;
  }
}
