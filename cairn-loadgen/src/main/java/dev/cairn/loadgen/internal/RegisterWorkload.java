package dev.cairn.loadgen.internal;

import dev.cairn.proto.v1.DeregisterRequest;
import dev.cairn.proto.v1.Instance;
import dev.cairn.proto.v1.RegisterRequest;
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
 * flight each), then deregistered the same way. Both phases first run once unmeasured ({@code
 * warmup} instances) so that client and server have compiled their hot paths.
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
      boolean persistentPhase,
      Duration timeout) {

    static Settings defaults() {
      return new Settings(10_000, 10_000, 100, 4, 32, 8, 4, true, Duration.ofSeconds(120));
    }

    /** {@code n} instances per phase, each after a warm-up of as many (at most 10,000). */
    Settings withInstances(int n) {
      return new Settings(
          n,
          Math.min(10_000, n),
          services,
          connections,
          callers,
          depth,
          persistentInFlight,
          persistentPhase,
          timeout);
    }

    /** {@code depth} pipelined session requests and {@code unary} unary calls per caller. */
    Settings withInFlight(int depth, int unary) {
      return new Settings(
          instances,
          warmup,
          services,
          connections,
          callers,
          depth,
          unary,
          persistentPhase,
          timeout);
    }

    /** With or without the persistent phase (and its warm-up). */
    Settings withPersistent(boolean run) {
      return new Settings(
          instances,
          warmup,
          services,
          connections,
          callers,
          depth,
          persistentInFlight,
          run,
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
        if (settings.persistentPhase()) {
          persistent(context, discarded, channels, settings.warmup(), "wp");
        }
        if (settings.persistentPhase()) {
          table.add(
              NAME,
              "warm-up, not measured (ephemeral + persistent)",
              ResultTable.count(settings.warmup()) + " + " + ResultTable.count(settings.warmup()),
              "—");
        } else {
          table.add(
              NAME, "warm-up, not measured (ephemeral)", ResultTable.count(settings.warmup()), "—");
        }
      }
      ephemeral(context, table, channels, settings.instances(), "e");
      if (settings.persistentPhase()) {
        persistent(context, table, channels, settings.instances(), "p");
      }
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
      Instance[] instances = instances(context, count, prefix);
      EncodedRegistration[] registrations = new EncodedRegistration[count];
      for (int k = 0; k < count; k++) {
        registrations[k] = EncodedRegistration.of(context.namespace(), instances[k]);
      }
      Latency latency = new Latency();
      CpuMeter cpu = CpuMeter.start(context.server().pid());
      Pipeline.Result result =
          Pipeline.run(
              count,
              settings.callers(),
              settings.depth(),
              k -> sessions.get(streamOf(k)).register(registrations[k]),
              latency,
              settings.timeout());
      cpu.stop();
      report(table, label, count, result, latency, "≥ 30,000 ops/s");
      reportCpu(table, label, cpu, result.succeeded());
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
    Instance[] instances = instances(context, count, prefix);
    RegisterRequest[] registers = new RegisterRequest[count];
    DeregisterRequest[] deregisters = new DeregisterRequest[count];
    for (int k = 0; k < count; k++) {
      registers[k] = Calls.registerRequest(context.namespace(), instances[k]);
      deregisters[k] =
          Calls.deregisterRequest(
              context.namespace(), instances[k].getService(), instances[k].getId());
    }
    Latency latency = new Latency();
    CpuMeter cpu = CpuMeter.start(context.server().pid());
    Pipeline.Result result =
        Pipeline.run(
            count,
            settings.callers(),
            settings.persistentInFlight(),
            k -> Calls.register(channels.get(streamOf(k)), registers[k]),
            latency,
            settings.timeout());
    cpu.stop();
    report(table, label, count, result, latency, "≥ 6,000 ops/s");
    reportCpu(table, label, cpu, result.succeeded());
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
            k -> Calls.deregister(channels.get(streamOf(k)), deregisters[k]),
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

  private static void reportCpu(ResultTable table, String label, CpuMeter cpu, long ops) {
    if (ops > 0) {
      table.add(
          NAME,
          label + " CPU per op, server / loadgen",
          cpu.serverPerOp(ops) + " / " + cpu.selfPerOp(ops),
          "—");
    }
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

  /**
   * The instances of one phase, built before its clock starts so that the measurement holds only
   * sending and receiving.
   */
  private Instance[] instances(RunContext context, int count, String prefix) {
    Instance[] instances = new Instance[count];
    for (int k = 0; k < count; k++) {
      instances[k] = Instances.of(serviceOf(context, k), Instances.id(prefix, k), k);
    }
    return instances;
  }

  /** The stream (connection) of operation {@code k}: its caller's. */
  private int streamOf(int k) {
    return (k % settings.callers()) % settings.connections();
  }

  private String serviceOf(RunContext context, int k) {
    return context.service(String.format(Locale.ROOT, "w1-%03d", k % settings.services()));
  }
}
