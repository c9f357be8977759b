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
    CommandBatcher batcher = new CommandBatcher(log, new LocalEntries(), 1, 1, 2, forwarding::get);

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
        new CompletableFuture<>());
    assertThat(log.inFlight).hasSize(1);

    // This member's own entry, relayed back to it (its id is one it holds), does not wait.
    long own = local.hold(List.of(new Command.CloseSession("own", false)));
    batcher.submitForwarded(
        new Command.Forwarded(own, List.of(new Command.CloseSession("own", false))),
        new CompletableFuture<>());
    assertThat(log.inFlight).hasSize(2);
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

    @Override
    public void start(LogStateMachine machine) {}

    @Override
    public synchronized CompletableFuture<byte[]> append(byte[] entry) {
      CompletableFuture<byte[]> f = new CompletableFuture<>();
      inFlight.add(f);
      return f;
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
