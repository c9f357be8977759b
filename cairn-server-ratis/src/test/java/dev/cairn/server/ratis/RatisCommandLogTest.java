package dev.cairn.server.ratis;

import static dev.cairn.server.ratis.RecordingMachine.bytes;
import static dev.cairn.server.ratis.RecordingMachine.string;
import static dev.cairn.server.ratis.StartedLogs.join;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.server.core.log.LogMember;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RatisCommandLogTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dataDir;

  @RegisterExtension final StartedLogs logs = new StartedLogs();

  @Test
  void appendAppliesEntryAndCompletesWithReply() throws Exception {
    RecordingMachine machine = new RecordingMachine();
    RatisCommandLog log = logs.start(RatisCommandLog.builder(dataDir), machine);

    assertThat(string(join(log.append(bytes("a"))))).isEqualTo("1");
    assertThat(string(join(log.append(bytes("b"))))).isEqualTo("2");

    assertThat(machine.entries()).containsExactly("a", "b");
  }

  @Test
  void aSingleNodeListsItselfWithoutIdOrAddress() throws Exception {
    RatisCommandLog log = logs.start(RatisCommandLog.builder(dataDir), new RecordingMachine());
    join(log.append(bytes("a")));

    List<LogMember> members = log.members().get(10, TimeUnit.SECONDS);

    assertThat(members).hasSize(1);
    assertThat(members.get(0).id()).isEmpty();
    assertThat(members.get(0).address()).isEmpty();
    assertThat(members.get(0).role()).isEqualTo("LEADER");
  }

  @Test
  void anEmptyEntryIsRefusedAndTheLogGoesOn() throws Exception {
    RecordingMachine machine = new RecordingMachine();
    RatisCommandLog log = logs.start(RatisCommandLog.builder(dataDir), machine);

    assertThatThrownBy(() -> log.append(new byte[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("entry: empty");
    join(log.append(bytes("a")));

    assertThat(machine.entries()).containsExactly("a");
  }

  @Test
  void anEntryUpToTheLimitIsWrittenOnePastItIsRefusedAndTheLogGoesOn() throws Exception {
    RecordingMachine machine = new RecordingMachine();
    RatisCommandLog log = logs.start(RatisCommandLog.builder(dataDir), machine);
    byte[] largest = new byte[log.maxEntryBytes()];
    java.util.Arrays.fill(largest, (byte) 'L');

    join(log.append(largest)); // fits the log worker's buffer with Ratis's framing around it
    CompletableFuture<byte[]> tooLarge = log.append(new byte[log.maxEntryBytes() + 1]);
    join(log.append(bytes("after")));

    assertThat(log.maxEntryBytes()).isBetween(512 * 1024, 1024 * 1024);
    assertThatThrownBy(tooLarge::join)
        .cause()
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
        .hasMessageContaining(log.maxEntryBytes() + " bytes");
    assertThat(machine.entries()).hasSize(2);
    assertThat(machine.entries().get(0)).hasSize(log.maxEntryBytes());
    assertThat(machine.entries().get(1)).isEqualTo("after");
  }

  @Test
  void restartReplaysTheLog() throws Exception {
    RatisCommandLog first = logs.start(builder().snapshotOnClose(false), new RecordingMachine());
    List<String> written = appendAll(first, "e", 25);
    first.close();

    RecordingMachine machine = new RecordingMachine();
    RatisCommandLog second = logs.start(builder().snapshotOnClose(false), machine);

    assertThat(machine.snapshotsRead()).isZero();
    assertThat(machine.entries()).isEqualTo(written);
    assertThat(string(join(second.append(bytes("next"))))).isEqualTo("26");
  }

  @Test
  void closeTakesASnapshotThatRestartRestores() throws Exception {
    RecordingMachine firstMachine = new RecordingMachine();
    RatisCommandLog first = logs.start(builder(), firstMachine);
    List<String> written = appendAll(first, "e", 10);
    first.close();
    assertThat(firstMachine.snapshotsWritten()).isEqualTo(1);

    RecordingMachine machine = new RecordingMachine();
    RatisCommandLog second = logs.start(builder(), machine);

    assertThat(machine.snapshotsRead()).isEqualTo(1);
    assertThat(machine.entries()).isEqualTo(written);
    assertThat(string(join(second.append(bytes("next"))))).isEqualTo("11");
  }

  @Test
  void entriesGoOnBeingAppliedWhileASnapshotIsWritten() throws Exception {
    BreakingMachine machine = new BreakingMachine(AssertionError::new).holdSnapshotWrites();
    RatisCommandLog log = logs.start(builder().snapshotEvery(10).snapshotOnClose(false), machine);
    List<String> written = appendAll(log, "a", 12); // past the interval: a snapshot is captured
    assertThat(machine.awaitSnapshotWriting(30)).isTrue();

    // Its write is held; each append below would wait for it if applying did (join: 30 s).
    written.addAll(appendAll(log, "b", 50));
    assertThat(machine.recorded().entries()).isEqualTo(written);
    assertThat(LogFiles.snapshots(dataDir)).isEmpty();

    machine.releaseSnapshotWrites();
    await().atMost(WAIT).until(() -> !LogFiles.snapshots(dataDir).isEmpty());
    log.close();
    RecordingMachine restarted = new RecordingMachine();
    logs.start(builder().snapshotEvery(10).snapshotOnClose(false), restarted);
    assertThat(restarted.snapshotsRead()).isEqualTo(1);
    assertThat(restarted.entries()).isEqualTo(written);
  }

  @Test
  void snapshotsPurgeOldSegmentsAndRestartRestoresSnapshotPlusTail() throws Exception {
    RatisCommandLog.Builder settings =
        builder().snapshotEvery(100).segmentSizeBytes(64 * 1024).snapshotOnClose(false);
    RecordingMachine firstMachine = new RecordingMachine();
    RatisCommandLog first = logs.start(settings, firstMachine);
    String padding = "p".repeat(900);
    List<String> written = new ArrayList<>();
    for (int i = 0; i < 650; i++) {
      String entry = i + padding;
      join(first.append(bytes(entry)));
      written.add(entry);
    }
    await().atMost(WAIT).until(() -> firstMachine.snapshotsWritten() >= 5);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(LogFiles.startIndex(LogFiles.segments(dataDir).get(0)))
                    .isGreaterThan(100));
    assertThat(LogFiles.snapshots(dataDir)).hasSize(2);
    first.close();

    RecordingMachine machine = new RecordingMachine();
    RatisCommandLog second = logs.start(settings, machine);

    assertThat(machine.snapshotsRead()).isEqualTo(1);
    assertThat(machine.entries()).isEqualTo(written);
    assertThat(string(join(second.append(bytes("next"))))).isEqualTo("651");
  }

  @Test
  void segmentsStayWhenPurgeIsOff() throws Exception {
    RecordingMachine machine = new RecordingMachine();
    RatisCommandLog log =
        logs.start(
            builder().snapshotEvery(50).segmentSizeBytes(64 * 1024).purgeAfterSnapshot(false),
            machine);
    String padding = "p".repeat(900);
    for (int i = 0; i < 300; i++) {
      join(log.append(bytes(i + padding)));
    }
    await().atMost(WAIT).until(() -> machine.snapshotsWritten() >= 3);

    assertThat(LogFiles.startIndex(LogFiles.segments(dataDir).get(0))).isZero();
  }

  @ParameterizedTest
  @EnumSource(LogFiles.Damage.class)
  void damagedTailKeepsTheIntactPrefix(LogFiles.Damage damage) throws Exception {
    RatisCommandLog first = logs.start(builder().snapshotOnClose(false), new RecordingMachine());
    List<String> written = appendAll(first, "e", 20);
    first.close();
    List<Path> segments = LogFiles.segments(dataDir);
    Path newest = segments.get(segments.size() - 1);
    // The last write is e19 or, after it, Ratis's own record of its commit.
    String lost = LogFiles.damageLastEntry(newest, damage);
    List<String> kept = lost == null ? written : written.subList(0, 19);
    assertThat(lost).isIn(null, "e19");

    RecordingMachine machine = new RecordingMachine();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    PrintStream original = System.err;
    System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
    RatisCommandLog second;
    try {
      second = logs.start(builder().snapshotOnClose(false), machine);
    } finally {
      System.setErr(original);
    }

    assertThat(stderr.toString(StandardCharsets.UTF_8).lines())
        .anySatisfy(line -> assertThat(line).contains("WARN").contains(newest.toString()));
    assertThat(machine.entries()).isEqualTo(kept);
    assertThat(string(join(second.append(bytes("after")))))
        .isEqualTo(Integer.toString(kept.size() + 1));
    assertThat(machine.entries()).endsWith(kept.get(kept.size() - 1), "after");
  }

  @Test
  void corruptSnapshotFailsStart() throws Exception {
    RatisCommandLog first = logs.start(builder(), new RecordingMachine());
    appendAll(first, "e", 5);
    first.close();
    Path snapshot = LogFiles.snapshots(dataDir).get(0);
    byte[] bytes = Files.readAllBytes(snapshot);
    bytes[bytes.length - 1] ^= 1;
    Files.write(snapshot, bytes);

    RatisCommandLog second = builder().startTimeout(Duration.ofSeconds(20)).build();
    logs.add(second);

    assertThatThrownBy(() -> second.start(new RecordingMachine())).isInstanceOf(IOException.class);
    assertUnavailable(second.append(bytes("a")));
  }

  @Test
  void concurrentAppendsAllCompleteInSubmissionOrderPerThread() throws Exception {
    RecordingMachine machine = new RecordingMachine();
    RatisCommandLog log = logs.start(builder(), machine);
    int threads = 16;
    int perThread = 200;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<List<CompletableFuture<byte[]>>>> submitted = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        int thread = t;
        submitted.add(
            pool.submit(
                () -> {
                  go.await();
                  List<CompletableFuture<byte[]>> replies = new ArrayList<>();
                  for (int i = 0; i < perThread; i++) {
                    replies.add(log.append(bytes(thread + ":" + i)));
                  }
                  return replies;
                }));
      }
      go.countDown();
      List<String> applied = null;
      for (int t = 0; t < threads; t++) {
        List<CompletableFuture<byte[]>> replies = submitted.get(t).get(30, TimeUnit.SECONDS);
        List<Integer> positions = new ArrayList<>();
        for (CompletableFuture<byte[]> reply : replies) {
          positions.add(Integer.parseInt(string(join(reply))));
        }
        assertThat(positions).isSorted().doesNotHaveDuplicates();
        applied = machine.entries();
        for (int i = 0; i < perThread; i++) {
          assertThat(applied.get(positions.get(i) - 1)).isEqualTo(t + ":" + i);
        }
      }
      assertThat(machine.entries()).hasSize(threads * perThread);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void appendFromACompletionCallbackDoesNotDeadlock() throws Exception {
    RecordingMachine machine = new RecordingMachine();
    RatisCommandLog log = logs.start(builder(), machine);
    CompletableFuture<Integer> done = new CompletableFuture<>();

    chain(log, 0, 200, done);

    assertThat(done.get(30, TimeUnit.SECONDS)).isEqualTo(200);
    assertThat(machine.entries()).hasSize(200).startsWith("c0", "c1").endsWith("c199");
  }

  /** Appends entry {@code i}, and from its completion the next, as a batcher would. */
  private static void chain(
      RatisCommandLog log, int i, int count, CompletableFuture<Integer> done) {
    if (i == count) {
      done.complete(count);
      return;
    }
    log.append(bytes("c" + i))
        .whenComplete(
            (reply, error) -> {
              if (error != null) {
                done.completeExceptionally(error);
              } else {
                chain(log, i + 1, count, done);
              }
            });
  }

  @Test
  void twoLogsRunSideBySideInOneJvm(@TempDir Path otherDir) throws Exception {
    RecordingMachine one = new RecordingMachine();
    RecordingMachine two = new RecordingMachine();
    RatisCommandLog first = logs.start(builder(), one);
    RatisCommandLog second = logs.start(RatisCommandLog.builder(otherDir), two);

    join(first.append(bytes("a")));
    join(second.append(bytes("b")));
    first.close();
    join(second.append(bytes("c")));

    assertThat(one.entries()).containsExactly("a");
    assertThat(two.entries()).containsExactly("b", "c");
  }

  @Test
  void closeFailsPendingAndLaterAppendsWithUnavailable() throws Exception {
    RatisCommandLog log = logs.start(builder(), new RecordingMachine());
    List<CompletableFuture<byte[]>> inFlight =
        IntStream.range(0, 2000)
            .mapToObj(i -> log.append(bytes("e" + i)))
            .collect(Collectors.toList());

    log.close();

    CompletableFuture<Void> all =
        CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new));
    await().atMost(WAIT).until(all::isDone);
    for (CompletableFuture<byte[]> f : inFlight) {
      if (f.isCompletedExceptionally()) {
        assertUnavailable(f);
      }
    }
    assertUnavailable(log.append(bytes("late")));
  }

  @Test
  void closeIsIdempotentAndStopsRatisThreads() throws Exception {
    Set<Thread> before = nonDaemonThreads();
    RatisCommandLog log = logs.start(builder(), new RecordingMachine());
    join(log.append(bytes("a")));

    log.close();
    log.close();

    await()
        .atMost(WAIT)
        .pollInSameThread()
        .untilAsserted(
            () ->
                assertThat(nonDaemonThreads())
                    .filteredOn(t -> !before.contains(t))
                    .extracting(Thread::getName)
                    .isEmpty());
  }

  @Test
  void appendBeforeStartFailsWithUnavailable() {
    RatisCommandLog log = builder().build();
    logs.add(log);

    assertUnavailable(log.append(bytes("a")));
  }

  @Test
  void startTwiceFails() throws Exception {
    RatisCommandLog log = logs.start(builder(), new RecordingMachine());

    assertThatThrownBy(() -> log.start(new RecordingMachine()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("expected: NEW");
  }

  @Test
  void restartWithAnotherPeerIdFails() throws Exception {
    logs.start(builder().peerId("a1"), new RecordingMachine()).close();

    RatisCommandLog other = builder().peerId("b2").build();
    logs.add(other);

    assertThatThrownBy(() -> other.start(new RecordingMachine()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("belongs to node \"a1\"");
  }

  @Test
  void aSecondLogOnTheSameDirectoryFailsAtOnceAndTheFirstGoesOn() throws Exception {
    RatisCommandLog first = logs.start(builder(), new RecordingMachine());
    RatisCommandLog second = builder().build();
    logs.add(second);

    assertThatThrownBy(() -> second.start(new RecordingMachine()))
        .isInstanceOf(IOException.class)
        .hasMessage("data directory " + dataDir + " is in use by another Cairn server");
    assertThat(string(join(first.append(bytes("a"))))).isEqualTo("1");

    first.close();
    RecordingMachine machine = new RecordingMachine();
    RatisCommandLog third = logs.start(builder(), machine);
    join(third.append(bytes("b")));
    assertThat(machine.entries()).containsExactly("a", "b");
  }

  @Test
  void builderRejectsBadSettings() {
    RatisCommandLog.Builder b = RatisCommandLog.builder(dataDir);
    assertThatThrownBy(() -> b.port(70_000)).hasMessage("port: 70000 (expected: 0..65535)");
    assertThatThrownBy(() -> b.snapshotEvery(0)).hasMessage("snapshotEvery: 0 (expected: > 0)");
    assertThatThrownBy(() -> b.peerId("a b")).hasMessageStartingWith("peerId: \"a b\" (expected:");
    assertThatThrownBy(() -> b.segmentSizeBytes(10))
        .hasMessage("segmentSizeBytes: 10 (expected: >= 65536)");
    assertThatThrownBy(() -> b.startTimeout(Duration.ZERO))
        .hasMessage("startTimeout: PT0S (expected: > 0)");
  }

  private RatisCommandLog.Builder builder() {
    return RatisCommandLog.builder(dataDir);
  }

  private static List<String> appendAll(RatisCommandLog log, String prefix, int count) {
    List<String> written = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String entry = prefix + i;
      join(log.append(bytes(entry)));
      written.add(entry);
    }
    return written;
  }

  private static void assertUnavailable(CompletableFuture<byte[]> f) {
    assertThatThrownBy(f::join)
        .isInstanceOf(CompletionException.class)
        .cause()
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
  }

  private static Set<Thread> nonDaemonThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && !t.isDaemon())
        .collect(Collectors.toSet());
  }
}
