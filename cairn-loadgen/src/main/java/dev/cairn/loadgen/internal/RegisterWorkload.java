package dev.cairn.loadgen.internal;

import dev.cairn.proto.v1.Instance;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * W1: registration throughput and latency. First {@code instances} ephemeral instances across
 * {@code services} services, sent as pipelined {@code RegisterInstance} requests over one session
 * stream per connection ({@code callers} callers share the streams, each keeping up to {@code
 * depth} requests in flight); the sessions are then closed. Then as many persistent instances by
 * unary {@code Register} on the async stub ({@code callers} callers, {@code persistentInFlight} in
 * flight each), then deregistered the same way.
 */
final class RegisterWorkload implements Workload {

  /** The workload's bounds. */
  record Settings(
      int instances,
      int warmup,
      int services,
      int connections,
      int callers,
      int depth,
      int persistentInFlight,
      Duration timeout) {

    static Settings defaults() {
      return new Settings(10_000, 2_000, 100, 4, 32, 8, 4, Duration.ofSeconds(120));
    }

    /** {@code n} instances per phase, after a warm-up of a fifth of that (at most 2,000). */
    Settings withInstances(int n) {
      return new Settings(
          n,
          Math.min(2_000, n / 5),
          services,
          connections,
          callers,
          depth,
          persistentInFlight,
          timeout);
    }
  }

  private static final String NAME = "W1";
  private static final Duration SESSION_TTL = Duration.ofSeconds(30);
  private static final Duration CLEANUP_TIMEOUT = Duration.ofSeconds(30);

  private final Settings settings;

  RegisterWorkload(Settings settings) {
    this.settings = settings;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(RunContext context, ResultTable table) throws Exception {
    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < settings.connections(); i++) {
      channels.add(context.target().newChannel());
    }
    try {
      if (settings.warmup() > 0) {
        context.progress(
            "%s: warming up with %,d + %,d instances...",
            NAME, settings.warmup(), settings.warmup());
        ResultTable discarded = new ResultTable();
        ephemeral(context, discarded, channels, settings.warmup(), "we");
        persistent(context, discarded, channels, settings.warmup(), "wp");
        table.add(
            NAME,
            "warm-up, not measured (ephemeral + persistent)",
            ResultTable.count(settings.warmup()) + " + " + ResultTable.count(settings.warmup()),
            "—");
      }
      ephemeral(context, table, channels, settings.instances(), "e");
      persistent(context, table, channels, settings.instances(), "p");
    } finally {
      channels.forEach(Target::shutdown);
    }
  }

  private void ephemeral(
      RunContext context,
      ResultTable table,
      List<ManagedChannel> channels,
      int count,
      String prefix)
      throws Exception {
    long baseline = context.server().instanceCount();
    List<SessionStream> sessions = new ArrayList<>();
    try {
      for (int i = 0; i < channels.size(); i++) {
        sessions.add(
            SessionStream.open(channels.get(i), SESSION_TTL, "loadgen-w1-" + i, context.scheduler())
                .get(10, TimeUnit.SECONDS));
      }
      String label =
          String.format(
              Locale.ROOT,
              "ephemeral register (%d sessions, %d callers x %d pipelined)",
              sessions.size(),
              settings.callers(),
              settings.depth());
      context.progress("%s: %s of %,d instances...", NAME, label, count);
      Latency latency = new Latency();
      Pipeline.Result result =
          Pipeline.run(
              count,
              settings.callers(),
              settings.depth(),
              k -> {
                SessionStream session = sessions.get(streamOf(k));
                Instance instance = Instances.of(serviceOf(context, k), Instances.id(prefix, k), k);
                return session.register(context.namespace(), instance);
              },
              latency,
              settings.timeout());
      report(table, label, count, result, latency, "≥ 30,000 ops/s");
      table.add(
          NAME,
          "ephemeral instances on server",
          ResultTable.count(context.server().instanceCount() - baseline),
          ResultTable.count(count));
    } finally {
      for (SessionStream session : sessions) {
        session.close(Duration.ofSeconds(10));
      }
    }
    boolean clean = context.server().awaitInstanceCount(baseline, CLEANUP_TIMEOUT);
    table.add(NAME, "ephemeral clean-up (sessions closed)", clean ? "ok" : "instances left", "ok");
  }

  private void persistent(
      RunContext context,
      ResultTable table,
      List<ManagedChannel> channels,
      int count,
      String prefix)
      throws Exception {
    long baseline = context.server().instanceCount();
    String label =
        String.format(
            Locale.ROOT,
            "persistent register (unary, %d callers x %d in flight)",
            settings.callers(),
            settings.persistentInFlight());
    context.progress("%s: %s of %,d instances...", NAME, label, count);
    Latency latency = new Latency();
    Pipeline.Result result =
        Pipeline.run(
            count,
            settings.callers(),
            settings.persistentInFlight(),
            k ->
                Calls.register(
                    channels.get(streamOf(k)),
                    context.namespace(),
                    Instances.of(serviceOf(context, k), Instances.id(prefix, k), k)),
            latency,
            settings.timeout());
    report(table, label, count, result, latency, "≥ 6,000 ops/s");
    table.add(
        NAME,
        "persistent instances on server",
        ResultTable.count(context.server().instanceCount() - baseline),
        ResultTable.count(count));

    context.progress("%s: deregistering %,d persistent instances...", NAME, count);
    Latency deregisterLatency = new Latency();
    Pipeline.Result deregistered =
        Pipeline.run(
            count,
            settings.callers(),
            settings.persistentInFlight(),
            k ->
                Calls.deregister(
                    channels.get(streamOf(k)),
                    context.namespace(),
                    serviceOf(context, k),
                    Instances.id(prefix, k)),
            deregisterLatency,
            settings.timeout());
    table.add(
        NAME,
        "persistent deregister throughput",
        ResultTable.rate(deregistered.perSecond(), "ops/s"),
        "—");
    boolean clean = context.server().awaitInstanceCount(baseline, CLEANUP_TIMEOUT);
    table.add(NAME, "persistent clean-up (deregistered)", clean ? "ok" : "instances left", "ok");
  }

  private void report(
      ResultTable table,
      String label,
      int count,
      Pipeline.Result result,
      Latency latency,
      String target) {
    table.add(
        NAME,
        label + " registered",
        ResultTable.count(result.succeeded())
            + (result.finished() ? "" : " (timed out after " + settings.timeout() + ")"),
        ResultTable.count(count));
    if (result.failed() > 0) {
      table.add(
          NAME,
          label + " errors",
          ResultTable.count(result.failed()) + " (first: " + result.firstError() + ")",
          "0");
    }
    table.add(NAME, label + " throughput", ResultTable.rate(result.perSecond(), "ops/s"), target);
    latency.addRows(table, NAME, label + " latency");
  }

  /** The stream (connection) of operation {@code k}: its caller's. */
  private int streamOf(int k) {
    return (k % settings.callers()) % settings.connections();
  }

  private String serviceOf(RunContext context, int k) {
    return context.service(String.format(Locale.ROOT, "w1-%03d", k % settings.services()));
  }
}
