package dev.cairn.cli.internal;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code cairn cluster --nodes 3}: a local cluster in one process for trying it out, each member
 * with its own data directory and ports; Ctrl-C stops all.
 */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Runs a local cluster in this process, to try a cluster out.",
      "It has N members.",
      "Member i serves HTTP on --http-port + 10(i-1), gRPC one above, and Raft on",
      "--raft-port + (i-1); it keeps its log in --data-dir/n<i>. Ctrl-C stops every",
      "member. In production, run one `cairn server --node-id --peers` per machine",
      "(docs/operations.md)."
    })
final class ClusterCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--nodes",
      paramLabel = "N",
      defaultValue = "3",
      description = "How many members, 1..9 (default: ${DEFAULT-VALUE}; 3 or 5 for a quorum).")
  int nodes;

  @Option(
      names = "--http-port",
      paramLabel = "PORT",
      defaultValue = "8500",
      description = "The first member's HTTP port (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(
      names = "--raft-port",
      paramLabel = "PORT",
      defaultValue = "7001",
      description = "The first member's Raft port (default: ${DEFAULT-VALUE}).")
  int raftPort;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      defaultValue = "./data-cluster",
      description =
          "Where the members keep their logs, one directory each (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  private final EmbeddedServer.Starter starter;

  ClusterCommand() {
    this(new CairnServerStarter());
  }

  ClusterCommand(EmbeddedServer.Starter starter) {
    this.starter = starter;
  }

  @Override
  public Integer call() throws InterruptedException {
    if (dataDir.toString().isBlank()) {
      throw new ParameterException(
          spec.commandLine(), "--data-dir: empty (expected: a directory, e.g. ./data-cluster)");
    }
    if (nodes < 1 || nodes > 9) {
      throw new ParameterException(spec.commandLine(), "--nodes: " + nodes + " (expected: 1..9)");
    }
    if (httpPort < 1 || httpPort + 10 * (nodes - 1) + 1 > 65_535) {
      throw new ParameterException(
          spec.commandLine(),
          "--http-port: " + httpPort + " (expected: room for " + nodes + " members below 65536)");
    }
    if (raftPort < 1 || raftPort + nodes - 1 > 65_535) {
      throw new ParameterException(
          spec.commandLine(),
          "--raft-port: " + raftPort + " (expected: room for " + nodes + " members below 65536)");
    }
    int lastGrpc = httpPort + 10 * (nodes - 1) + 1;
    if (raftPort <= lastGrpc && raftPort + nodes - 1 >= httpPort) {
      throw new ParameterException(
          spec.commandLine(),
          "--raft-port: "
              + raftPort
              + " (expected: Raft ports apart from the members' HTTP and gRPC ports, "
              + httpPort
              + ".."
              + lastGrpc
              + ")");
    }
    StringBuilder peers = new StringBuilder();
    for (int i = 1; i <= nodes; i++) {
      peers
          .append(i == 1 ? "" : ",")
          .append("n")
          .append(i)
          .append("=127.0.0.1:")
          .append(raftPort + i - 1);
    }
    checkPortsFree();
    quietRatisWarnings();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<EmbeddedServer> started = new ArrayList<>();
    CountDownLatch stop = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              err.println("cairn: shutting down");
              err.flush();
              closeAll(started);
              stop.countDown();
            },
            "cairn-cluster-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      for (int i = 1; i <= nodes; i++) {
        int http = httpPort + 10 * (i - 1);
        ServerSettings settings =
            new ServerSettings(
                dataDir.resolve("n" + i).toAbsolutePath().normalize(),
                "127.0.0.1",
                http,
                http + 1,
                null,
                false,
                new ServerSettings.Dns(-1, "cairn", Duration.ZERO),
                true,
                null,
                new ServerSettings.FrontDoors(-1, -1, -1, -1),
                new ServerSettings.Security(null, null, null, false),
                new ServerSettings.Cluster(
                    "n" + i,
                    peers.toString(),
                    "cairn",
                    false,
                    Duration.ofMillis(250),
                    Duration.ofSeconds(3),
                    0,
                    0,
                    ServerSettings.Cluster.DEFAULT_MIN_FREE_DISK,
                    null));
        EmbeddedServer s;
        try {
          s = starter.start(settings);
        } catch (Exception e) {
          throw new CliException(
              ExitCode.CANNOT_START,
              "cannot start member n" + i + ": " + ServerCommand.startFailure(e, settings),
              e);
        }
        started.add(s);
        out.println("member n" + i + "  raft 127.0.0.1:" + (raftPort + i - 1));
        s.listenerLines().forEach(l -> out.println("  " + l));
        out.flush();
      }
      out.println("cluster of " + nodes + " running (peers " + peers + "); Ctrl-C stops it");
      out.flush();
      stop.await();
      return ExitCode.OK;
    } catch (RuntimeException e) {
      Runtime.getRuntime().removeShutdownHook(hook);
      closeAll(started);
      throw e;
    }
  }

  /**
   * Fails, like {@code cairn server}, when a port of a member is in use: before any member starts,
   * so that a taken port is one line, not the Raft and listener failures of the members started
   * before it. Member by member, Raft then HTTP then gRPC (DNS and the front doors are off).
   */
  private void checkPortsFree() {
    for (int i = 1; i <= nodes; i++) {
      int http = httpPort + 10 * (i - 1);
      String member = "member n" + i;
      PortCheck.tcp("raft", loopback(raftPort + i - 1), "--raft-port", member);
      PortCheck.tcp("http", loopback(http), "--http-port", member);
      PortCheck.tcp("grpc", loopback(http + 1), "--http-port", member);
    }
  }

  // The members' address: every member listens on 127.0.0.1.
  private static InetSocketAddress loopback(int port) {
    return new InetSocketAddress("127.0.0.1", port);
  }

  /**
   * slf4j-simple's documented setting of the level of the loggers under {@code org.apache.ratis}.
   */
  static final String RATIS_LEVEL = "org.slf4j.simpleLogger.log.org.apache.ratis";

  /**
   * Logs Ratis at ERROR for the rest of the process, unless the JVM was given a level for it
   * ({@code -D}{@value #RATIS_LEVEL}{@code =warn}). When the members are closed together, each
   * warns, often with a stack trace, that the others are gone or that it is closed itself (dozens
   * of lines that say nothing wrong). slf4j-simple, the backend the CLI ships, reads a logger's
   * level when the logger is made, from this system property before simplelogger.properties, and
   * cannot change it later; Ratis makes its loggers when its classes load. So this is called before
   * the first member starts, and Ratis' warnings while the cluster runs are not shown either
   * (decision 0158). With another backend the property means nothing.
   */
  static void quietRatisWarnings() {
    if (System.getProperty(RATIS_LEVEL) == null) {
      System.setProperty(RATIS_LEVEL, "error");
    }
  }

  private static void closeAll(List<EmbeddedServer> servers) {
    for (EmbeddedServer s : List.copyOf(servers)) {
      try {
        s.close();
      } catch (RuntimeException e) {
        // closing the others matters more
      }
    }
  }
}
