package dev.cairn.server.ratis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every append acknowledged before a kill -9 is applied again after the restart. */
class KillNineTest {

  private static final int ACKS_BEFORE_KILL = 3_000;

  @TempDir Path dataDir;

  @Test
  void ackedAppendsSurviveKillNine() throws Exception {
    Process child = AppendUntilKilled.start(dataDir, ProcessBuilder.Redirect.DISCARD);
    Set<String> acked = new HashSet<>();
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while (acked.size() < ACKS_BEFORE_KILL && (line = lines.readLine()) != null) {
        if (line.startsWith("acked ")) {
          acked.add(line.substring("acked ".length()));
        }
      }
      // SIGKILL: no shutdown hook, no close, no snapshot; only what the log made durable stays.
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      child.destroyForcibly();
    }
    assertThat(acked).hasSizeGreaterThanOrEqualTo(ACKS_BEFORE_KILL);

    RecordingMachine machine = new RecordingMachine();
    try (RatisCommandLog log = RatisCommandLog.builder(dataDir).build()) {
      log.start(machine);
      List<String> applied = machine.entries();
      assertThat(applied).containsAll(acked);
      assertThat(applied).doesNotHaveDuplicates();
    }
  }
}
