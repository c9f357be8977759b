package dev.cairn.loadgen.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code loadgen run}: runs the workloads in order against a running server and prints one markdown
 * table on stdout (progress goes to stderr). Exits 1 when a workload failed.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description =
        "Runs the workloads W1..W5 against a running server (or cluster), or W6 against a"
            + " cluster it starts, and prints a table.")
public final class RunCommand implements Callable<Integer> {

  private static final List<String> ALL = List.of("W1", "W2", "W3", "W4", "W5", "W6");

  /** What runs without --only: W6 starts a cluster of its own and is run only when named. */
  private static final List<String> DEFAULT = List.of("W1", "W2", "W3", "W4", "W5");

  @Option(
      names = "--grpc",
      split = ",",
      defaultValue = "127.0.0.1:8501",
      description =
          "Server gRPC host:port (loopback only); a cluster's members comma-separated, in the"
              + " order of --http. Default: ${DEFAULT-VALUE}.")
  List<String> grpc;

  @Option(
      names = "--http",
      split = ",",
      defaultValue = "http://127.0.0.1:8500",
      description =
          "Server HTTP base URI (loopback only); a cluster's members comma-separated, in the"
              + " order of --grpc. Default: ${DEFAULT-VALUE}.")
  List<String> http;

  @Option(
      names = "--tls-ca",
      paramLabel = "FILE",
      description =
          "Talk TLS to the server, trusting this CA (PEM); --http must then be https://. Every"
              + " client follows: raw gRPC, both HTTP clients and the SDK's CairnClients (W1's, its"
              + " sdk-client processes', W2's SDK writer).")
  java.nio.file.Path tlsCa;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description =
          "Client certificate (PEM) for a server that wants mutual TLS; with --tls-key. Presented"
              + " by every client, the SDK's too.")
  java.nio.file.Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      description = "Private key of --tls-cert (PKCS#8 PEM).")
  java.nio.file.Path tlsKey;

  @Option(
      names = "--token",
      paramLabel = "SECRET",
      description = "ACL token for a server started with --acl (sent on gRPC and HTTP).")
  String token;

  @Option(
      names = "--namespace",
      defaultValue = "default",
      description = "Namespace to register in. Default: ${DEFAULT-VALUE}.")
  String namespace;

  @Option(
      names = "--only",
      split = ",",
      description = "Workloads to run, e.g. W1,W3. Default: W1..W5; W6 runs only when named.")
  List<String> only = new ArrayList<>();

  @Option(names = "--skip-w5", description = "Skip W5 (memory; the slowest).")
  boolean skipW5;

  @Option(
      names = "--w1-instances",
      defaultValue = "10000",
      description = "W1: instances per phase. Default: ${DEFAULT-VALUE}.")
  int w1Instances;

  @Option(
      names = "--w1-pipeline",
      defaultValue = "8",
      description =
          "W1: requests in flight per caller on the session streams. Default: ${DEFAULT-VALUE}.")
  int w1Pipeline;

  @Option(
      names = "--w1-in-flight",
      defaultValue = "4",
      description = "W1: unary calls in flight per caller (persistent). Default: ${DEFAULT-VALUE}.")
  int w1InFlight;

  @Option(
      names = "--w1-blocking-callers",
      defaultValue = "32",
      description =
          "W1: blocking callers (threads, one call each at a time) of the SDK-shaped phases; 0"
              + " leaves those phases out. Default: ${DEFAULT-VALUE}.")
  int w1BlockingCallers;

  @Option(
      names = "--w1-ephemeral-only",
      description =
          "W1: run the ephemeral phase only (no persistent registrations), e.g. to profile it.")
  boolean w1EphemeralOnly;

  @Option(
      names = "--w1-sessions-on-leader",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "W1 on a cluster: the raw client's sessions ask for the member that leads and open"
              + " there, as the SDK's do (on by default); --no-w1-sessions-on-leader keeps them on"
              + " the members given, whose followers forward their writes.")
  boolean w1SessionsOnLeader;

  @Option(
      names = "--w1-sdk-processes",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "W1: also run the SDK phase with each CairnClient in a process of its own and the"
              + " blocking callers split over them, as applications register from many processes"
              + " (on by default; over the run's TLS and token, as the in-process SDK phase);"
              + " --no-w1-sdk-processes leaves it out.")
  boolean w1SdkProcesses;

  @Option(
      names = "--w2-watchers",
      defaultValue = "100",
      description = "W2: watchers. Default: ${DEFAULT-VALUE}.")
  int w2Watchers;

  @Option(
      names = "--w2-events",
      defaultValue = "200",
      description = "W2: register/deregister events. Default: ${DEFAULT-VALUE}.")
  int w2Events;

  @Option(
      names = "--w2-warmup-events",
      defaultValue = "400",
      description =
          "W2: unmeasured warm-up events (one every 5 ms) before the measured ones; 0 for none."
              + " Default: ${DEFAULT-VALUE}.")
  int w2WarmupEvents;

  @Option(
      names = "--w2-sdk",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "W2: after the unary writer, write the same series through the SDK (a CairnClient"
              + " registering in its session, as applications do, over the run's TLS and token)"
              + " over the same watchers (on by default); --no-w2-sdk leaves it out.")
  boolean w2Sdk;

  @Option(
      names = "--w3-seconds",
      defaultValue = "20",
      description = "W3: seconds of reading. Default: ${DEFAULT-VALUE}.")
  int w3Seconds;

  @Option(
      names = "--w3-client",
      defaultValue = "netty",
      description =
          "W3: HTTP client that generates the reads, netty or jdk (java.net.http); a short"
              + " trial of the other one is reported too. Default: ${DEFAULT-VALUE}.")
  HttpListWorkload.Client w3Client;

  @Option(
      names = "--w3-gzip",
      description =
          "W3: ask for gzipped answers (Accept-Encoding: gzip) and inflate each one, as Python's"
              + " requests and Node's fetch do; a read counts only when its answer came gzipped.")
  boolean w3Gzip;

  @Option(
      names = "--w3-io-threads",
      defaultValue = "1",
      description = "W3: event-loop threads of the Netty client. Default: ${DEFAULT-VALUE}.")
  int w3IoThreads;

  @Option(
      names = "--w4-instances",
      defaultValue = "10",
      description = "W4: instances per client process. Default: ${DEFAULT-VALUE}.")
  int w4Instances;

  @Option(
      names = "--w5-instances",
      defaultValue = "100000",
      description =
          "W5: instances at the last step (a first step at a tenth). Default: ${DEFAULT-VALUE}.")
  int w5Instances;

  @Option(
      names = "--w6-kills",
      defaultValue = "20",
      description = "W6: leader kills (kill -9). Default: ${DEFAULT-VALUE}.")
  int w6Kills;

  @Option(
      names = "--w6-writers",
      defaultValue = "6",
      description = "W6: blocking writers spread over the members. Default: ${DEFAULT-VALUE}.")
  int w6Writers;

  @Option(
      names = "--w6-sync-writes",
      defaultValue = "100000",
      description =
          "W6: writes while a follower is down, before it is restarted and timed back in sync."
              + " Default: ${DEFAULT-VALUE}.")
  int w6SyncWrites;

  @Option(
      names = "--w6-steady-seconds",
      defaultValue = "10",
      description =
          "W6: seconds of writes with nothing failing (elections counted). Default:"
              + " ${DEFAULT-VALUE}.")
  int w6SteadySeconds;

  @Option(
      names = "--w6-max-seconds",
      defaultValue = "900",
      description = "W6: bound on the whole workload. Default: ${DEFAULT-VALUE}.")
  int w6MaxSeconds;

  @Option(
      names = "--w6-members",
      defaultValue = "3",
      description = "W6: cluster members, 3 or 5. Default: ${DEFAULT-VALUE}.")
  int w6Members;

  @Option(
      names = "--w6-double-kills",
      defaultValue = "0",
      description =
          "W6 with 5 members: kills of two members at once, alternately two followers and the"
              + " leader with a follower. Default: ${DEFAULT-VALUE}.")
  int w6DoubleKills;

  @Option(
      names = "--w6-port-base",
      defaultValue = "0",
      description =
          "W6: the members' Raft, HTTP and gRPC ports are 3 x members ports in a row from this"
              + " one; 0 picks free ones. Default: ${DEFAULT-VALUE}.")
  int w6PortBase;

  @Option(
      names = "--w6-keep-data",
      description = "W6: keep the members' data directories and logs (kept anyway on a failure).")
  boolean w6KeepData;

  @Option(
      names = "--cairn-jar",
      paramLabel = "FILE",
      description =
          "W6: the Cairn jar its members run (default: the load generator's own classpath when it"
              + " holds the server, else cairn-cli/target/cairn.jar of this repository).")
  Path cairnJar;

  private Target.Tls w6Tls; // the --tls-* files, which W6's members use too; null: plaintext

  public RunCommand() {}

  @Override
  public Integer call() throws Exception {
    List<Target> members = new ArrayList<>();
    try {
      if (grpc.size() != http.size()) {
        throw new IllegalArgumentException(
            "grpc, http: "
                + grpc.size()
                + " and "
                + http.size()
                + " addresses (expected: as many of each, one pair per member)");
      }
      if ((tlsCert == null) != (tlsKey == null) || (tlsCert != null && tlsCa == null)) {
        throw new IllegalArgumentException(
            "tls: --tls-cert and --tls-key go together, and with --tls-ca");
      }
      w6Tls = tlsCa == null ? null : Target.Tls.load(tlsCa, tlsCert, tlsKey);
      // W6 alone starts members of its own: the --http default (plain http) is not used then
      boolean w6Only = only.size() == 1 && "W6".equalsIgnoreCase(only.get(0).trim());
      for (int i = 0; i < grpc.size(); i++) {
        Target member = Target.of(grpc.get(i).trim(), http.get(i).trim());
        member = member.withToken(token);
        members.add(w6Tls == null || w6Only ? member : member.withTls(w6Tls));
      }
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    String invalid = firstInvalidCount();
    if (invalid != null) {
      System.err.println(invalid);
      return 2;
    }
    Set<String> selected = new LinkedHashSet<>();
    for (String name : only.isEmpty() ? DEFAULT : only) {
      String upper = name.trim().toUpperCase(Locale.ROOT);
      if (!ALL.contains(upper)) {
        System.err.println("only: " + name + " (expected: one of " + ALL + ")");
        return 2;
      }
      selected.add(upper);
    }
    if (skipW5) {
      selected.remove("W5");
    }
    if (selected.contains("W6")) {
      String classpath = cairnClasspath();
      if (!classpath.contains(java.io.File.pathSeparator)
          && !Files.isRegularFile(Path.of(classpath))) {
        System.err.println(
            "cairn-jar: "
                + classpath
                + " does not exist (expected: the Cairn jar W6's members run; build it with"
                + " ./cairn --help, or pass --cairn-jar)");
        return 2;
      }
    }
    List<Workload> workloads = new ArrayList<>();
    for (Workload workload : workloads()) {
      if (selected.contains(workload.name())) {
        workloads.add(workload);
      }
    }
    ResultTable table = new ResultTable();
    boolean ok;
    String header;
    try (RunContext context =
        new RunContext(members, namespace, RunContext.newRunTag(), System.err)) {
      for (int i = 0; i < members.size() && !selected.equals(Set.of("W6")); i++) {
        try {
          context.servers().get(i).status();
        } catch (IOException e) {
          System.err.println(
              "server: not reachable at "
                  + members.get(i).http()
                  + ": "
                  + describe(e)
                  + " (expected: a running Cairn server)");
          return 1;
        }
      }
      header = header(context);
      ok = run(context, workloads, table);
    }
    PrintStream out = System.out;
    out.println(header);
    out.println();
    out.print(table.toMarkdown());
    out.flush();
    return ok ? 0 : 1;
  }

  /** Runs {@code workloads} in order; a failed one adds an error row and the next still runs. */
  static boolean run(RunContext context, List<Workload> workloads, ResultTable table) {
    boolean ok = true;
    for (Workload workload : workloads) {
      long started = System.nanoTime();
      context.progress("%s: starting", workload.name());
      long[] elections = leaderChanges(context);
      try {
        workload.run(context, table);
        reportElections(context, workload.name(), elections, table);
      } catch (Exception e) {
        ok = false;
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        table.add(workload.name(), "error", describe(e), "—");
        context.progress("%s: failed: %s", workload.name(), e);
      }
      context.progress("%s: done in %.1f s", workload.name(), (System.nanoTime() - started) / 1e9);
      if (Thread.currentThread().isInterrupted()) {
        break;
      }
    }
    return ok;
  }

  /**
   * Each member's {@code cairn_raft_leader_changes_total}, or null for a single server, a workload
   * that starts its own cluster, or when a member does not answer.
   */
  private static long[] leaderChanges(RunContext context) {
    if (!context.cluster()) {
      return null;
    }
    int n = context.servers().size();
    long[] changes = new long[2 * n];
    try {
      for (int i = 0; i < n; i++) {
        changes[i] = context.servers().get(i).leaderChanges();
        changes[n + i] = context.servers().get(i).term();
      }
      return changes;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Adds the leader changes each member saw during a workload (must be 0: nothing failed). */
  private static void reportElections(
      RunContext context, String workload, long[] before, ResultTable table) {
    long[] after = leaderChanges(context);
    if (before == null || after == null) {
      return;
    }
    int n = after.length / 2;
    StringBuilder value = new StringBuilder();
    for (int i = 0; i < n; i++) {
      value.append(i == 0 ? "" : " / ").append(after[i] - before[i]);
    }
    value.append(" (term +").append(after[n] - before[n]);
    for (int i = n + 1; i < after.length; i++) {
      value.append(" / +").append(after[i] - before[i]);
    }
    value.append(')');
    table.add(
        workload,
        "leader changes (and term changes) seen during the workload, per member",
        value.toString(),
        "0 (+0)");
  }

  /** The first count option that is not positive, as a message; null when all are. */
  private String firstInvalidCount() {
    Map<String, Integer> counts = new LinkedHashMap<>();
    counts.put("w1-instances", w1Instances);
    counts.put("w1-pipeline", w1Pipeline);
    counts.put("w1-in-flight", w1InFlight);
    counts.put("w2-watchers", w2Watchers);
    counts.put("w2-events", w2Events);
    counts.put("w3-seconds", w3Seconds);
    counts.put("w3-io-threads", w3IoThreads);
    counts.put("w4-instances", w4Instances);
    counts.put("w5-instances", w5Instances);
    counts.put("w6-kills", w6Kills);
    counts.put("w6-writers", w6Writers);
    counts.put("w6-sync-writes", w6SyncWrites);
    counts.put("w6-steady-seconds", w6SteadySeconds);
    counts.put("w6-max-seconds", w6MaxSeconds);
    if (w1BlockingCallers < 0) {
      return "w1-blocking-callers: " + w1BlockingCallers + " (expected: >= 0)";
    }
    if (w6Members != 3 && w6Members != 5) {
      return "w6-members: " + w6Members + " (expected: 3 or 5)";
    }
    if (w6DoubleKills < 0 || (w6DoubleKills > 0 && w6Members < 5)) {
      return "w6-double-kills: " + w6DoubleKills + " (expected: 0, or > 0 with --w6-members 5)";
    }
    if (w6PortBase != 0 && (w6PortBase < 1024 || w6PortBase + 3 * w6Members > 65_536)) {
      return "w6-port-base: " + w6PortBase + " (expected: 0 for free ports, or 1024..65535)";
    }
    if (w2WarmupEvents < 0) {
      return "w2-warmup-events: " + w2WarmupEvents + " (expected: >= 0)";
    }
    for (Map.Entry<String, Integer> count : counts.entrySet()) {
      if (count.getValue() < 1) {
        return count.getKey() + ": " + count.getValue() + " (expected: >= 1)";
      }
    }
    return null;
  }

  /** The exception's type and message, e.g. {@code "ConnectException: Connection refused"}. */
  static String describe(Throwable e) {
    return e.getMessage() == null
        ? e.getClass().getSimpleName()
        : e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  private List<Workload> workloads() {
    return List.of(
        new RegisterWorkload(
            RegisterWorkload.Settings.defaults()
                .withInstances(w1Instances)
                .withInFlight(w1Pipeline, w1InFlight)
                .withPersistent(!w1EphemeralOnly)
                .withBlockingCallers(w1BlockingCallers)
                .withSessionsOnLeader(w1SessionsOnLeader)
                .withSdkProcesses(w1SdkProcesses)),
        new WatchLatencyWorkload(
            WatchLatencyWorkload.Settings.defaults()
                .withWatchers(w2Watchers)
                .withEvents(w2Events)
                .withWarmupEvents(w2WarmupEvents)
                .withSdkWriter(w2Sdk)),
        new HttpListWorkload(
            HttpListWorkload.Settings.defaults()
                .withDuration(Duration.ofSeconds(w3Seconds))
                .withClient(w3Client, w3IoThreads)
                .withGzip(w3Gzip)),
        new FailoverWorkload(
            FailoverWorkload.Settings.defaults().withInstancesPerChild(w4Instances)),
        new MemoryWorkload(
            new MemoryWorkload.Settings(
                List.of(Math.max(1, w5Instances / 10), w5Instances),
                1_000,
                4,
                32,
                8,
                Duration.ofSeconds(300))),
        new ClusterFailoverWorkload(
            new ClusterFailoverWorkload.Settings(
                w6Kills,
                w6Writers,
                w6SyncWrites,
                Duration.ofSeconds(w6SteadySeconds),
                Duration.ofSeconds(w6MaxSeconds),
                cairnClasspath(),
                ClusterFailoverWorkload.Settings.memberJavaOptions(
                    System.getenv("CAIRN_JAVA_OPTS")),
                w6KeepData,
                w6Members,
                w6DoubleKills,
                w6PortBase,
                w6Tls)));
  }

  /**
   * The classpath W6's members run: {@code --cairn-jar}; else this JVM's own when it holds the
   * server (tests); else {@code cairn-cli/target/cairn.jar} beside this jar's module. Checked when
   * W6 runs (it fails with a message naming the jar when there is none).
   */
  private String cairnClasspath() {
    if (cairnJar != null) {
      return cairnJar.toString();
    }
    try {
      Class.forName("dev.cairn.cli.Cairn", false, RunCommand.class.getClassLoader());
      return System.getProperty("java.class.path");
    } catch (ClassNotFoundException e) {
      // not on this classpath: the repository's CLI jar
    }
    try {
      Path self =
          Path.of(RunCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      // <root>/cairn-loadgen/target/cairn-loadgen.jar -> <root>/cairn-cli/target/cairn.jar
      Path root = self.toAbsolutePath().getParent().getParent().getParent();
      return root.resolve("cairn-cli").resolve("target").resolve("cairn.jar").toString();
    } catch (java.net.URISyntaxException | RuntimeException e) {
      return "cairn-cli/target/cairn.jar";
    }
  }

  /** The run's conditions: time, target, machine load, both JVMs' flags as far as known. */
  private static String header(RunContext context) {
    Runtime runtime = Runtime.getRuntime();
    return String.format(
        Locale.ROOT,
        "Cairn loadgen, %s: %s; %d cores, load average %.2f before the run; "
            + "loadgen JVM: Java %s, max heap %d MiB, flags %s; %s",
        Instant.now().truncatedTo(ChronoUnit.SECONDS),
        context.cluster()
            ? context.members().size() + " members " + context.members()
            : context.target(),
        runtime.availableProcessors(),
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        System.getProperty("java.version"),
        runtime.maxMemory() >> 20,
        ManagementFactory.getRuntimeMXBean().getInputArguments(),
        serverDescription(context));
  }

  /** The server's pid and JVM flags, when it runs on this machine and says its pid. */
  private static String serverDescription(RunContext context) {
    try {
      OptionalLong pid = context.server().pid();
      if (pid.isEmpty()) {
        return "server pid unknown";
      }
      Path cmdline = Path.of("/proc", Long.toString(pid.getAsLong()), "cmdline");
      if (!Files.isReadable(cmdline)) {
        return "server pid " + pid.getAsLong();
      }
      List<String> flags = new ArrayList<>();
      for (String arg : Files.readString(cmdline, StandardCharsets.UTF_8).split("\0")) {
        if (arg.startsWith("-X")) {
          flags.add(arg);
        }
      }
      return "server pid " + pid.getAsLong() + ", JVM flags " + flags;
    } catch (IOException e) {
      return "server status unavailable (" + describe(e) + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "server status unavailable";
    }
  }
}
