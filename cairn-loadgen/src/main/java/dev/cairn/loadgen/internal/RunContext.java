package dev.cairn.loadgen.internal;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every workload of one run shares: the target (one server, or the members of a cluster), the
 * namespace, a tag that makes this run's service names unique, a progress log (stderr), a scheduler
 * and the HTTP status probe. The caller closes it.
 */
final class RunContext implements AutoCloseable {

  private final List<Target> members;
  private final List<ServerApi> servers;
  private final String namespace;
  private final String runTag;
  private final PrintStream log;
  private final ScheduledExecutorService scheduler;
  private final ServerApi server;

  RunContext(Target target, String namespace, String runTag, PrintStream log) {
    this(List.of(requireNonNull(target, "target")), namespace, runTag, log);
  }

  /** A context for the members of one cluster (or one server: a list of one). */
  RunContext(List<Target> members, String namespace, String runTag, PrintStream log) {
    if (members.isEmpty()) {
      throw new IllegalArgumentException("members: none (expected: at least one)");
    }
    this.members = List.copyOf(members);
    List<ServerApi> apis = new ArrayList<>();
    for (Target member : this.members) {
      apis.add(new ServerApi(member));
    }
    this.servers = List.copyOf(apis);
    this.namespace = requireNonNull(namespace, "namespace");
    this.runTag = requireNonNull(runTag, "runTag");
    this.log = requireNonNull(log, "log");
    this.scheduler = Executors.newScheduledThreadPool(2, daemonThreads("loadgen-scheduler"));
    this.server = servers.get(0);
  }

  /** A tag unique to this run (base 36 of the start time), to keep service names apart. */
  static String newRunTag() {
    return Long.toString(System.currentTimeMillis() % 60_466_176L, 36);
  }

  /** The first member: the one server, or the member the single-target calls go to. */
  Target target() {
    return members.get(0);
  }

  /** Every member given, in the order given (one for a single server). */
  List<Target> members() {
    return members;
  }

  /** The status API of every member, in the order of {@link #members()}. */
  List<ServerApi> servers() {
    return servers;
  }

  /** True when more than one member was given. */
  boolean cluster() {
    return members.size() > 1;
  }

  /**
   * The index (in {@link #members()}) of the member that says it leads, from each member's {@code
   * GET /v1/status}; 0 for a single server or when no member says so.
   */
  int leaderIndex() throws IOException, InterruptedException {
    for (int i = 0; i < servers.size() && cluster(); i++) {
      JsonNode status = servers.get(i).status();
      if ("leader".equals(status.path("role").asText())) {
        return i;
      }
    }
    return 0;
  }

  /** Each member's process id as it reports it (empty when it does not). */
  List<java.util.OptionalLong> serverPids() throws IOException, InterruptedException {
    List<java.util.OptionalLong> pids = new ArrayList<>();
    for (ServerApi api : servers) {
      pids.add(api.pid());
    }
    return pids;
  }

  /** Each member's node id (from its status), or its address when it does not say one. */
  String memberName(int i) throws IOException, InterruptedException {
    String id = servers.get(i).status().path("nodeId").asText("");
    return id.isEmpty() ? members.get(i).grpcAuthority() : id;
  }

  String namespace() {
    return namespace;
  }

  /** A service name unique to this run: {@code lg-<tag>-<suffix>}. */
  String service(String suffix) {
    return "lg-" + runTag + "-" + suffix;
  }

  ScheduledExecutorService scheduler() {
    return scheduler;
  }

  ServerApi server() {
    return server;
  }

  /** Prints a progress line to the log. */
  void progress(String format, Object... args) {
    log.println(String.format(Locale.ROOT, format, args));
    log.flush();
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }

  static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
