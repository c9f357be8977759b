package dev.cairn.server.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log whose process is paused (stopped, its machine suspended) for longer than Ratis's leader
 * step-down threshold goes on after the pause without failing an append. With Ratis's defaults the
 * only peer stepped down after a 10 s pause (appends failed until it was elected again), and after
 * a 60 s pause Ratis closed the server: every later append failed while the process lived on
 * (decision 0007). The 60 s case takes too long for a test; both thresholds are the same setting's
 * job ({@code RaftConfig.PAUSE_TOLERATED}).
 *
 * <p>The pause is {@code SIGSTOP}, held for 12 s of wall time: that is the stimulus, not a wait.
 */
class PauseTest {

  private static final long PAUSE_MILLIS = 12_000;
  private static final int ACKS_BEFORE = 500;
  private static final int ACKS_AFTER = 2_000;

  @TempDir Path dataDir;

  @Test
  void appendsGoOnAfterAPauseLongerThanTheStepDownThreshold() throws Exception {
    assumeThat(Path.of("/bin/kill")).as("needs /bin/kill to stop a process").exists();
    Path stderr = dataDir.resolveSibling(dataDir.getFileName() + ".stderr");
    Process child = AppendUntilKilled.start(dataDir, ProcessBuilder.Redirect.to(stderr.toFile()));
    List<String> failed = new ArrayList<>();
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(countAcks(lines, ACKS_BEFORE, failed)).isEqualTo(ACKS_BEFORE);

      signal("-STOP", child);
      try {
        assertThat(child.waitFor(PAUSE_MILLIS, TimeUnit.MILLISECONDS)).isFalse();
      } finally {
        signal("-CONT", child);
      }

      assertThat(countAcks(lines, ACKS_AFTER, failed)).isEqualTo(ACKS_AFTER);
    } finally {
      child.destroyForcibly();
      child.waitFor(30, TimeUnit.SECONDS);
    }
    // Ratis noticed the pause (else this test proved nothing) and did nothing about it.
    assertThat(Files.readString(stderr)).contains("Detected pause in JVM or host machine");
    assertThat(failed).isEmpty();
  }

  /** Reads until {@code wanted} more acks; failures are collected, not counted. */
  private static int countAcks(BufferedReader lines, int wanted, List<String> failed)
      throws Exception {
    int acks = 0;
    String line;
    while (acks < wanted && (line = lines.readLine()) != null) {
      if (line.startsWith("acked ")) {
        acks++;
      } else if (line.startsWith("failed ")) {
        failed.add(line);
      }
    }
    return acks;
  }

  private static void signal(String signal, Process p) throws Exception {
    Process kill = new ProcessBuilder("/bin/kill", signal, Long.toString(p.pid())).start();
    assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).isZero();
  }
}
