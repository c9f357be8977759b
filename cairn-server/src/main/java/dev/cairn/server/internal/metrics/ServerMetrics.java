package dev.cairn.server.internal.metrics;

import static java.util.Objects.requireNonNull;

import com.sun.management.OperatingSystemMXBean;
import dev.cairn.common.Health;
import dev.cairn.common.InstanceKind;
import dev.cairn.server.core.HealthCheckStats;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.RegistryMonitor;
import dev.cairn.server.internal.BuildInfo;
import dev.cairn.server.internal.dns.DnsMetrics;
import dev.cairn.server.internal.http.HttpMetrics;
import io.grpc.ServerInterceptor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.grpc.MetricCollectingServerInterceptor;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The meters of one server, in one Prometheus registry: what the registry reports through its
 * {@link RegistryMonitor}, HTTP and gRPC requests, gauges read from the registry and the listeners
 * at scrape time, and the JVM's own meters. Names and meanings are listed in {@code
 * docs/metrics.md}.
 *
 * <p>Thread-safe. Created before the registry starts (the registry takes {@link #monitor()}), bound
 * to the registry and listeners once they run, closed with the server.
 */
public final class ServerMetrics implements AutoCloseable {

  private static final Duration[] REQUEST_BUCKETS = {
    Duration.ofNanos(500_000),
    Duration.ofMillis(1),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofSeconds(5),
  };

  private static final Duration[] LAG_BUCKETS = {
    Duration.ofNanos(100_000),
    Duration.ofNanos(250_000),
    Duration.ofNanos(500_000),
    Duration.ofMillis(1),
    Duration.ofMillis(2),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofSeconds(1),
    Duration.ofSeconds(5),
  };

  private final PrometheusMeterRegistry meters = prometheusRegistry();
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final Monitor monitor = new Monitor();
  private final Http http = new Http();
  private final Dns dns = new Dns();

  /** Creates the meters that exist from the start, the JVM's among them. */
  public ServerMetrics() {
    new ClassLoaderMetrics().bindTo(meters);
    new JvmMemoryMetrics().bindTo(meters);
    gc.bindTo(meters);
    new JvmThreadMetrics().bindTo(meters);
    new ProcessorMetrics().bindTo(meters);
    processCpuSeconds();
    new UptimeMetrics().bindTo(meters);
    Gauge.builder("cairn.build.info", () -> 1)
        .description("Always 1; the version is a tag")
        .tag("version", BuildInfo.VERSION)
        .register(meters);
  }

  /**
   * A Prometheus registry whose meters keep Prometheus' naming rules, as {@code promtool check
   * metrics} reads them (decision 0206): of Micrometer's processor meters, the CPU time in
   * nanoseconds ({@code process_cpu_time_ns_total}) is left out for {@link #processCpuSeconds}, and
   * the CPU count, a gauge, is not named {@code _count} (a histogram's or summary's suffix).
   */
  private static PrometheusMeterRegistry prometheusRegistry() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry
        .config()
        .meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")))
        .meterFilter(
            new MeterFilter() {
              @Override
              public Meter.Id map(Meter.Id id) {
                return id.getName().equals("system.cpu.count") ? id.withName("system.cpus") : id;
              }
            });
    return registry;
  }

  /** {@code process_cpu_seconds_total}, the Prometheus clients' name, where the JVM tells it. */
  private void processCpuSeconds() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os
        && os.getProcessCpuTime() >= 0) {
      FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9)
          .description("CPU time used by the process")
          .baseUnit("seconds")
          .register(meters);
    }
  }

  /** The registry's monitor: registrations, sessions, watch deliveries and push lag. */
  public RegistryMonitor monitor() {
    return monitor;
  }

  /** The HTTP API's hook: request timers by route, and the {@code /metrics} page. */
  public HttpMetrics http() {
    return http;
  }

  /** The DNS listener's hook: query timers by protocol and response code. */
  public DnsMetrics dns() {
    return dns;
  }

  /** A gRPC interceptor timing and counting every call by method and status (Micrometer's). */
  public ServerInterceptor grpcInterceptor() {
    return new MetricCollectingServerInterceptor(meters);
  }

  /** The meter registry, for parts that add meters of their own (health checks). */
  public MeterRegistry meters() {
    return meters;
  }

  /** Gauges read from {@code registry} at each scrape: instances, services, sessions, watches. */
  public void bindRegistry(Registry registry) {
    requireNonNull(registry, "registry");
    gauge("cairn.instances", "Registered instances", registry, Registry::instanceCount);
    gauge("cairn.services", "Services with at least one instance", registry, r -> r.serviceCount());
    gauge("cairn.sessions.open", "Open sessions", registry, Registry::sessionCount);
    gauge("cairn.watches", "Open watches, all transports", registry, Registry::watcherCount);
    gauge("cairn.revision", "The registry's revision", registry, r -> (double) r.revision());
    bindHealth(registry);
    bindLog(registry);
    if (registry.cluster().replicated()) {
      bindRaft(registry.cluster());
    }
  }

  /** Whether the command log can write, and the writes it failed (decision 0094). */
  private void bindLog(Registry registry) {
    gauge(
        "cairn.log.writable",
        "1 while the command log can write, 0 while it cannot (disk full, a failed log write)",
        registry,
        r -> r.logStorage().writable() ? 1 : 0);
    Gauge.builder("cairn.log.disk.usable", registry, r -> (double) r.logStorage().usableBytes())
        .description("Usable bytes on the file system of the data directory (-1: unknown)")
        .baseUnit("bytes")
        .strongReference(true)
        .register(meters);
    functionCounter(
        "cairn.log.write.failures",
        "Writes failed because the command log could not write",
        registry,
        r -> r.logStorage().failedWrites());
    functionCounter(
        "cairn.log.recoveries",
        "In-process restarts of the command log after a failed log write",
        registry,
        r -> r.logStorage().recoveries());
  }

  /** A cluster member's Raft state: term, role, indexes, contact and counters (decision 0100). */
  private void bindRaft(dev.cairn.server.core.Cluster cluster) {
    gauge("cairn.raft.term", "The member's current Raft term", cluster, c -> c.status().term());
    for (dev.cairn.server.core.log.LogStatus.Role role :
        dev.cairn.server.core.log.LogStatus.Role.values()) {
      Gauge.builder("cairn.raft.role", cluster, c -> c.status().role() == role ? 1 : 0)
          .description("1 for the member's current role")
          .tag("role", role.name().toLowerCase(java.util.Locale.ROOT))
          .strongReference(true)
          .register(meters);
    }
    gauge(
        "cairn.raft.known.leader",
        "1 while the member knows a leader",
        cluster,
        c -> c.status().hasLeader() ? 1 : 0);
    gauge(
        "cairn.raft.commit.index",
        "The highest log index known committed",
        cluster,
        c -> c.status().commitIndex());
    gauge(
        "cairn.raft.applied.index",
        "The highest log index applied here",
        cluster,
        c -> c.status().appliedIndex());
    gauge(
        "cairn.raft.apply.lag",
        "Committed entries not yet applied here",
        cluster,
        c -> Math.max(0, c.status().commitIndex() - c.status().appliedIndex()));
    Gauge.builder(
            "cairn.raft.last.contact",
            cluster,
            c -> Math.max(0, c.status().lastContactMillis()) / 1000.0)
        .description("Time since the member last heard from its leader (0 on the leader)")
        .baseUnit("seconds")
        .strongReference(true)
        .register(meters);
    functionCounter(
        "cairn.raft.leader.changes",
        "Leader changes seen by this member",
        cluster,
        c -> c.status().leaderChanges());
    functionCounter(
        "cairn.raft.snapshot.installs",
        "Snapshots a leader installed on this member",
        cluster,
        c -> c.status().snapshotInstalls());
    functionCounter(
        "cairn.raft.forwarded.writes",
        "Batches of writes this member forwarded to the leader",
        cluster,
        c -> c.status().forwardedWrites());
  }

  /** Health-check counters and self-preservation, read from the registry at each scrape. */
  private void bindHealth(Registry registry) {
    gauge(
        "cairn.health.checked.instances",
        "Instances with a health check",
        registry,
        r -> r.healthCheckStats().checkedInstances());
    gauge(
        "cairn.health.probes.in.flight",
        "Health probes running now",
        registry,
        r -> r.healthCheckStats().probesInFlight());
    gauge(
        "cairn.health.probes.waiting",
        "Health probes waiting for a free slot",
        registry,
        r -> r.healthCheckStats().probesWaiting());
    gauge(
        "cairn.health.suppressed",
        "Instances held critical by flap damping",
        registry,
        r -> r.healthCheckStats().suppressed());
    functionCounter(
        "cairn.health.probes.timed.out",
        "Health probes that ran into their timeout",
        registry,
        r -> r.healthCheckStats().probesTimedOut());
    functionCounter(
        "cairn.health.probes.skipped",
        "Health-check runs skipped because the previous probe was still running",
        registry,
        r -> r.healthCheckStats().probesSkipped());
    functionCounter(
        "cairn.health.transitions",
        "Health changes made by the checks",
        registry,
        r -> r.healthCheckStats().transitions());
    // "stat", not "quantile": that label belongs to summaries (decision 0206).
    for (String stat : new String[] {"p50", "p99", "max"}) {
      Gauge.builder("cairn.health.schedule.lateness", registry, r -> lateness(r, stat))
          .description("Delay of health-check runs behind their planned start")
          .baseUnit("seconds")
          .tag("stat", stat)
          .strongReference(true)
          .register(meters);
    }
    gauge(
        "cairn.self.preservation.active",
        "1 while session expiry is paused by self-preservation",
        registry,
        r -> r.selfPreservation().active() ? 1 : 0);
    gauge(
        "cairn.self.preservation.held.sessions",
        "Sessions past their lease kept alive by self-preservation",
        registry,
        r -> r.selfPreservation().heldSessions());
    functionCounter(
        "cairn.self.preservation.activations",
        "Times self-preservation began",
        registry,
        r -> r.selfPreservation().activations());
  }

  private static double lateness(Registry r, String stat) {
    HealthCheckStats s = r.healthCheckStats();
    long micros =
        switch (stat) {
          case "p50" -> s.latenessP50Micros();
          case "p99" -> s.latenessP99Micros();
          default -> s.latenessMaxMicros();
        };
    return micros / 1e6;
  }

  private <T> void functionCounter(
      String name, String description, T source, ToDoubleFunction<T> value) {
    FunctionCounter.builder(name, source, value).description(description).register(meters);
  }

  /**
   * A gauge {@code cairn.watchers} for the watchers of one {@code transport} ({@code grpc}, {@code
   * sse}, {@code long_poll}), read from {@code source} at each scrape.
   */
  public <T> void bindWatchers(String transport, T source, ToDoubleFunction<T> count) {
    Gauge.builder("cairn.watchers", source, count)
        .description("Open watchers by transport (long_poll: long-polls waiting)")
        .tag("transport", transport)
        .strongReference(true)
        .register(meters);
  }

  /** A gauge of {@code source}, read at each scrape. */
  public <T> void gauge(String name, String description, T source, ToDoubleFunction<T> value) {
    Gauge.builder(name, source, value)
        .description(description)
        .strongReference(true)
        .register(meters);
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return meters.scrape();
  }

  @Override
  public void close() {
    gc.close();
    meters.close();
  }

  /** Counts what the registry reports. */
  private final class Monitor implements RegistryMonitor {
    private final Counter ephemeral = registrations("ephemeral");
    private final Counter persistent = registrations("persistent");
    private final Counter deregistrations =
        Counter.builder("cairn.deregistrations")
            .description("Instances deregistered by clients")
            .register(meters);
    private final Counter opened = sessions(false);
    private final Counter resumed = sessions(true);
    private final Counter expired =
        Counter.builder("cairn.sessions.expired")
            .description("Sessions closed because their lease ran out")
            .register(meters);
    private final Counter events =
        Counter.builder("cairn.watch.events.delivered")
            .description("Events handed to watch transports")
            .register(meters);
    private final Counter snapshots = snapshots(false);
    private final Counter resyncs = snapshots(true);
    private final Counter protection =
        Counter.builder("cairn.protection.reads")
            .description(
                "Healthy-only reads answered with every instance: too few were healthy for the"
                    + " service's protection threshold")
            .register(meters);
    private final ConcurrentHashMap<String, Timer> probes = new ConcurrentHashMap<>();
    private final Timer lag =
        Timer.builder("cairn.watch.push.lag")
            .description("From an event's commit to its delivery to the watch transport")
            .serviceLevelObjectives(LAG_BUCKETS)
            .register(meters);

    @Override
    public void registered(InstanceKind kind) {
      (kind == InstanceKind.EPHEMERAL ? ephemeral : persistent).increment();
    }

    @Override
    public void deregistered() {
      deregistrations.increment();
    }

    @Override
    public void sessionOpened(boolean wasResumed) {
      (wasResumed ? resumed : opened).increment();
    }

    @Override
    public void sessionExpired() {
      expired.increment();
    }

    @Override
    public void eventsDelivered(int n, long lagNanos) {
      events.increment(n);
      lag.record(lagNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void snapshotDelivered(boolean resync) {
      (resync ? resyncs : snapshots).increment();
    }

    @Override
    public void healthProbed(String type, Health result, long nanos) {
      String key = type + '/' + result;
      Timer t = probes.get(key);
      if (t == null) {
        t =
            probes.computeIfAbsent(
                key,
                k ->
                    Timer.builder("cairn.health.probes")
                        .description("Health probes by check type and result, with their duration")
                        .tag("type", type)
                        .tag("result", result.name().toLowerCase(java.util.Locale.ROOT))
                        .serviceLevelObjectives(REQUEST_BUCKETS)
                        .register(meters));
      }
      t.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void protectionApplied() {
      protection.increment();
    }

    private Counter registrations(String kind) {
      return Counter.builder("cairn.registrations")
          .description("Instances registered or replaced, by kind")
          .tag("kind", kind)
          .register(meters);
    }

    private Counter sessions(boolean isResume) {
      return Counter.builder("cairn.sessions.opened")
          .description("Sessions opened, or resumed within their TTL")
          .tag("resumed", Boolean.toString(isResume))
          .register(meters);
    }

    private Counter snapshots(boolean resync) {
      return Counter.builder("cairn.watch.snapshots.delivered")
          .description("Snapshots handed to watch transports (resync: after lost events)")
          .tag("resync", Boolean.toString(resync))
          .register(meters);
    }
  }

  /** Times HTTP requests by route, method and status; serves the scrape. */
  private final class Http implements HttpMetrics {
    private final ConcurrentHashMap<Key, Timer> timers = new ConcurrentHashMap<>();

    @Override
    public void answered(String route, String method, int status, long nanos) {
      Timer t = timers.get(new Key(route, method, status));
      if (t == null) {
        t =
            timers.computeIfAbsent(
                new Key(route, method, status),
                k ->
                    Timer.builder("cairn.http.requests")
                        .description("HTTP requests by route, method and status")
                        .tag("route", k.route)
                        .tag("method", k.method)
                        .tag("status", Integer.toString(k.status))
                        .serviceLevelObjectives(REQUEST_BUCKETS)
                        .register(meters));
      }
      t.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public String scrape() {
      return meters.scrape();
    }
  }

  /** Times DNS queries by protocol and response code. */
  private final class Dns implements DnsMetrics {
    private final ConcurrentHashMap<String, Timer> udp = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Timer> tcp = new ConcurrentHashMap<>();

    @Override
    public void answered(String protocol, String rcode, long nanos) {
      ConcurrentHashMap<String, Timer> byCode = protocol.equals("udp") ? udp : tcp;
      Timer t = byCode.get(rcode);
      if (t == null) {
        t =
            byCode.computeIfAbsent(
                rcode,
                c ->
                    Timer.builder("cairn.dns.queries")
                        .description("DNS queries by protocol and response code")
                        .tag("protocol", protocol)
                        .tag("rcode", c)
                        .serviceLevelObjectives(REQUEST_BUCKETS)
                        .register(meters));
      }
      t.record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  private record Key(String route, String method, int status) {}
}
