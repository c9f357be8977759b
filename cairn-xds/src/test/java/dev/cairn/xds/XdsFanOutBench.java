package dev.cairn.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Instance;
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
 * 1,000 xDS clients (one connection and one ADS stream each, in another JVM: {@link
 * XdsWatchClients}) held by one server: threads they cost, and how long after a registration each
 * sees it, against Cairn's own watch in the same run, with the machine's load average. Run on
 * request: {@code mvn -pl cairn-xds -am verify -Dgroups=bench -DexcludedGroups=
 * -Dtest=XdsFanOutBench -Dsurefire.failIfNoSpecifiedTests=false} ({@code -Dclients=N}, {@code
 * -Dchanges=N}, {@code -DpauseMillis=N} between changes).
 */
@Tag("bench")
class XdsFanOutBench {

  private static final int CLIENTS = Integer.getInteger("clients", 1_000);
  private static final int CHANGES = Integer.getInteger("changes", 50);
  private static final long PAUSE_MILLIS = Long.getLong("pauseMillis", 20);

  @RegisterExtension
  final CairnServerExtension cairn =
      CairnServerExtension.inMemory()
          .configure(b -> b.frontDoor(XdsFrontDoor.factory(XdsOptions.builder().port(0).build())));

  @Test
  void thousandClients() throws Exception {
    register(0);
    int port = cairn.server().frontDoors().get(0).address().getPort();
    int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
    ConcurrentHashMap<Long, Long> native_ = new ConcurrentHashMap<>();
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
                    events.forEach(e -> native_.putIfAbsent(e.revision(), now));
                  }
                });
    double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    long[] xds = new long[CHANGES * CLIENTS];
    long[] own = new long[CHANGES];
    int n = 0;
    int threadsHeld;
    long xdsThreads;
    try (ClientProcess clients =
        new ClientProcess(
            XdsWatchClients.class, Integer.toString(port), Integer.toString(CLIENTS))) {
      await().atMost(Duration.ofSeconds(120)).until(() -> clients.total() >= CLIENTS);
      threadsHeld = ManagementFactory.getThreadMXBean().getThreadCount();
      xdsThreads =
          Thread.getAllStackTraces().keySet().stream()
              .filter(t -> t.getName().startsWith("cairn-xds"))
              .count();
      for (int i = 1; i <= CHANGES; i++) {
        long t0 = System.nanoTime();
        long revision = register(i).modRevision();
        // Both ends: the front door's push can reach the other process before this JVM's own
        // watch has delivered the change.
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> clients.count(revision) == CLIENTS && native_.containsKey(revision));
        own[i - 1] = native_.get(revision) - t0;
        for (long at : clients.arrivals(revision)) {
          xds[n++] = at - t0;
        }
        // Pacing, not synchronisation: let the ACKs of this version reach the server first.
        Thread.sleep(PAUSE_MILLIS);
      }
    }
    watch.close();
    double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    System.out.printf(
        "xds fan-out: %d clients (another process), %d changes; load average %.1f -> %.1f;"
            + " threads: %d before, %d with the clients held (%d cairn-xds*); register->seen ms:"
            + " own watch p50 %.2f p99 %.2f | xds p50 %.2f p99 %.2f max %.2f%n",
        CLIENTS,
        CHANGES,
        loadBefore,
        loadAfter,
        threadsBefore,
        threadsHeld,
        xdsThreads,
        ms(own, 0.50),
        ms(own, 0.99),
        ms(xds, 0.50),
        ms(xds, 0.99),
        ms(xds, 1.0));
    assertThat(n).isEqualTo(CHANGES * CLIENTS);
  }

  private Instance register(int i) {
    return cairn
        .registry()
        .register(
            "default",
            Instance.builder("hello", "127.0.0.1").id("a").port("grpc", 10_000 + i).build())
        .join();
  }

  private static double ms(long[] nanos, double q) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    int at = (int) Math.min(s.length - 1, Math.ceil(q * s.length) - 1);
    return s[Math.max(0, at)] / 1e6;
  }
}
