package dev.cairn.server.ratis;

import static dev.cairn.server.ratis.RecordingMachine.bytes;
import static dev.cairn.server.ratis.RecordingMachine.string;
import static dev.cairn.server.ratis.StartedLogs.join;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** What the log does when its state machine breaks: fail loudly when it must, go on when it may. */
class RatisCommandLogFailureTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dataDir;

  @RegisterExtension final StartedLogs logs = new StartedLogs();

  @Test
  void anErrorWhileApplyingFailsThisAndEveryLaterAppendAndIsReported() throws Exception {
    BreakingMachine machine = new BreakingMachine(() -> new StackOverflowError("too deep"));
    RatisCommandLog log = logs.start(RatisCommandLog.builder(dataDir), machine);
    assertThat(string(join(log.append(bytes("a"))))).isEqualTo("1");
    CompletableFuture<CairnException> failure = log.failure();

    CompletableFuture<byte[]> boom = log.append(bytes(BreakingMachine.BOOM));
    List<CompletableFuture<byte[]>> behind = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      behind.add(log.append(bytes("b" + i)));
    }

    CairnException reported = failure.get(30, TimeUnit.SECONDS);
    assertThat(reported.code()).isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(reported.getMessage())
        .startsWith("command log failed: applying log entry ")
        .contains("java.lang.StackOverflowError: too deep");
    assertThat(reported.getCause()).isInstanceOf(StackOverflowError.class);
    assertFailedWith(boom, reported);
    for (CompletableFuture<byte[]> f : behind) {
      assertFailedWith(f, reported);
    }
    assertFailedWith(log.append(bytes("later")), reported);
    assertThat(machine.recorded().entries()).containsExactly("a");

    log.close();
    assertFailedWith(log.append(bytes("after close")), reported);
  }

  @Test
  void aLogThatCannotReplayPastAnErrorFailsToStartSayingWhy() throws Exception {
    RatisCommandLog first = logs.start(builder().snapshotOnClose(false), new RecordingMachine());
    join(first.append(bytes("a")));
    join(first.append(bytes(BreakingMachine.BOOM)));
    first.close();

    RatisCommandLog second = builder().build();
    logs.add(second);

    assertThatThrownBy(
            () -> second.start(new BreakingMachine(() -> new StackOverflowError("on replay"))))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("StackOverflowError: on replay");
    assertThat(second.failure()).isNotDone();
  }

  @Test
  void aRuntimeExceptionWhileApplyingFailsThatAppendOnly() throws Exception {
    BreakingMachine machine = new BreakingMachine(() -> new IllegalStateException("a bug"));
    RatisCommandLog log = logs.start(builder(), machine);

    assertThatThrownBy(() -> join(log.append(bytes(BreakingMachine.BOOM))))
        .isInstanceOf(CompletionException.class)
        .cause()
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL));
    assertThat(string(join(log.append(bytes("next"))))).isEqualTo("1");
    assertThat(log.failure()).isNotDone();
  }

  @Test
  void aSnapshotThatThrowsIsRetriedAFullIntervalLaterAndTheLogGoesOn() throws Exception {
    int every = 20;
    int entries = 200;
    BreakingMachine machine =
        new BreakingMachine(AssertionError::new).failSnapshots(Integer.MAX_VALUE);
    RatisCommandLog log = logs.start(builder().snapshotEvery(every), machine);

    for (int i = 0; i < entries; i++) {
      join(log.append(bytes("e" + i)));
    }

    assertThat(machine.snapshotsFailed()).isPositive();
    // Tried once per interval, not after every applied batch once the first try failed. The log
    // holds up to two entries per append made one at a time: the append and Ratis's commit
    // metadata.
    assertThat(machine.snapshotsFailed()).isLessThanOrEqualTo(2 * entries / every + 1);
    assertThat(log.failure()).isNotDone();

    machine.failSnapshots(0);
    for (int i = entries; i < entries + 2 * every; i++) {
      join(log.append(bytes("e" + i)));
    }
    await().atMost(WAIT).until(() -> machine.recorded().snapshotsWritten() > 0);
    assertThat(machine.recorded().entries()).hasSize(entries + 2 * every);
  }

  @Test
  void closingFirstLeavesTheFailureIncomplete() throws Exception {
    RatisCommandLog log = logs.start(builder(), new RecordingMachine());
    join(log.append(bytes("a")));
    CompletableFuture<CairnException> failure = log.failure();

    log.close();

    assertThat(failure).isNotDone();
    assertThatThrownBy(() -> join(log.append(bytes("b"))))
        .cause()
        .hasMessage("command log is closed");
  }

  private RatisCommandLog.Builder builder() {
    return RatisCommandLog.builder(dataDir);
  }

  private static void assertFailedWith(CompletableFuture<byte[]> f, CairnException expected) {
    assertThatThrownBy(() -> join(f))
        .isInstanceOf(CompletionException.class)
        .cause()
        .isSameAs(expected);
  }
}
