package dev.cairn.server.ratis;

import static dev.cairn.server.ratis.RecordingMachine.bytes;
import static dev.cairn.server.ratis.RecordingMachine.string;
import static dev.cairn.server.ratis.StartedLogs.join;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.server.core.log.StorageStatus;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log's reserve of free space (decision 0094), through its injectable usable-space reading: a
 * file system below the reserve refuses appends at once, before anything is written, and the next
 * append after it has room again is taken. (A real full file system: {@code DiskFullTest} in
 * cairn-server.)
 */
class RatisCommandLogDiskFullTest {

  private static final long RESERVE = 8L * 1024 * 1024;

  @TempDir Path dataDir;

  @RegisterExtension final StartedLogs logs = new StartedLogs();

  private final AtomicLong usable = new AtomicLong(1L << 40);

  @Test
  void belowTheReserveAppendsFailAtOnceNamingTheDirectoryAndResumeOnceThereIsRoom()
      throws Exception {
    RecordingMachine machine = new RecordingMachine();
    RatisCommandLog log =
        logs.start(
            RatisCommandLog.builder(dataDir).minFreeBytes(RESERVE).usableSpace(usable::get),
            machine);
    assertThat(string(join(log.append(bytes("a"))))).isEqualTo("1");
    assertThat(log.storage().writable()).isTrue();
    assertThat(log.storage().error()).isEmpty();

    usable.set(RESERVE - 1);

    CompletableFuture<byte[]> refused = log.append(bytes("b"));
    assertThat(refused).isCompletedExceptionally();
    assertThatThrownBy(refused::join)
        .isInstanceOf(CompletionException.class)
        .cause()
        .isInstanceOfSatisfying(
            CairnException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.INSUFFICIENT_STORAGE);
              assertThat(e.field()).isEqualTo("log");
              assertThat(e.getMessage())
                  .startsWith("the command log cannot write: disk full: ")
                  .contains(dataDir.toString())
                  .contains("8.0 MiB kept free");
            });
    StorageStatus full = log.storage();
    assertThat(full.writable()).isFalse();
    assertThat(full.error()).contains("disk full");
    assertThat(full.path()).isEqualTo(dataDir.toString());
    assertThat(full.usableBytes()).isEqualTo(RESERVE - 1);
    assertThat(full.reserveBytes()).isEqualTo(RESERVE);
    assertThat(full.failedWrites()).isEqualTo(1);

    usable.set(RESERVE);

    assertThat(string(join(log.append(bytes("c"))))).isEqualTo("2");
    assertThat(log.storage().writable()).isTrue();
    assertThat(machine.entries()).containsExactly("a", "c");
    assertThat(log.failure()).isNotDone();
  }

  @Test
  void aReserveOfZeroNeverRefuses() throws Exception {
    usable.set(0);
    RatisCommandLog log =
        logs.start(
            RatisCommandLog.builder(dataDir).minFreeBytes(0).usableSpace(usable::get),
            new RecordingMachine());

    assertThat(string(join(log.append(bytes("a"))))).isEqualTo("1");
    assertThat(log.storage().writable()).isTrue();
  }

  @Test
  void aNegativeReserveIsRefusedNamingTheSetting() {
    assertThatThrownBy(() -> RatisCommandLog.builder(dataDir).minFreeBytes(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minFreeBytes: -1 (expected: >= 0)");
  }
}
