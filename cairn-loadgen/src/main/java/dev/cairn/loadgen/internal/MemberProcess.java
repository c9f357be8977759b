package dev.cairn.loadgen.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One cluster member in a JVM of its own, started by W6: {@code java <opts> -cp <classpath>
 * dev.cairn.cli.Cairn server --node-id .. --peers ..} on fixed loopback ports chosen free
 * beforehand (so that a restarted member is found where it was), its output appended to {@code
 * <dataDir>.log}. With TLS files, the member serves HTTP and gRPC over mutual TLS and talks to the
 * other members (Raft, forwarded writes) over mutual TLS with the same certificate, which the load
 * generator's clients present too.
 */
final class MemberProcess {

  final String id;
  final int raftPort;
  final int httpPort;
  final int grpcPort;
  final Path dataDir;
  final Target target;
  final ServerApi api;
  private final List<String> command;
  private Process process;

  MemberProcess(
      String id,
      int raftPort,
      int httpPort,
      int grpcPort,
      Path dataDir,
      String peers,
      String classpath,
      List<String> javaOptions,
      Target.Tls tls) {
    this.id = id;
    this.raftPort = raftPort;
    this.httpPort = httpPort;
    this.grpcPort = grpcPort;
    this.dataDir = dataDir;
    Target plain =
        Target.of(
            "127.0.0.1:" + grpcPort, (tls == null ? "http" : "https") + "://127.0.0.1:" + httpPort);
    this.target = tls == null ? plain : plain.withTls(tls);
    this.api = new ServerApi(target);
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(javaOptions);
    cmd.addAll(
        List.of(
            "-cp",
            classpath,
            "dev.cairn.cli.Cairn",
            "server",
            "--node-id",
            id,
            "--peers",
            peers,
            "--data-dir",
            dataDir.toString(),
            "--http-port",
            Integer.toString(httpPort),
            "--grpc-port",
            Integer.toString(grpcPort),
            "--dns-port",
            "-1"));
    if (tls != null) {
      cmd.addAll(
          List.of(
              "--tls-cert",
              tls.cert().toString(),
              "--tls-key",
              tls.key().toString(),
              "--tls-ca",
              tls.ca().toString()));
    }
    this.command = List.copyOf(cmd);
  }

  /** The command line, for the report. */
  List<String> command() {
    return command;
  }

  /** Starts the JVM (returns at once; see {@link #awaitServing}). */
  synchronized void start() throws IOException {
    Files.createDirectories(dataDir.getParent());
    Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
    ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true);
    b.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    // As the launcher does for the server: few malloc arenas, trimmed (RSS).
    b.environment().putIfAbsent("MALLOC_ARENA_MAX", "1");
    b.environment().putIfAbsent("MALLOC_TRIM_THRESHOLD_", "65536");
    process = b.start();
  }

  /** Polls {@code GET /v1/status} every 20 ms until it answers; false after {@code timeout}. */
  boolean awaitServing(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!alive()) {
        return false;
      }
      try {
        api.status();
        return true;
      } catch (IOException e) {
        Thread.sleep(20);
      }
    }
    return false;
  }

  /** {@code kill -9} (SIGKILL), and waits for the process to be gone. */
  synchronized void kill9() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** SIGTERM (a clean stop), then SIGKILL after 10 s. */
  synchronized void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        kill9();
      }
    }
  }

  synchronized boolean alive() {
    return process != null && process.isAlive();
  }

  synchronized long pid() {
    return process == null ? -1 : process.pid();
  }

  /** The {@code cluster} object of this member's status, or null when it does not answer. */
  JsonNode clusterStatus() throws InterruptedException {
    if (!alive()) {
      return null;
    }
    try {
      return api.status().path("cluster");
    } catch (IOException e) {
      return null;
    }
  }

  /** {@code VmRSS} of the process in bytes, or -1. */
  long rssBytes() {
    long pid = pid();
    if (pid < 0) {
      return -1;
    }
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          String[] parts = line.trim().split("\\s+");
          return Long.parseLong(parts[1]) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
