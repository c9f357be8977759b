package dev.cairn.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code cairn cluster --nodes 3} in a process of its own: the logging backend reads its settings
 * once per JVM, and the members are closed by the shutdown hook, on SIGTERM.
 */
class ClusterCommandTest {

  private static final String RATIS_WARNING = "[WARN] org.apache.ratis.";

  @Test
  void stopsWithoutRatisWarnings(@TempDir Path dir) throws Exception {
    Run run = Run.cluster(dir);

    List<String> afterShutdown = run.stderrAfter("cairn: shutting down");
    assertThat(afterShutdown).as(run.toString()).noneMatch(l -> l.contains(RATIS_WARNING));
    // Cairn's own log is as the server command has it.
    assertThat(run.stderr())
        .as(run.toString())
        .anyMatch(l -> l.contains("[INFO] dev.cairn.") && l.contains("Raft member n3 of group"));
  }

  @Test
  void aRatisLevelGivenToTheJvmWins(@TempDir Path dir) throws Exception {
    // Also shows that the test above would see the warnings: closing the members makes them.
    Run run = Run.cluster(dir, "-D" + ClusterCommand.RATIS_LEVEL + "=warn");

    assertThat(run.stderrAfter("cairn: shutting down"))
        .as(run.toString())
        .anyMatch(l -> l.contains(RATIS_WARNING));
  }

  /**
   * A port in use is found before any member starts (as {@code cairn server} finds it), so it is
   * one line, not the failures of the members started before the one that cannot bind.
   */
  @Test
  void aRaftPortInUseIsOneLineBeforeAnyMemberStarts(@TempDir Path dir) throws Exception {
    // n2's Raft port taken; n1's free, and the HTTP and gRPC ports apart from the Raft ones.
    try (ServerSocket taken = takenAfterAFreePort()) {
      int raft = taken.getLocalPort() - 1;
      int http = apart(raft, () -> Run.freeBase(0, 1));
      AtomicInteger starts = new AtomicInteger();

      CliRun run = cluster(dir, starts, http, raft);

      assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCode.CANNOT_START);
      assertThat(run.err())
          .isEqualTo(
              "error: cannot listen for raft on 127.0.0.1:"
                  + (raft + 1)
                  + ": address already in use (member n2; choose another with --raft-port)\n");
      assertThat(starts).hasValue(0);
    }
  }

  @Test
  void aGrpcPortInUseNamesTheFlagThatMovesIt(@TempDir Path dir) throws Exception {
    try (ServerSocket taken = takenAfterAFreePort()) {
      int http = taken.getLocalPort() - 1;
      int raft = apart(http, () -> Run.freeBase(0));
      AtomicInteger starts = new AtomicInteger();

      CliRun run = cluster(dir, starts, http, raft);

      assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCode.CANNOT_START);
      assertThat(run.err())
          .isEqualTo(
              "error: cannot listen for grpc on 127.0.0.1:"
                  + (http + 1)
                  + ": address already in use (member n1; choose another with --http-port)\n");
      assertThat(starts).hasValue(0);
    }
  }

  // cairn cluster --nodes 3 in this JVM with a starter that counts and fails.
  private static CliRun cluster(Path dir, AtomicInteger starts, int http, int raft) {
    ClusterCommand command =
        new ClusterCommand(
            settings -> {
              starts.incrementAndGet();
              throw new IOException("member started");
            });
    return CliRun.of(new CommandLine(command))
        .execute(
            "--nodes",
            "3",
            "--http-port",
            Integer.toString(http),
            "--raft-port",
            Integer.toString(raft),
            "--data-dir",
            dir.toString());
  }

  // A port from {@code pick} whose range (3 Raft ports, or 3 members' HTTP and gRPC ports) is apart
  // from the other's.
  private static int apart(int other, PortPick pick) throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int port = pick.pick();
      if (port + 21 < other - 21 || port > other + 21) {
        return port;
      }
    }
    throw new IOException("no port apart from " + other);
  }

  private interface PortPick {
    int pick() throws IOException;
  }

  // A loopback port held open whose port below is free now, and apart from the ports it takes.
  private static ServerSocket takenAfterAFreePort() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
      if (Run.allFree(s.getLocalPort() - 1, 0)) {
        return s;
      }
      s.close();
    }
    throw new IOException("no free port below a free one");
  }

  /** A cluster started, led, stopped with SIGTERM, and its output. */
  private static final class Run {

    private final List<String> stdout = new ArrayList<>();
    private final List<String> stderr = new ArrayList<>();
    private volatile String exit = "running";

    static Run cluster(Path dir, String... jvmOptions) throws Exception {
      IOException last = null;
      for (int attempt = 0; attempt < 20; attempt++) {
        int http = freeBase(0, 1, 10, 11, 20, 21);
        int raft = freeBase(0, 1, 2);
        if (raft <= http + 21 && raft + 2 >= http) {
          continue;
        }
        try {
          return new Run().run(dir.resolve("attempt" + attempt), http, raft, jvmOptions);
        } catch (PortTaken e) {
          last = e;
        }
      }
      throw new IOException("no free ports for a cluster of 3", last);
    }

    private Run run(Path dataDir, int http, int raft, String... jvmOptions) throws Exception {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.add("-cp");
      command.add(
          System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
      // Full logger names, to tell Ratis' lines from Cairn's.
      command.add("-Dorg.slf4j.simpleLogger.showShortLogName=false");
      command.addAll(List.of(jvmOptions));
      command.addAll(
          List.of(
              "dev.cairn.cli.Cairn",
              "cluster",
              "--nodes",
              "3",
              "--http-port",
              String.valueOf(http),
              "--raft-port",
              String.valueOf(raft),
              "--data-dir",
              dataDir.toString()));
      Process p = new ProcessBuilder(command).start();
      try {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch led = new CountDownLatch(1);
        CountDownLatch ended = new CountDownLatch(2);
        read(p.getInputStream(), stdout, l -> l.startsWith("cluster of 3 running"), running, ended);
        read(p.getErrorStream(), stderr, l -> l.contains(" leads, with every"), led, ended);

        // Up, with a leader sending heartbeats: what makes the members warn when they close.
        await(running, p);
        await(led, p);
        // SIGTERM; unlike Process.destroy(), leaves the output streams open to read to their end.
        p.toHandle().destroy();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(toString()).isTrue();
        exit = "exit " + p.exitValue();
        assertThat(ended.await(10, TimeUnit.SECONDS)).as(toString()).isTrue();
        return this;
      } finally {
        p.destroyForcibly();
      }
    }

    /** Waits for the latch, or throws when the process ends first (e.g. a port was taken). */
    private void await(CountDownLatch latch, Process p) throws Exception {
      for (int i = 0; i < 600 && !latch.await(100, TimeUnit.MILLISECONDS); i++) {
        if (!p.isAlive()) {
          p.waitFor();
          if (latch.await(5, TimeUnit.SECONDS)) {
            return;
          }
          if (p.exitValue() == ExitCode.CANNOT_START) {
            throw new PortTaken(toString());
          }
          throw new AssertionError("cluster ended, exit " + p.exitValue() + "\n" + this);
        }
      }
      assertThat(latch.getCount()).as(toString()).isZero();
    }

    private static void read(
        InputStream in,
        List<String> lines,
        Predicate<String> awaited,
        CountDownLatch seen,
        CountDownLatch ended) {
      Thread t =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                  for (String l = r.readLine(); l != null; l = r.readLine()) {
                    synchronized (lines) {
                      lines.add(l);
                    }
                    if (awaited.test(l)) {
                      seen.countDown();
                    }
                  }
                } catch (IOException e) {
                  // the process was killed
                } finally {
                  ended.countDown();
                }
              },
              "cluster-output");
      t.setDaemon(true);
      t.start();
    }

    List<String> stderr() {
      synchronized (stderr) {
        return List.copyOf(stderr);
      }
    }

    List<String> stderrAfter(String marker) {
      List<String> all = stderr();
      int at = all.indexOf(marker);
      assertThat(at).as(toString()).isNotNegative();
      return all.subList(at + 1, all.size());
    }

    @Override
    public String toString() {
      synchronized (stdout) {
        synchronized (stderr) {
          return exit
              + "\n--- out\n"
              + String.join("\n", stdout)
              + "\n--- err\n"
              + String.join("\n", stderr);
        }
      }
    }

    /** A port the system picked for {@code base + 0}, with {@code base + offset} free too. */
    static int freeBase(int... offsets) throws IOException {
      for (int attempt = 0; ; attempt++) {
        int base;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
          base = s.getLocalPort();
        }
        if (base + 21 <= 65_535 && allFree(base, offsets)) {
          return base;
        }
        if (attempt == 50) {
          throw new IOException("no free port range");
        }
      }
    }

    static boolean allFree(int base, int... offsets) {
      for (int offset : offsets) {
        try (ServerSocket s = new ServerSocket()) {
          s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), base + offset));
        } catch (IOException e) {
          return false;
        }
      }
      return true;
    }
  }

  /** The cluster could not start, most likely on a port taken since it was found free. */
  private static final class PortTaken extends IOException {
    PortTaken(String output) {
      super(output);
    }
  }
}
