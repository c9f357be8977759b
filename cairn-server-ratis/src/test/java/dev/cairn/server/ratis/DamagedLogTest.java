package dev.cairn.server.ratis;

import static dev.cairn.server.ratis.RecordingMachine.bytes;
import static dev.cairn.server.ratis.RecordingMachine.string;
import static dev.cairn.server.ratis.StartedLogs.join;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Damage before the log's tail refuses the start until an explicit repair cuts the log there. */
class DamagedLogTest {

  @TempDir Path dataDir;

  @RegisterExtension final StartedLogs logs = new StartedLogs();

  @Test
  void aFlippedByteBeforeTheTailRefusesTheStartUntilRepaired() throws Exception {
    List<String> written = writeAndClose(40);
    Path segment = newest();
    LogFiles.Frame damaged =
        LogFiles.frames(segment).stream()
            .filter(f -> "e20".equals(f.payload()))
            .findFirst()
            .orElseThrow();
    LogFiles.flipByte(segment, damaged);

    RatisCommandLog refused = logs.add(builder().build());
    assertThatThrownBy(() -> refused.start(new RecordingMachine()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("damaged before its tail: " + segment)
        .hasMessageContaining("at byte offset " + damaged.start())
        .hasMessageContaining("cairn repair --data-dir " + dataDir);
    refused.close();

    assertThat(LogRepair.repair(dataDir))
        .hasValueSatisfying(
            line ->
                assertThat(line)
                    .startsWith("dropped " + segment + " from byte offset " + damaged.start())
                    .contains("intact entries after it"));

    RecordingMachine machine = new RecordingMachine();
    RatisCommandLog repaired = logs.start(builder(), machine);
    assertThat(machine.entries()).isEqualTo(written.subList(0, 20));
    assertThat(string(join(repaired.append(bytes("after"))))).isEqualTo("21");
    repaired.close();
    assertThat(LogRepair.repair(dataDir)).isEmpty();
  }

  @Test
  void damageInAnOlderSegmentIsRepairedByCuttingEveryLaterOne() throws Exception {
    RatisCommandLog log =
        logs.start(builder().segmentSizeBytes(64 * 1024).purgeAfterSnapshot(false), machine());
    String padding = "p".repeat(900);
    List<String> written = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      join(log.append(bytes(i + padding)));
      written.add(i + padding);
    }
    log.close();
    List<Path> segments = LogFiles.segments(dataDir);
    assertThat(segments.size()).isGreaterThan(2);
    Path oldest = segments.get(0);
    List<LogFiles.Frame> frames = LogFiles.frames(oldest);
    LogFiles.Frame damaged = frames.get(frames.size() / 2);
    LogFiles.flipByte(oldest, damaged);

    RatisCommandLog refused = logs.add(builder().build());
    assertThatThrownBy(() -> refused.start(machine()))
        .hasMessageContaining("damaged before its tail: " + oldest)
        .hasMessageContaining("at byte offset " + damaged.start());
    refused.close();
    assertThat(LogRepair.repair(dataDir).orElseThrow())
        .contains("(" + (segments.size() - 1) + " later segment file(s) deleted)");

    RecordingMachine machine = new RecordingMachine();
    logs.start(builder(), machine);
    List<String> kept =
        frames.subList(0, frames.size() / 2).stream()
            .map(LogFiles.Frame::payload)
            .filter(p -> p != null)
            .toList();
    assertThat(machine.entries()).isNotEmpty().isEqualTo(kept);
    assertThat(written).startsWith(kept.toArray(String[]::new));
  }

  @Test
  void repairRefusesADirectoryInUse() throws Exception {
    logs.start(builder(), new RecordingMachine());

    assertThatThrownBy(() -> LogRepair.repair(dataDir))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("in use");
  }

  private List<String> writeAndClose(int count) throws IOException {
    RatisCommandLog log = logs.start(builder(), new RecordingMachine());
    List<String> written = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      join(log.append(bytes("e" + i)));
      written.add("e" + i);
    }
    log.close();
    return written;
  }

  private Path newest() throws IOException {
    List<Path> segments = LogFiles.segments(dataDir);
    return segments.get(segments.size() - 1);
  }

  private static RecordingMachine machine() {
    return new RecordingMachine();
  }

  private RatisCommandLog.Builder builder() {
    return RatisCommandLog.builder(dataDir).snapshotOnClose(false);
  }
}
