package dev.cairn.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Instance;
import dev.cairn.compat.internal.HttpFrontDoor;
import dev.cairn.server.core.ServiceEvent;
import dev.cairn.server.core.Watch;
import dev.cairn.server.core.WatchListener;
import dev.cairn.testing.CairnServerExtension;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Consul blocking-query watchers ({@code GET /v1/health/service/hello?index=N&wait=60s}, one
 * connection each) held by one server: threads they cost, and how long after a registration each
 * answer arrives, against Cairn's own watch in the same run. Run on request: {@code mvn -pl
 * cairn-compat -am verify -Dgroups=bench -DexcludedGroups= -Dtest=ConsulWatchersBench
 * -Dsurefire.failIfNoSpecifiedTests=false} ({@code -Dwatchers=N}, {@code -Dchanges=N}).
 */
@Tag("bench")
class ConsulWatchersBench {

  private static final int WATCHERS = Integer.getInteger("watchers", 1_000);
  private static final int CHANGES = Integer.getInteger("changes", 20);

  @RegisterExtension
  final CairnServerExtension cairn =
      CairnServerExtension.inMemory().configure(b -> b.frontDoor(ConsulApi.frontDoor(0)));

  @Test
  void thousandWatchers() throws Exception {
    register(0);
    HttpFrontDoor door = (HttpFrontDoor) cairn.server().frontDoors().get(0);
    String base = door.endpoint() + "/v1/health/service/hello?wait=60s&index=";
    HttpClient http = HttpClient.newHttpClient();
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
    long[] consul = new long[CHANGES * WATCHERS];
    long[] native_ = new long[CHANGES];
    int n = 0;
    int threadsHeld = 0;
    for (int c = 1; c <= CHANGES; c++) {
      long index = cairn.registry().service("default", "hello").revision();
      ConcurrentLinkedQueue<Long> answers = new ConcurrentLinkedQueue<>();
      for (int w = 0; w < WATCHERS; w++) {
        http.sendAsync(
                HttpRequest.newBuilder(URI.create(base + index)).build(),
                HttpResponse.BodyHandlers.discarding())
            .thenAccept(r -> answers.add(System.nanoTime()));
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> door.connectionCount() >= WATCHERS);
      threadsHeld = Math.max(threadsHeld, ManagementFactory.getThreadMXBean().getThreadCount());
      assertThat(answers).isEmpty();
      long t0 = System.nanoTime();
      long revision = register(c).modRevision();
      await().atMost(Duration.ofSeconds(60)).until(() -> answers.size() == WATCHERS);
      native_[c - 1] = own.get(revision) - t0;
      for (long at : answers) {
        consul[n++] = at - t0;
      }
    }
    watch.close();
    long consulThreads =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().startsWith("cairn-consul"))
            .count();
    System.out.printf(
        "consul watchers: %d watchers, %d changes; threads: %d before, %d at most while held (%d"
            + " cairn-consul*); register->answered ms: own watch p50 %.2f p99 %.2f | consul p50"
            + " %.2f p99 %.2f max %.2f%n",
        WATCHERS,
        CHANGES,
        threadsBefore,
        threadsHeld,
        consulThreads,
        ms(native_, 0.50),
        ms(native_, 0.99),
        ms(consul, 0.50),
        ms(consul, 0.99),
        ms(consul, 1.0));
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
