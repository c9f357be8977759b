package dev.cairn.server.internal.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.cairn.common.Health;
import dev.cairn.common.HealthCheck;
import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import dev.cairn.server.core.HealthCheckStats;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.RegistryOptions;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * 10,000 persistent instances with HTTP checks every 10 s against a few loopback HTTP targets,
 * after the same server idle with the same 10,000 instances unchecked (the baseline, same run).
 * Only on request: {@code mvn -pl cairn-server -am verify -Pbench -Dtest=HealthCheckLoadBenchTest
 * -Dsurefire.failIfNoSpecifiedTests=false}; {@code -Dbench.seconds=60} sets each phase's length.
 * Prints a table; asserts only that every instance stayed passing.
 */
@Tag("bench")
class HealthCheckLoadBenchTest {

  private static final int INSTANCES = Integer.getInteger("bench.instances", 10_000);
  private static final int TARGETS = 4;
  private static final long PHASE_SECONDS = Long.getLong("bench.seconds", 60);

  /** {@code netty} (the server's probe) or {@code jdk} ({@code java.net.http}, for comparison). */
  private static final String PROBE = System.getProperty("bench.probe", "netty");

  @Test
  void tenThousandHttpChecksEveryTenSeconds() throws Exception {
    List<HttpServer> targets = new ArrayList<>();
    ExecutorService targetPool = Executors.newFixedThreadPool(2, r -> named(r, "target"));
    AtomicLong served = new AtomicLong();
    for (int t = 0; t < TARGETS; t++) {
      HttpServer s =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
      s.setExecutor(targetPool);
      s.createContext(
          "/",
          ex -> {
            served.incrementAndGet();
            ex.sendResponseHeaders(200, -1);
            ex.close();
          });
      s.start();
      targets.add(s);
    }
    GapRecorder gaps = new GapRecorder();
    java.net.http.HttpClient jdk =
        java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    try (NetworkProbe network = new NetworkProbe();
        CairnServer server =
            CairnServer.builder()
                .inMemory()
                .httpPort(0)
                .grpcPort(0)
                .registryOptions(
                    RegistryOptions.builder()
                        .healthProbe(
                            (instance, check) -> {
                              gaps.started(instance.id());
                              return PROBE.equals("jdk")
                                  ? jdkProbe(jdk, instance, check)
                                  : network.probe(instance, check);
                            })
                        .build())
                .start()) {
      Registry registry = server.registry();
      register(registry, targets, false);
      settle(Duration.ofSeconds(5));
      Sample baseline = measure("idle, 10,000 unchecked", PHASE_SECONDS);

      register(registry, targets, true);
      // The first run of each check falls somewhere in its first interval: wait for all to start.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> registry.healthCheckStats().probesStarted() >= INSTANCES);
      // One more interval so that every instance has a previous start to measure a gap from.
      settle(Duration.ofSeconds(10));
      gaps.reset();
      long servedBefore = served.get();
      HealthCheckStats before = registry.healthCheckStats();
      Sample checked = measure("10,000 HTTP checks / 10 s", PHASE_SECONDS);
      HealthCheckStats after = registry.healthCheckStats();

      long notPassing =
          registry.service("", "bench").instances().stream()
              .filter(i -> i.health() != Health.PASSING)
              .count();
      String report =
          String.format(
              Locale.ROOT,
              "probe: %s%n%s%n%s%n%s%n"
                  + "probes in the measured phase: %d started (%.0f/s), %d answered by the targets,"
                  + " %d timed out, %d skipped; most in flight seen at the end: %d%n"
                  + "scheduling lateness since checks began (actual start - planned start):"
                  + " p50 %d us, p99 %d us, max %d us%n"
                  + "jitter in the measured phase, |gap between two starts of one check - 10 s|"
                  + " over %d gaps: p50 %d us, p90 %d us, p99 %d us, max %d us%n"
                  + "instances not passing at the end: %d of %d; availableProcessors=%d;"
                  + " direct memory: Netty %.1f MiB, JDK buffers %.1f MiB; MALLOC_ARENA_MAX=%s%n%s"
                  + "ratios checked/idle: cpu %.2fx, heap %.2fx, rss %.2fx, threads %+d%n",
              PROBE,
              Sample.HEADER,
              baseline,
              checked,
              after.probesStarted() - before.probesStarted(),
              (after.probesStarted() - before.probesStarted()) / (double) PHASE_SECONDS,
              served.get() - servedBefore,
              after.probesTimedOut() - before.probesTimedOut(),
              after.probesSkipped() - before.probesSkipped(),
              after.probesInFlight(),
              after.latenessP50Micros(),
              after.latenessP99Micros(),
              after.latenessMaxMicros(),
              gaps.count(),
              gaps.quantileMicros(0.5),
              gaps.quantileMicros(0.9),
              gaps.quantileMicros(0.99),
              gaps.quantileMicros(1.0),
              notPassing,
              INSTANCES,
              Runtime.getRuntime().availableProcessors(),
              io.netty.util.internal.PlatformDependent.usedDirectMemory() / (1024.0 * 1024.0),
              jdkDirectMb(),
              System.getenv().getOrDefault("MALLOC_ARENA_MAX", "unset"),
              nativeMemory(),
              checked.cpuShare / Math.max(1e-9, baseline.cpuShare),
              checked.heapMb / Math.max(1e-9, baseline.heapMb),
              checked.rssMb / Math.max(1e-9, baseline.rssMb),
              checked.threads - baseline.threads);
      System.out.println(report);
      Files.writeString(Path.of("target", "health-check-bench.txt"), report);
      assertThat(notPassing).isZero();
    } finally {
      for (HttpServer s : targets) {
        s.stop(0);
      }
      targetPool.shutdownNow();
    }
  }

  /** Registers the instances, each on one of the targets with its own path. */
  private static void register(Registry registry, List<HttpServer> targets, boolean withCheck)
      throws Exception {
    List<CompletableFuture<Instance>> pending = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) {
      Instance.Builder b =
          Instance.builder("bench", "127.0.0.1")
              .id("i" + i)
              .port("http", targets.get(i % targets.size()).getAddress().getPort());
      if (withCheck) {
        b.check(
            HealthCheck.builder(HealthCheck.Type.HTTP)
                .path("/health/" + i)
                .interval(Duration.ofSeconds(10))
                .timeout(Duration.ofSeconds(2))
                .build());
      }
      pending.add(registry.register("", b.build()));
      if (pending.size() == 500) {
        CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0]))
            .get(60, TimeUnit.SECONDS);
        pending.clear();
      }
    }
    CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
  }

  private static Sample measure(String name, long seconds) throws Exception {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpu0 = os.getProcessCpuTime();
    long checker0 = checkerCpu(threads);
    long wall0 = System.nanoTime();
    settle(Duration.ofSeconds(seconds));
    long wall = System.nanoTime() - wall0;
    long cpu = os.getProcessCpuTime() - cpu0;
    long checker = checkerCpu(threads) - checker0;
    int threadCount = threads.getThreadCount();
    double rss = rssMb();
    System.gc();
    var usage = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    double heap = usage.getUsed() / (1024.0 * 1024.0);
    double committed = usage.getCommitted() / (1024.0 * 1024.0);
    return new Sample(
        name, cpu / (double) wall, checker / (double) wall, heap, committed, rss, threadCount);
  }

  private static double jdkDirectMb() {
    double total = 0;
    for (var pool :
        ManagementFactory.getPlatformMXBeans(java.lang.management.BufferPoolMXBean.class)) {
      total += pool.getMemoryUsed();
    }
    return total / (1024.0 * 1024.0);
  }

  /** The JVM's native memory summary when run with -XX:NativeMemoryTracking=summary, else "". */
  private static String nativeMemory() {
    try {
      Object out =
          ManagementFactory.getPlatformMBeanServer()
              .invoke(
                  new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"),
                  "vmNativeMemory",
                  new Object[] {new String[] {"summary", "scale=MB"}},
                  new String[] {String[].class.getName()});
      String text = String.valueOf(out);
      return text.contains("not enabled") ? "" : text;
    } catch (javax.management.JMException e) {
      return "";
    }
  }

  /** An HTTP check with {@code java.net.http} (keep-alive, body discarded), for comparison. */
  private static CompletableFuture<Health> jdkProbe(
      java.net.http.HttpClient client, Instance instance, HealthCheck check) {
    java.net.http.HttpRequest r =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(
                    "http://" + instance.address() + ":" + instance.port("http") + check.path()))
            .timeout(check.timeout())
            .GET()
            .build();
    return client
        .sendAsync(r, java.net.http.HttpResponse.BodyHandlers.discarding())
        .thenApply(resp -> NetworkProbe.ofStatus(resp.statusCode()));
  }

  /** CPU time of the registry's health thread and the probe event loop (or JDK client). */
  private static long checkerCpu(ThreadMXBean threads) {
    long total = 0;
    for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (t != null
          && (t.getThreadName().startsWith("cairn-health")
              || t.getThreadName().startsWith("cairn-probe")
              || t.getThreadName().startsWith("HttpClient-"))) {
        long c = threads.getThreadCpuTime(t.getThreadId());
        total += Math.max(0, c);
      }
    }
    return total;
  }

  private static double rssMb() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
      }
    }
    return -1;
  }

  /** Lets {@code d} pass (a bounded, measured phase; nothing is synchronised on it). */
  private static void settle(Duration d) throws InterruptedException {
    new CountDownLatch(1).await(d.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static Thread named(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private record Sample(
      String name,
      double cpuShare,
      double checkerShare,
      double heapMb,
      double committedMb,
      double rssMb,
      int threads) {
    static final String HEADER =
        "phase                      | process CPU / wall | checker threads CPU / wall"
            + " | heap after GC MiB | heap committed MiB | RSS MiB | threads";

    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "%-26s | %17.1f%% | %25.1f%% | %17.1f | %18.1f | %7.1f | %7d",
          name,
          cpuShare * 100,
          checkerShare * 100,
          heapMb,
          committedMb,
          rssMb,
          threads);
    }
  }

  /** Times between consecutive probe starts of each instance, as their distance from 10 s. */
  private static final class GapRecorder {
    private final java.util.concurrent.ConcurrentHashMap<String, Long> last =
        new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.ConcurrentLinkedQueue<Long> gapsMicros =
        new java.util.concurrent.ConcurrentLinkedQueue<>();

    void started(String id) {
      long now = System.nanoTime();
      Long previous = last.put(id, now);
      if (previous != null) {
        gapsMicros.add(Math.abs((now - previous) - 10_000_000_000L) / 1000);
      }
    }

    void reset() {
      gapsMicros.clear();
    }

    int count() {
      return gapsMicros.size();
    }

    long quantileMicros(double q) {
      long[] sorted = gapsMicros.stream().mapToLong(Long::longValue).sorted().toArray();
      if (sorted.length == 0) {
        return 0;
      }
      int i = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
      return sorted[i];
    }
  }
}
