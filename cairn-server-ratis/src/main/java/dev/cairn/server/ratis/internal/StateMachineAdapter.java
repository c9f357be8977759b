package dev.cairn.server.ratis.internal;

import dev.cairn.server.core.log.LogStateMachine;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link LogStateMachine} as a Ratis state machine: applies committed entries, writes and
 * loads snapshots, and tracks the last applied term and index so that replay starts after the
 * snapshot.
 *
 * <p>Ratis calls {@link #initialize} before its updater thread starts, and everything that touches
 * the machine afterwards ({@link #applyTransaction}, {@link #takeSnapshot}, {@link #reinitialize})
 * from that one thread, which is what {@link LogStateMachine} requires.
 *
 * <p>Failures: a {@link RuntimeException} from applying an entry fails that entry's append only,
 * and one from writing a snapshot fails that snapshot only (the next try comes {@code
 * snapshotRetryGap} entries later); neither stops Ratis. An {@link Error} from either is told to
 * {@code onStop} at once and rethrown: the machine's state is unknown, so Ratis must stop applying,
 * and it closes the division. Whenever Ratis closes this machine, {@code onStop} is told too (with
 * {@code null}).
 */
final class StateMachineAdapter extends BaseStateMachine {

  private static final Logger LOG = LoggerFactory.getLogger(StateMachineAdapter.class);

  private final LogStateMachine machine;
  private final SnapshotStore snapshots = new SnapshotStore();
  private final CompletableFuture<Void> leaderReady = new CompletableFuture<>();
  private final long snapshotRetryGap;
  private final Consumer<Throwable> onStop;
  // The Error that made Ratis stop, if one did; written by the apply thread, read on close.
  private volatile Throwable fatal;
  // After a failed snapshot, no new one is written before this index; apply thread only.
  private long nextSnapshotAt;

  /**
   * @param snapshotRetryGap entries applied after a failed snapshot before the next try
   * @param onStop told, on the apply thread, when applying or a snapshot threw an {@link Error} (an
   *     exception naming where, caused by the {@link Error}); and told again, on any thread, with
   *     {@code null}, when Ratis closes the machine
   */
  StateMachineAdapter(LogStateMachine machine, long snapshotRetryGap, Consumer<Throwable> onStop) {
    this.machine = machine;
    this.snapshotRetryGap = snapshotRetryGap;
    this.onStop = onStop;
  }

  /**
   * Completes when this peer leads with every earlier entry applied; fails if the machine closes
   * first.
   */
  CompletableFuture<Void> leaderReady() {
    return leaderReady;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage)
      throws IOException {
    super.initialize(server, groupId, storage);
    snapshots.init(storage);
    getLifeCycle().startAndTransition(this::loadSnapshot);
  }

  @Override
  public void pause() {
    getLifeCycle().transition(LifeCycle.State.PAUSING);
    getLifeCycle().transition(LifeCycle.State.PAUSED);
  }

  @Override
  public void reinitialize() throws IOException {
    loadSnapshot();
    getLifeCycle().transition(LifeCycle.State.STARTING);
    getLifeCycle().transition(LifeCycle.State.RUNNING);
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return snapshots.storage();
  }

  @Override
  public SingleFileSnapshotInfo getLatestSnapshot() {
    return snapshots.latest();
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    byte[] reply;
    try {
      reply = machine.apply(entry.getStateMachineLogEntry().getLogData().toByteArray());
    } catch (RuntimeException e) {
      // The machine promised not to throw; its state is now unknown, so fail loudly.
      LOG.error("LogStateMachine.apply threw at index {}", entry.getIndex(), e);
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
      return CompletableFuture.failedFuture(e);
    } catch (Error e) {
      // The state is unknown: Ratis catches this, logs it and closes the division.
      stopped(new ApplyError("applying log entry " + entry.getIndex() + " threw " + e, e));
      throw e;
    }
    updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    return CompletableFuture.completedFuture(
        Message.valueOf(UnsafeByteOperations.unsafeWrap(reply == null ? new byte[0] : reply)));
  }

  @Override
  public long takeSnapshot() throws IOException {
    TermIndex applied = getLastAppliedTermIndex();
    if (applied == null || applied.getIndex() < 0) {
      return RaftLog.INVALID_LOG_INDEX;
    }
    SingleFileSnapshotInfo latest = snapshots.latest();
    if (latest != null && latest.getIndex() >= applied.getIndex()) {
      return latest.getIndex();
    }
    if (applied.getIndex() < nextSnapshotAt) {
      return latest == null ? RaftLog.INVALID_LOG_INDEX : latest.getIndex();
    }
    try {
      snapshots.write(applied, machine::writeSnapshot);
    } catch (IOException | RuntimeException e) {
      // Ratis logs this and goes on; the log is not purged until a snapshot succeeds.
      nextSnapshotAt = applied.getIndex() + snapshotRetryGap;
      throw new IOException(
          "snapshot at " + applied + " failed, next try at index " + nextSnapshotAt + ": " + e, e);
    } catch (Error e) {
      stopped(new ApplyError("writing the snapshot at " + applied + " threw " + e, e));
      throw e;
    }
    nextSnapshotAt = 0;
    LOG.debug("Wrote snapshot at {}", applied);
    return applied.getIndex();
  }

  @Override
  public void notifyLeaderReady() {
    leaderReady.complete(null);
  }

  @Override
  public void close() {
    Throwable cause = fatal;
    leaderReady.completeExceptionally(
        cause == null
            ? new IOException("state machine closed")
            : new IOException("state machine closed: " + cause.getMessage(), cause.getCause()));
    onStop.accept(null);
  }

  private void stopped(ApplyError cause) {
    fatal = cause;
    onStop.accept(cause);
  }

  private void loadSnapshot() throws IOException {
    TermIndex restored = snapshots.load(machine::readSnapshot);
    if (restored != null) {
      setLastAppliedTermIndex(restored);
      LOG.info("Restored snapshot at {}", restored);
    }
  }

  /** What stopped the machine: a message naming where, with the {@link Error} as its cause. */
  private static final class ApplyError extends Exception {
    private static final long serialVersionUID = 1L;

    ApplyError(String message, Error cause) {
      super(message, cause, false, false);
    }
  }
}
