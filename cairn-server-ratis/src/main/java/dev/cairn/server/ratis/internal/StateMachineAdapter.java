package dev.cairn.server.ratis.internal;

import dev.cairn.server.core.log.LogStateMachine;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
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
 */
final class StateMachineAdapter extends BaseStateMachine {

  private static final Logger LOG = LoggerFactory.getLogger(StateMachineAdapter.class);

  private final LogStateMachine machine;
  private final SnapshotStore snapshots = new SnapshotStore();
  private final CompletableFuture<Void> leaderReady = new CompletableFuture<>();

  StateMachineAdapter(LogStateMachine machine) {
    this.machine = machine;
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
    snapshots.write(applied, machine::writeSnapshot);
    LOG.debug("Wrote snapshot at {}", applied);
    return applied.getIndex();
  }

  @Override
  public void notifyLeaderReady() {
    leaderReady.complete(null);
  }

  @Override
  public void close() {
    leaderReady.completeExceptionally(new IOException("state machine closed"));
  }

  private void loadSnapshot() throws IOException {
    TermIndex restored = snapshots.load(machine::readSnapshot);
    if (restored != null) {
      setLastAppliedTermIndex(restored);
      LOG.info("Restored snapshot at {}", restored);
    }
  }
}
