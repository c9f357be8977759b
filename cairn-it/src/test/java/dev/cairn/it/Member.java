package dev.cairn.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One cluster member in a JVM of its own ({@code cairn server --node-id --peers}), on ephemeral
 * HTTP and gRPC ports and a fixed Raft port; or, made by {@link #single}, a single node ({@code
 * cairn server}). Its output goes to {@code <dataDir>.log}.
 */
final class Member {

  private static final Pattern HTTP = Pattern.compile("http\\s+listening on http://[^:]+:(\\d+)");

  final String id;
  final int raftPort;
  final Path dataDir;
  private final String peers;
  private final List<String> extra = new ArrayList<>();
  private Process process;
  private volatile int httpPort = -1;
  // A member started with --join and not yet added: the writers and the checker leave it alone.
  volatile boolean outside;

  Member(String id, int raftPort, Path dataDir, String peers) {
    this.id = id;
    this.raftPort = raftPort;
    this.dataDir = dataDir;
    this.peers = peers;
  }

  /** A single-node server (no --node-id, no --peers) keeping its log in {@code dataDir}. */
  static Member single(Path dataDir) {
    return new Member("single", 0, dataDir, null);
  }

  /** Starts the JVM and returns once it serves HTTP. */
  void start() throws IOException {
    launch();
    try {
      httpPort = servingPort.get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      process.destroyForcibly();
      throw new IOException("member " + id + " did not start: " + e.getMessage(), e);
    }
  }

  /** Starts the JVM and waits for it to exit (a start that is refused); returns its exit code. */
  int startAndAwaitExit() throws IOException, InterruptedException {
    launch();
    return awaitExit(Duration.ofSeconds(60));
  }

  /** Waits for the JVM to exit by itself; returns its exit code. */
  int awaitExit(Duration timeout) throws IOException, InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new IOException("member " + id + " did not exit within " + timeout);
    }
    output.join();
    httpPort = -1;
    return process.exitValue();
  }

  /** What the JVM printed, every start of it (its log file). */
  String output() throws IOException {
    Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
    return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
  }

  private CompletableFuture<Integer> servingPort;
  private Thread output;

  private void launch() throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(
        List.of(
            "-XX:+UseSerialGC",
            "-Xmx256m",
            "-XX:TieredStopAtLevel=1",
            "-Xss256k",
            "-cp",
            System.getProperty("java.class.path"),
            "dev.cairn.cli.Cairn",
            "server"));
    if (peers != null) {
      cmd.addAll(List.of("--node-id", id, "--peers", peers));
    }
    cmd.addAll(
        List.of(
            "--data-dir",
            dataDir.toString(),
            "--http-port",
            "0",
            "--grpc-port",
            "0",
            "--dns-port",
            "0",
            "--write-timeout",
            "3s"));
    cmd.addAll(extra);
    Files.createDirectories(dataDir.getParent());
    Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
    process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Process p = process;
    Thread pump =
        new Thread(
            () -> {
              try (BufferedReader in =
                      new BufferedReader(
                          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                  var out =
                      Files.newBufferedWriter(
                          log,
                          StandardCharsets.UTF_8,
                          java.nio.file.StandardOpenOption.CREATE,
                          java.nio.file.StandardOpenOption.APPEND)) {
                String line;
                while ((line = in.readLine()) != null) {
                  out.write(line);
                  out.newLine();
                  out.flush();
                  Matcher m = HTTP.matcher(line);
                  if (m.find()) {
                    port.complete(Integer.parseInt(m.group(1)));
                  }
                }
              } catch (IOException e) {
                // the process ended
              }
              port.completeExceptionally(
                  new IOException(id + " exited before serving; see " + log));
            },
            "member-" + id + "-output");
    pump.setDaemon(true);
    pump.start();
    servingPort = port;
    output = pump;
  }

  /** Adds command-line arguments for the next starts. */
  Member args(String... args) {
    extra.addAll(List.of(args));
    return this;
  }

  /** {@code kill -STOP} or {@code kill -CONT}. */
  void signal(String signal) throws IOException, InterruptedException {
    Process kill =
        new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
            .redirectErrorStream(true)
            .start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IOException("kill -" + signal + " " + process.pid() + " failed");
    }
  }

  /** {@code kill -9}. */
  void kill() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
    httpPort = -1;
  }

  boolean alive() {
    return process != null && process.isAlive() && httpPort > 0;
  }

  int httpPort() {
    return httpPort;
  }

  String base() {
    return "http://127.0.0.1:" + httpPort;
  }
}
