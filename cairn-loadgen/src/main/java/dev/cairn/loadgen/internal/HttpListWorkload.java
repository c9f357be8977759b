package dev.cairn.loadgen.internal;

import static java.util.Objects.requireNonNull;

import io.grpc.ManagedChannel;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * W3: HTTP read throughput. A service of {@code instances} persistent instances is listed with
 * {@code GET /v1/services/{s}/instances} over {@code connections} keep-alive connections, each with
 * one request outstanding at a time (closed loop), for {@code duration}. The load comes from the
 * selected {@link Client} (default: {@link Client#NETTY}, a wrk-style client that costs far less
 * CPU per read than the server). Both clients warm up first (together a fifth of the run, 0.5-3 s);
 * then the other client runs a trial of that length, reported beside the measured run. With {@code
 * gzip} both clients ask for gzipped answers and inflate them ({@link ReadPlan}).
 */
final class HttpListWorkload implements Workload {

  /** The HTTP client that generates the reads. */
  enum Client {
    /** {@link NettyReader}: a small event-loop group drives all connections. */
    NETTY,
    /**
     * {@link JdkReader}: {@code java.net.http.HttpClient}, one thread and client per connection.
     */
    JDK;

    Client other() {
      return this == NETTY ? JDK : NETTY;
    }
  }

  /** The workload's bounds and client; every connection also stops after 10,000,000 reads. */
  record Settings(
      int connections,
      int instances,
      Duration duration,
      Client client,
      int ioThreads,
      boolean gzip) {

    Settings {
      requireNonNull(duration, "duration");
      requireNonNull(client, "client");
    }

    /** 16 connections, 100 instances, 20 s, Netty with one event-loop thread, no gzip. */
    static Settings defaults() {
      return new Settings(16, 100, Duration.ofSeconds(20), Client.NETTY, 1, false);
    }

    Settings withDuration(Duration d) {
      return new Settings(connections, instances, d, client, ioThreads, gzip);
    }

    Settings withClient(Client c, int threads) {
      return new Settings(connections, instances, duration, c, threads, gzip);
    }

    Settings withGzip(boolean g) {
      return new Settings(connections, instances, duration, client, ioThreads, g);
    }
  }

  private static final String NAME = "W3";
  private static final long MAX_READS_PER_CONNECTION = 10_000_000;
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  private final Settings settings;
  private int members = 1;

  HttpListWorkload(Settings settings) {
    this.settings = requireNonNull(settings, "settings");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(RunContext context, ResultTable table) throws Exception {
    String service = context.service("w3");
    members = context.members().size();
    ManagedChannel channel = context.target().newChannel();
    try {
      Pipeline.Result populated =
          Pipeline.run(
              settings.instances(),
              4,
              4,
              k ->
                  Calls.register(
                      channel, context.namespace(), Instances.of(service, Instances.id("r", k), k)),
              new Latency(),
              Duration.ofSeconds(30));
      if (populated.failed() > 0) {
        throw new IllegalStateException("populating " + service + ": " + populated.firstError());
      }
      String pathAndQuery =
          "/v1/services/" + service + "/instances?namespace=" + context.namespace();
      // Every member must list them all before the clock starts (followers apply a little later).
      for (ServerApi member : context.servers()) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (member.instances(context.namespace(), service).path("instances").size()
                < settings.instances()
            && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
      }
      int listed =
          context.server().instances(context.namespace(), service).path("instances").size();
      table.add(
          NAME,
          "instances in each list response",
          ResultTable.count(listed),
          ResultTable.count(settings.instances()));
      byte[] reference = context.server().get(pathAndQuery);
      table.add(NAME, "list response body", ResultTable.count(reference.length) + " B", "—");
      if (settings.gzip()) {
        byte[] gzipped = context.server().get(pathAndQuery, true);
        table.add(
            NAME, "list response body, gzipped", ResultTable.count(gzipped.length) + " B", "—");
      }
      List<URI> uris = new ArrayList<>();
      for (Target member : context.members()) {
        uris.add(member.http(pathAndQuery));
      }
      ReadPlan plan =
          new ReadPlan(
              uris,
              settings.connections(),
              reference.length,
              settings.duration(),
              MAX_READS_PER_CONNECTION,
              REQUEST_TIMEOUT,
              context.target().token(),
              settings.gzip());
      List<OptionalLong> serverPid = context.serverPids();
      Target.Tls tls = context.target().tls();

      Duration trial = trial(settings.duration());
      Client client = settings.client();
      context.progress(
          "%s: warming up both clients (%d ms), then a %d ms trial of %s...",
          NAME, trial.toMillis(), trial.toMillis(), describe(client.other()));
      read(client, plan.withDuration(trial.dividedBy(2)), serverPid, tls);
      read(client.other(), plan.withDuration(trial.dividedBy(2)), serverPid, tls);
      Measured other = read(client.other(), plan.withDuration(trial), serverPid, tls);
      addRows(table, "trial: " + describe(client.other()), other, "—");

      context.progress(
          "%s: %s, %d connections, %d s...",
          NAME, describe(client), settings.connections(), settings.duration().toSeconds());
      Measured measured = read(client, plan, serverPid, tls);
      addRows(
          table,
          describe(client),
          measured,
          context.cluster() ? "≥ 20,000 reads/s (cluster)" : "≥ 20,000 reads/s");
      measured.reads.latency().addRows(table, NAME, "read latency");
      table.add(
          NAME,
          "load average (1 min) after the run",
          String.format(
              Locale.ROOT,
              "%.2f",
              ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()),
          "—");
    } finally {
      Pipeline.run(
          settings.instances(),
          4,
          4,
          k -> Calls.deregister(channel, context.namespace(), service, Instances.id("r", k)),
          new Latency(),
          Duration.ofSeconds(30));
      Target.shutdown(channel);
    }
  }

  /** One run's reads and the CPU time both processes spent on it. */
  private record Measured(ReadResult reads, CpuMeter cpu) {}

  private Measured read(Client client, ReadPlan plan, List<OptionalLong> serverPid, Target.Tls tls)
      throws IOException, InterruptedException {
    CpuMeter cpu = CpuMeter.start(serverPid);
    ReadResult reads =
        client == Client.NETTY
            ? NettyReader.run(plan, settings.ioThreads(), tls == null ? null : tls.http())
            : JdkReader.run(plan, tls == null ? null : tls.jdk());
    cpu.stop();
    return new Measured(reads, cpu);
  }

  private void addRows(ResultTable table, String what, Measured measured, String target) {
    ReadResult reads = measured.reads;
    String label =
        String.format(
            Locale.ROOT,
            "list %d instances (%s, %d connections%s, %.1f s)",
            settings.instances(),
            what,
            settings.connections(),
            members > 1 ? " over " + members + " members" : "",
            reads.elapsedNanos() / 1e9);
    table.add(NAME, label + " throughput", ResultTable.rate(reads.perSecond(), "reads/s"), target);
    table.add(
        NAME,
        label + " reads / errors",
        ResultTable.count(reads.ok()) + " / " + ResultTable.count(reads.errors()),
        "errors: 0");
    table.add(
        NAME,
        label + " CPU per read: loadgen / server",
        measured.cpu.selfPerOp(reads.ok()) + " / " + measured.cpu.serverPerOp(reads.ok()),
        "—");
  }

  private String describe(Client client) {
    String gzip = settings.gzip() ? ", gzip" : "";
    if (client == Client.JDK) {
      return "java.net.http, " + settings.connections() + " threads" + gzip;
    }
    return (settings.ioThreads() == 1
            ? "Netty, 1 I/O thread"
            : "Netty, " + settings.ioThreads() + " I/O threads")
        + gzip;
  }

  /** A fifth of the run, between 0.5 and 3 s. */
  private static Duration trial(Duration duration) {
    long millis = Math.max(500, Math.min(3_000, duration.toMillis() / 5));
    return Duration.ofMillis(millis);
  }
}
