package dev.cairn.loadgen.internal;

import dev.cairn.client.CairnClient;
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
 * warmup} instances) so that client and server have compiled their hot paths. Each phase also runs
 * SDK-shaped ({@code blockingCallers} threads, each waiting for its call before the next). Against
 * a cluster, the connections are spread over the members round-robin.
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
      int blockingCallers,
      boolean sessionsOnLeader,
      boolean sdkProcesses,
      Duration timeout) {

    static Settings defaults() {
      return new Settings(
          10_000, 10_000, 100, 4, 32, 8, 4, true, 32, true, true, Duration.ofSeconds(120));
    }

    /** {@code n} blocking callers (threads, one call each at a time) in the SDK-shaped phases. */
    Settings withBlockingCallers(int n) {
      return copy(b -> b.blockingCallers = n);
    }

    /** {@code n} instances per phase, each after a warm-up of as many (at most 10,000). */
    Settings withInstances(int n) {
      return copy(
          b -> {
            b.instances = n;
            b.warmup = Math.min(10_000, n);
          });
    }

    /** {@code depth} pipelined session requests and {@code unary} unary calls per caller. */
    Settings withInFlight(int depth, int unary) {
      return copy(
          b -> {
            b.depth = depth;
            b.persistentInFlight = unary;
          });
    }

    /**
     * Whether the raw client's sessions ask for the member that leads and follow its answer there,
     * as the SDK's do by default (decision 0114); without, they stay where they were opened and a
     * follower forwards their writes.
     */
    Settings withSessionsOnLeader(boolean onLeader) {
      return copy(b -> b.sessionsOnLeader = onLeader);
    }

    /**
     * With or without the SDK phase in processes of their own (one {@code CairnClient} each, as
     * many as the in-process phase has clients), beside the one in this process.
     */
    Settings withSdkProcesses(boolean run) {
      return copy(b -> b.sdkProcesses = run);
    }

    /** With or without the persistent phase (and its warm-up). */
    Settings withPersistent(boolean run) {
      return copy(b -> b.persistentPhase = run);
    }

    private Settings copy(java.util.function.Consumer<Copy> change) {
      Copy c = new Copy(this);
      change.accept(c);
      return c.settings();
    }

    /** A changeable copy of the settings, for the withers. */
    private static final class Copy {
      int instances;
      int warmup;
      final int services;
      final int connections;
      final int callers;
      int depth;
      int persistentInFlight;
      boolean persistentPhase;
      int blockingCallers;
      boolean sessionsOnLeader;
      boolean sdkProcesses;
      final Duration timeout;

      Copy(Settings s) {
        instances = s.instances;
        warmup = s.warmup;
        services = s.services;
        connections = s.connections;
        callers = s.callers;
        depth = s.depth;
        persistentInFlight = s.persistentInFlight;
        persistentPhase = s.persistentPhase;
        blockingCallers = s.blockingCallers;
        sessionsOnLeader = s.sessionsOnLeader;
        sdkProcesses = s.sdkProcesses;
        timeout = s.timeout;
      }

      Settings settings() {
        return new Settings(
            instances,
            warmup,
            services,
            connections,
            callers,
            depth,
            persistentInFlight,
            persistentPhase,
            blockingCallers,
            sessionsOnLeader,
            sdkProcesses,
            timeout);
      }
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
    // Connections are spread over the members round-robin, as many on each: with 3 members, 6.
    int members = context.members().size();
    int connections = (settings.connections() + members - 1) / members * members;
    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      channels.add(context.members().get(i % members).newChannel());
    }
    try {
      if (settings.warmup() > 0) {
        context.progress(
            "%s: warming up with %,d + %,d instances...",
            NAME, settings.warmup(), settings.warmup());
        ResultTable discarded = new ResultTable();
        ephemeral(context, discarded, channels, settings.warmup(), "we", false);
        if (settings.persistentPhase()) {
          persistent(context, discarded, channels, settings.warmup(), "wp", false);
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
      ephemeral(context, table, channels, settings.instances(), "e", false);
      if (settings.blockingCallers() > 0) {
        ephemeral(context, table, channels, settings.instances(), "eb", true);
        sdk(context, table, connections);
        if (settings.sdkProcesses()) {
          sdkProcesses(context, table, connections);
        }
      }
      if (settings.persistentPhase()) {
        persistent(context, table, channels, settings.instances(), "p", false);
        if (settings.blockingCallers() > 0) {
          persistent(context, table, channels, settings.instances(), "pb", true);
        }
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
      String prefix,
      boolean blocking)
      throws Exception {
    long baseline = context.server().instanceCount();
    List<SessionStream> sessions = new ArrayList<>();
    List<ManagedChannel> leaderChannels = new ArrayList<>();
    try {
      for (int i = 0; i < channels.size(); i++) {
        sessions.add(open(context, channels.get(i), "loadgen-w1-" + i, leaderChannels));
      }
      String label =
          blocking
              ? String.format(
                  Locale.ROOT,
                  "ephemeral register, SDK-shaped (%d sessions%s, %d blocking callers)",
                  sessions.size(),
                  sessionSpread(context),
                  settings.blockingCallers())
              : String.format(
                  Locale.ROOT,
                  "ephemeral register (%d sessions%s, %d callers x %d pipelined)",
                  sessions.size(),
                  sessionSpread(context),
                  settings.callers(),
                  settings.depth());
      context.progress("%s: %s of %,d instances...", NAME, label, count);
      Instance[] instances = instances(context, count, prefix);
      EncodedRegistration[] registrations = new EncodedRegistration[count];
      for (int k = 0; k < count; k++) {
        registrations[k] = EncodedRegistration.of(context.namespace(), instances[k]);
      }
      Latency latency = new Latency();
      CpuMeter cpu = CpuMeter.start(context.serverPids());
      int callers = blocking ? settings.blockingCallers() : settings.callers();
      Pipeline.Operation register =
          k -> sessions.get(streamOf(k, callers, sessions.size())).register(registrations[k]);
      Pipeline.Result result =
          blocking
              ? Blocking.run(count, callers, register, latency, settings.timeout())
              : Pipeline.run(
                  count, callers, settings.depth(), register, latency, settings.timeout());
      cpu.stop();
      report(table, label, count, result, latency, ephemeralTarget(context, blocking));
      reportCpu(table, label, cpu, result.succeeded());
      context.server().awaitInstanceCount(baseline + count, Duration.ofSeconds(10));
      table.add(
          NAME,
          "ephemeral instances on server" + (context.cluster() ? " (first member)" : ""),
          ResultTable.count(context.server().instanceCount() - baseline),
          ResultTable.count(count));
    } finally {
      for (SessionStream session : sessions) {
        session.close(Duration.ofSeconds(10));
      }
      leaderChannels.forEach(Target::shutdown);
    }
    boolean clean = context.server().awaitInstanceCount(baseline, CLEANUP_TIMEOUT);
    table.add(NAME, "ephemeral clean-up (sessions closed)", clean ? "ok" : "instances left", "ok");
  }

  /**
   * Opens a session on {@code channel}; with {@link Settings#sessionsOnLeader()} on a cluster, asks
   * for the member that leads and, sent there, opens it again on a new channel to that member (kept
   * in {@code opened} for the caller to shut down), one hop at most, as the SDK does.
   */
  private SessionStream open(
      RunContext context, ManagedChannel channel, String name, List<ManagedChannel> opened)
      throws Exception {
    boolean preferLeader = settings.sessionsOnLeader() && context.cluster();
    SessionStream first =
        SessionStream.open(channel, SESSION_TTL, name, context.scheduler(), preferLeader)
            .get(10, TimeUnit.SECONDS);
    String leader = first.leaderRedirect();
    if (leader == null) {
      return first;
    }
    Target member =
        context.members().stream()
            .filter(t -> t.grpcAuthority().equals(leader))
            .findFirst()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "the leader's gRPC address "
                            + leader
                            + " is none of --grpc: give the members as they advertise themselves"));
    ManagedChannel toLeader = member.newChannel();
    opened.add(toLeader);
    return SessionStream.open(toLeader, SESSION_TTL, name, context.scheduler())
        .get(10, TimeUnit.SECONDS);
  }

  /**
   * The ephemeral phase through the Java SDK, the way an application registers: {@code connections}
   * {@link CairnClient}s (one session each), {@code blockingCallers} threads, each calling {@code
   * register(instance).registered()} and waiting for it before its next; a warm-up of {@code
   * warmup} registrations on the same clients first (not measured). The clients follow the run's
   * TLS (its CA, client certificate and key) and token. The load generator's CPU per operation is
   * then the SDK's (and the callers'). Closing the clients closes their sessions, which removes the
   * instances.
   */
  private void sdk(RunContext context, ResultTable table, int connections) throws Exception {
    String label =
        String.format(
            Locale.ROOT,
            "ephemeral register through the SDK (%d CairnClients%s, %d blocking callers)",
            connections,
            spread(context),
            settings.blockingCallers());
    long baseline = context.server().instanceCount();
    int members = context.members().size();
    List<CairnClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < connections; i++) {
        Target member = context.members().get(i % members);
        clients.add(
            member
                .sdkClient()
                .namespace(context.namespace())
                .sessionTtl(SESSION_TTL)
                .clientName("loadgen-w1-sdk-" + i)
                .shutdownHook(false)
                .build());
      }
      int callers = settings.blockingCallers();
      if (settings.warmup() > 0) {
        context.progress("%s: SDK warm-up of %,d instances...", NAME, settings.warmup());
        dev.cairn.common.Instance[] warm = sdkInstances(context, settings.warmup(), "sw");
        Blocking.run(
            warm.length,
            callers,
            k -> clients.get(streamOf(k, callers, clients.size())).register(warm[k]).registered(),
            new Latency(),
            settings.timeout());
      }
      context.progress("%s: %s of %,d instances...", NAME, label, settings.instances());
      dev.cairn.common.Instance[] instances = sdkInstances(context, settings.instances(), "s");
      Latency latency = new Latency();
      CpuMeter cpu = CpuMeter.start(context.serverPids());
      Pipeline.Result result =
          Blocking.run(
              instances.length,
              callers,
              k ->
                  clients
                      .get(streamOf(k, callers, clients.size()))
                      .register(instances[k])
                      .registered(),
              latency,
              settings.timeout());
      cpu.stop();
      report(table, label, instances.length, result, latency, "—");
      reportCpu(table, label, cpu, result.succeeded());
    } finally {
      for (CairnClient client : clients) {
        client.close();
      }
    }
    boolean clean = context.server().awaitInstanceCount(baseline, CLEANUP_TIMEOUT);
    table.add(NAME, "SDK clean-up (clients closed)", clean ? "ok" : "instances left", "ok");
  }

  /**
   * The SDK phase again with every {@code CairnClient} in a process of its own and the blocking
   * callers split over them ({@link SdkProcesses}), as applications register from many processes:
   * the clients' CPU per operation is then their processes', not this one's. The processes are
   * given the run's TLS files and token.
   */
  private void sdkProcesses(RunContext context, ResultTable table, int connections)
      throws Exception {
    List<SdkProcesses.Share> shares =
        SdkProcesses.shares(
            context.members(),
            connections,
            settings.instances(),
            settings.warmup(),
            settings.blockingCallers());
    String label =
        String.format(
            Locale.ROOT,
            "ephemeral register through the SDK in %d processes (1 CairnClient each%s, %d blocking"
                + " callers in all)",
            shares.size(),
            spread(context),
            settings.blockingCallers());
    long baseline = context.server().instanceCount();
    context.progress(
        "%s: %s of %,d instances (warm-up of %,d first)...",
        NAME, label, settings.instances(), settings.warmup());
    SdkProcesses.Outcome outcome;
    try {
      outcome =
          SdkProcesses.run(
              context,
              shares,
              context.service("w1-"),
              settings.services(),
              "sp",
              settings.timeout());
    } catch (Exception e) {
      table.add(NAME, label, "failed: " + RunCommand.describe(e), "—");
      return;
    }
    long ops = outcome.result().succeeded();
    report(table, label, settings.instances(), outcome.result(), outcome.latency(), "—");
    if (ops > 0) {
      table.add(
          NAME,
          label + " CPU per op, server / client processes",
          outcome.server().serverPerOp(ops) + " / " + CpuMeter.perOp(outcome.clientCpuNanos(), ops),
          "—");
    }
    boolean clean = context.server().awaitInstanceCount(baseline, CLEANUP_TIMEOUT);
    table.add(
        NAME, "SDK processes clean-up (processes ended)", clean ? "ok" : "instances left", "ok");
  }

  /** The instances of the SDK phase, as the SDK takes them (the same as {@link #instances}). */
  private dev.cairn.common.Instance[] sdkInstances(RunContext context, int count, String prefix) {
    dev.cairn.common.Instance[] out = new dev.cairn.common.Instance[count];
    for (int k = 0; k < count; k++) {
      out[k] = Instances.sdk(serviceOf(context, k), Instances.id(prefix, k), k);
    }
    return out;
  }

  private void persistent(
      RunContext context,
      ResultTable table,
      List<ManagedChannel> channels,
      int count,
      String prefix,
      boolean blocking)
      throws Exception {
    long baseline = context.server().instanceCount();
    int callers = blocking ? settings.blockingCallers() : settings.callers();
    String label =
        blocking
            ? String.format(
                Locale.ROOT,
                "persistent register, SDK-shaped (unary%s, %d blocking callers)",
                spread(context),
                callers)
            : String.format(
                Locale.ROOT,
                "persistent register (unary%s, %d callers x %d in flight)",
                spread(context),
                callers,
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
    CpuMeter cpu = CpuMeter.start(context.serverPids());
    Pipeline.Operation register =
        k -> Calls.register(channels.get(streamOf(k, callers, channels.size())), registers[k]);
    Pipeline.Result result =
        blocking
            ? Blocking.run(count, callers, register, latency, settings.timeout())
            : Pipeline.run(
                count,
                callers,
                settings.persistentInFlight(),
                register,
                latency,
                settings.timeout());
    cpu.stop();
    report(table, label, count, result, latency, persistentTarget(context, blocking));
    reportCpu(table, label, cpu, result.succeeded());
    context.server().awaitInstanceCount(baseline + count, Duration.ofSeconds(10));
    table.add(
        NAME,
        "persistent instances on server" + (context.cluster() ? " (first member)" : ""),
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
                    channels.get(streamOf(k, settings.callers(), channels.size())), deregisters[k]),
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
  private static int streamOf(int k, int callers, int connections) {
    return (k % callers) % connections;
  }

  /** {@code ", over 3 members"} for a cluster, empty for one server. */
  private static String spread(RunContext context) {
    return context.cluster() ? ", over " + context.members().size() + " members" : "";
  }

  /** The session streams' spread: as {@link #spread}, and where the sessions were opened. */
  private String sessionSpread(RunContext context) {
    if (!context.cluster()) {
      return "";
    }
    return spread(context) + (settings.sessionsOnLeader() ? ", opened on the leader" : ", kept");
  }

  /** Issue 11's cluster targets beside the single server's (issue 1). */
  private static String ephemeralTarget(RunContext context, boolean blocking) {
    if (context.cluster()) {
      return blocking ? "≥ 5,000 ops/s (cluster)" : "≥ 10,000 ops/s (cluster)";
    }
    return blocking ? "—" : "≥ 30,000 ops/s";
  }

  private static String persistentTarget(RunContext context, boolean blocking) {
    if (context.cluster()) {
      return blocking ? "≥ 2,500 ops/s (cluster)" : "—";
    }
    return blocking ? "—" : "≥ 6,000 ops/s";
  }

  private String serviceOf(RunContext context, int k) {
    return context.service(String.format(Locale.ROOT, "w1-%03d", k % settings.services()));
  }
}
