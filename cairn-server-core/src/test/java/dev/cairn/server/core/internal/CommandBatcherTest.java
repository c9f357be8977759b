package dev.cairn.server.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.server.core.log.CommandLog;
import dev.cairn.server.core.log.LogStateMachine;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class CommandBatcherTest {

  private static final CairnException DOWN = CairnException.of(ErrorCode.UNAVAILABLE, "log down");

  @Test
  void aBatchPastHalfTheLogsEntryLimitGoesOutAsSeveralEntriesInOrder() throws Exception {
    SmallLog log = new SmallLog(4096);
    CommandBatcher batcher = new CommandBatcher(log, new LocalEntries(), 512, 1);
    CompletableFuture<Result> first = batcher.submit(close("first"));
    List<Command> queued = new ArrayList<>();
    List<CompletableFuture<Result>> results = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      Command c = close(String.format("queued-%03d-%s", i, "x".repeat(40)));
      queued.add(c);
      results.add(batcher.submit(c)); // behind the one entry in flight
    }
    assertThat(log.entries).hasSize(1);

    log.answer(0, 1); // the first entry applied: the 100 queued commands go out

    List<byte[]> split = log.entries.subList(1, log.entries.size());
    assertThat(split).hasSizeGreaterThan(2);
    List<Command> written = new ArrayList<>();
    for (byte[] entry : split) {
      assertThat(entry.length).isLessThanOrEqualTo(4096 / 2);
      written.addAll(CommandCodec.decodeBatch(entry, new StringPool()));
    }
    assertThat(written).isEqualTo(queued);
    for (int e = 1; e < log.entries.size(); e++) {
      log.answer(e, CommandCodec.decodeBatch(log.entries.get(e), new StringPool()).size());
    }
    assertThat(first.join().isOk()).isTrue();
    for (CompletableFuture<Result> r : results) {
      assertThat(r).isCompleted();
      assertThat(r.join().isOk()).isTrue();
    }
  }

  @Test
  void aCommandPastTheLogsEntryLimitFailsAloneWithInvalidArgument() {
    SmallLog log = new SmallLog(4096);
    CommandBatcher batcher = new CommandBatcher(log, new LocalEntries(), 512, 1);

    CompletableFuture<Result> huge = batcher.submit(close("h".repeat(5000)));
    CompletableFuture<Result> next = batcher.submit(close("next"));

    assertThat(huge).isCompletedExceptionally();
    try {
      huge.join();
    } catch (CompletionException e) {
      CairnException cause = (CairnException) e.getCause();
      assertThat(cause.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
      assertThat(cause.getMessage()).contains("4096 bytes");
    }
    assertThat(log.entries).hasSize(1); // the next command still went out, in an entry of its own
    log.answer(0, 1);
    assertThat(next.join().isOk()).isTrue();
  }

  @Test
  void anEntryTellsTheLogHowLongItsOldestCommandWaitedBehindTheOneInFlight() {
    SmallLog log = new SmallLog(4096);
    java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
    CommandBatcher batcher =
        new CommandBatcher(log, new LocalEntries(), 512, 1, 1, () -> false, now::get);

    batcher.submit(close("first")); // in flight at once
    now.addAndGet(2_000_000_000L);
    CompletableFuture<Result> second = batcher.submit(close("second")); // queued behind it
    now.addAndGet(500_000_000L);
    CompletableFuture<Result> third = batcher.submit(close("third"));
    now.addAndGet(700_000_000L);
    assertThat(log.entries).hasSize(1);

    log.answer(0, 1); // the entry in flight done 1.2 s after "second" arrived: the two go out

    assertThat(log.entries).hasSize(2);
    // the log counts its write timeout from the oldest command's arrival (decision 0182)
    assertThat(log.waitedNanos).containsExactly(0L, 1_200_000_000L);
    log.answer(1, 2);
    assertThat(second.join().isOk()).isTrue();
    assertThat(third.join().isOk()).isTrue();
  }

  private static Command close(String session) {
    return new Command.CloseSession(session, false);
  }

  @Test
  void entriesFailingOneAfterAnotherDoNotDeepenTheStack() throws Exception {
    DownLog log = new DownLog();
    CommandBatcher batcher = new CommandBatcher(log, new LocalEntries(), 1, 2);
    List<CompletableFuture<Result>> submitted = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      submitted.add(batcher.submit(new Command.CloseSession("s" + i, false)));
    }
    assertThat(log.inFlight).hasSize(2); // the rest queue behind them

    // The first in-flight entry fails, on a thread with a small stack (the server runs with
    // -Xss256k): every queued entry then goes out, and fails at once, on this thread.
    Thread t =
        new Thread(
            null, () -> log.inFlight.get(0).completeExceptionally(DOWN), "small", 256 * 1024);
    t.start();
    t.join();
    log.inFlight.get(1).completeExceptionally(DOWN);

    for (CompletableFuture<Result> f : submitted) {
      assertThat(f).isCompletedExceptionally();
      try {
        f.join();
      } catch (CompletionException e) {
        assertThat(e.getCause()).isSameAs(DOWN);
      }
    }
  }

  @Test
  void batchesStillForwardedWhenThisMemberStartsLeadingDoNotHoldItsEntriesBack() {
    HoldingLog log = new HoldingLog();
    java.util.concurrent.atomic.AtomicBoolean forwarding =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    CommandBatcher batcher =
        new CommandBatcher(
            log, new LocalEntries(), 1, 1, 2, forwarding::get, dev.cairn.common.Ticker.system());

    batcher.submit(new Command.CloseSession("f1", false));
    batcher.submit(new Command.CloseSession("f2", false));
    batcher.submit(new Command.CloseSession("f3", false));
    assertThat(log.inFlight).hasSize(2); // forwarded, unanswered: the third waits

    // Leading now: the forwarded batches come back here and need entries of this member's own.
    forwarding.set(false);
    batcher.submit(new Command.CloseSession("e1", false));
    assertThat(log.inFlight).hasSize(3);
    batcher.submit(new Command.CloseSession("e2", false));
    assertThat(log.inFlight).hasSize(3); // one entry in flight at most
  }

  @Test
  void anEntryOfItsOwnRelayedBackGoesOutBesideTheLimitAForeignBatchWaits() {
    HoldingLog log = new HoldingLog();
    LocalEntries local = new LocalEntries();
    CommandBatcher batcher = new CommandBatcher(log, local, 512, 1);
    batcher.submit(new Command.CloseSession("own", false));
    assertThat(log.inFlight).hasSize(1); // the one entry in flight

    // Another member's batch waits for the slot.
    batcher.submitForwarded(
        new Command.Forwarded(42L, List.of(new Command.CloseSession("f", false))),
        new CompletableFuture<>(),
        CommandBatcher.NO_DEADLINE);
    assertThat(log.inFlight).hasSize(1);

    // This member's own entry, relayed back to it (its id is one it holds), does not wait.
    long own = local.hold(List.of(new Command.CloseSession("own", false)));
    batcher.submitForwarded(
        new Command.Forwarded(own, List.of(new Command.CloseSession("own", false))),
        new CompletableFuture<>(),
        CommandBatcher.NO_DEADLINE);
    assertThat(log.inFlight).hasSize(2);
  }

  // Decision 0183: a forwarded batch that waited in the leader's queue past its sender's deadline
  // is not appended; one within it is.
  @Test
  void aForwardedBatchQueuedPastItsDeadlineIsDroppedBeforeItIsAppended() throws Exception {
    HoldingLog log = new HoldingLog();
    dev.cairn.testing.clock.FakeTicker ticker = dev.cairn.testing.clock.FakeTicker.create();
    CommandBatcher batcher =
        new CommandBatcher(log, new LocalEntries(), 512, 1, 1, () -> false, ticker);
    batcher.submit(new Command.CloseSession("own", false));
    assertThat(log.inFlight).hasSize(1); // the one entry in flight: what follows queues

    CompletableFuture<List<Result>> late = new CompletableFuture<>();
    CompletableFuture<List<Result>> inTime = new CompletableFuture<>();
    long now = ticker.nanos();
    batcher.submitForwarded(
        new Command.Forwarded(1L, List.of(new Command.CloseSession("late", false))),
        late,
        now + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(500));
    batcher.submitForwarded(
        new Command.Forwarded(2L, List.of(new Command.CloseSession("in-time", false))),
        inTime,
        now + java.util.concurrent.TimeUnit.SECONDS.toNanos(5));
    ticker.advance(java.time.Duration.ofSeconds(1)); // the first one's sender gave up meanwhile
    log.inFlight.get(0).complete(CommandCodec.encodeResults(List.of(Result.ok(1))));

    assertThat(late)
        .failsWithin(java.time.Duration.ZERO)
        .withThrowableThat()
        .havingCause()
        .isInstanceOf(CairnException.class)
        .withMessage(
            "write not done within its deadline: it waited in the leader's queue 500 ms past it"
                + " and was dropped before it was appended (it will not be applied)");
    assertThat(((CairnException) late.handle((r, e) -> e).join()).code())
        .isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(log.inFlight).hasSize(2); // the batch in time went out, alone
    assertThat(log.entries).hasSize(2);
    assertThat(CommandCodec.decodeBatch(log.entries.get(1), new StringPool()))
        .containsExactly(
            new Command.Forwarded(2L, List.of(new Command.CloseSession("in-time", false))));
    assertThat(inTime).isNotDone();
  }

  @Test
  void afterFailSubmissionsFailWithTheCause() {
    CommandBatcher batcher = new CommandBatcher(new DownLog(), new LocalEntries(), 1, 2);

    batcher.fail(DOWN);

    assertThat(batcher.submit(new Command.CloseSession("s", false)))
        .failsWithin(java.time.Duration.ZERO)
        .withThrowableThat()
        .havingCause()
        .isSameAs(DOWN);
  }

  /** Every append stays in flight. */
  private static final class HoldingLog implements CommandLog {
    final List<CompletableFuture<byte[]>> inFlight = new ArrayList<>();
    final List<byte[]> entries = new ArrayList<>();

    @Override
    public void start(LogStateMachine machine) {}

    @Override
    public synchronized CompletableFuture<byte[]> append(byte[] entry) {
      CompletableFuture<byte[]> f = new CompletableFuture<>();
      inFlight.add(f);
      entries.add(entry);
      return f;
    }

    @Override
    public CompletableFuture<CairnException> failure() {
      return new CompletableFuture<>();
    }

    @Override
    public void close() {}
  }

  /**
   * A log that takes entries up to {@code maxEntryBytes}, keeps them, and answers when told to; it
   * refuses a larger entry at once with {@code INVALID_ARGUMENT}, as the Ratis log does.
   */
  private static final class SmallLog implements CommandLog {
    final List<byte[]> entries = new ArrayList<>();
    final List<Long> waitedNanos = new ArrayList<>();
    final List<CompletableFuture<byte[]>> inFlight = new ArrayList<>();
    private final int maxEntryBytes;

    SmallLog(int maxEntryBytes) {
      this.maxEntryBytes = maxEntryBytes;
    }

    @Override
    public int maxEntryBytes() {
      return maxEntryBytes;
    }

    @Override
    public void start(LogStateMachine machine) {}

    @Override
    public synchronized CompletableFuture<byte[]> append(byte[] entry, long waited) {
      waitedNanos.add(waited);
      return append(entry);
    }

    @Override
    public synchronized CompletableFuture<byte[]> append(byte[] entry) {
      if (entry.length > maxEntryBytes) {
        return CompletableFuture.failedFuture(
            CairnException.of(
                ErrorCode.INVALID_ARGUMENT,
                "a log entry of "
                    + entry.length
                    + " bytes is more than "
                    + maxEntryBytes
                    + " bytes"));
      }
      CompletableFuture<byte[]> f = new CompletableFuture<>();
      entries.add(entry);
      inFlight.add(f);
      return f;
    }

    /** Answers entry {@code i} as applied, with {@code commands} ok results. */
    void answer(int i, int commands) {
      List<Result> ok = new ArrayList<>();
      for (int c = 0; c < commands; c++) {
        ok.add(Result.ok(i + 1));
      }
      inFlight.get(i).complete(CommandCodec.encodeResults(ok));
    }

    @Override
    public CompletableFuture<CairnException> failure() {
      return new CompletableFuture<>();
    }

    @Override
    public void close() {}
  }

  /** The first two appends stay in flight until the test ends them; later ones fail at once. */
  private static final class DownLog implements CommandLog {
    final List<CompletableFuture<byte[]>> inFlight = new ArrayList<>();

    @Override
    public void start(LogStateMachine machine) {}

    @Override
    public synchronized CompletableFuture<byte[]> append(byte[] entry) {
      if (inFlight.size() < 2) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        inFlight.add(f);
        return f;
      }
      return CompletableFuture.failedFuture(DOWN);
    }

    @Override
    public CompletableFuture<CairnException> failure() {
      return new CompletableFuture<>();
    }

    @Override
    public void close() {}
  }
}
