package dev.cairn.server.ratis.internal;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.server.core.log.LogStateMachine;
import java.io.IOException;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
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
 * from that one thread, which is what {@link LogStateMachine} requires. A snapshot is captured on
 * that thread and written on a thread of its own ({@code cairn-snapshot-writer}, decision 0196),
 * one at a time; an installation from the leader and closing wait for the write in progress.
 *
 * <p>Failures: a {@link RuntimeException} from applying an entry fails that entry's append only,
 * and one from capturing or writing a snapshot fails that snapshot only (the next try comes {@code
 * snapshotRetryGap} entries later); neither stops Ratis. An {@link Error} from applying or
 * capturing is told to {@code onStop} at once and rethrown: the machine's state is unknown, so
 * Ratis must stop applying, and it closes the division; one from writing is told to {@code onStop}.
 * Whenever Ratis closes this machine, {@code onStop} is told too (with {@code null}).
 *
 * <p>The history's epoch (decision 0222) is the log's own: its entry is applied to the {@link
 * HistoryEpoch}, never to the machine, and every snapshot starts with its header before the
 * machine's state.
 */
final class StateMachineAdapter extends BaseStateMachine {

  private static final Logger LOG = LoggerFactory.getLogger(StateMachineAdapter.class);

  private final LogStateMachine machine;
  private final SnapshotStore snapshots = new SnapshotStore();
  private final CompletableFuture<Void> leaderReady = new CompletableFuture<>();
  private final long snapshotRetryGap;
  private final Consumer<Throwable> onStop;
  private final Function<byte[], CompletableFuture<byte[]>> appendHere;
  private final HistoryEpoch history;
  // Appends an epoch entry as this member, the leader (decision 0222); set before the server
  // starts.
  private volatile Consumer<byte[]> appendEpoch = entry -> {};
  // The Error that made Ratis stop, if one did; written by the apply thread, read on close.
  private volatile Throwable fatal;
  // After a failed snapshot, no new one is written before this index; set by the apply thread,
  // and by the snapshot thread when a write fails.
  private volatile long nextSnapshotAt;
  // The snapshot being written off the apply thread (decision 0196); null when none.
  private volatile CompletableFuture<Void> writing;
  private volatile Thread snapshotWriter;
  private final ExecutorService snapshotThread =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "cairn-snapshot-writer");
            t.setDaemon(true);
            snapshotWriter = t;
            return t;
          });

  /** A query that only waits for a linearizable read's index to be applied here. */
  static final byte QUERY_BARRIER = 0;

  /** A query carrying a message for the leader's machine. */
  static final byte QUERY_LEADER_MESSAGE = 1;

  /**
   * A query carrying a follower's entry for the leader's machine to apply (decision 0107); the
   * answer is the applied index (8 bytes) then the machine's reply.
   */
  static final byte QUERY_FORWARD = 2;

  /**
   * {@link #QUERY_FORWARD} with the sender's remaining time for the entry (8 bytes, nanoseconds)
   * before the entry (decision 0183). A member of an earlier version answers it "unknown query
   * kind"; its sender then sends {@link #QUERY_FORWARD}.
   */
  static final byte QUERY_FORWARD_WITHIN = 3;

  // Futures waiting for an index to be applied, earliest first; guarded by itself.
  private final PriorityQueue<IndexWait> indexWaits = new PriorityQueue<>();
  private final AtomicLong leaderChanges = new AtomicLong();
  private final AtomicLong snapshotInstalls = new AtomicLong();
  // Whether this member leads with the earlier terms applied; changed on Ratis's threads.
  private volatile boolean leading;
  private volatile RaftPeerId self;
  // When this member lost its leader (epoch ms), 0 while it knows one.
  private volatile long noLeaderSince;
  private volatile RaftPeerId lastLeader;
  // Told, on Ratis's thread, of each leader this member learns of; must not block.
  private volatile Consumer<RaftPeerId> onLeader = leader -> {};
  private volatile boolean clustered;
  // Told when a log write failed (decision 0094); set before the server starts.
  private volatile Consumer<Throwable> onLogFailed = cause -> {};
  // When this adapter continues a machine that a previous Raft server of this process applied up
  // to here (an in-process restart, decision 0094): nothing is loaded, and entries up to here are
  // not applied again. Set before the server starts.
  private volatile TermIndex resumedAt;

  /**
   * @param history the history's epoch, kept across the adapters of one log (decision 0222)
   * @param snapshotRetryGap entries applied after a failed snapshot before the next try
   * @param appendHere appends an entry through this member (for forwarded entries the machine does
   *     not merge)
   * @param onStop told, on the apply thread, when applying or a snapshot threw an {@link Error} (an
   *     exception naming where, caused by the {@link Error}); and told again, on any thread, with
   *     {@code null}, when Ratis closes the machine
   */
  StateMachineAdapter(
      LogStateMachine machine,
      HistoryEpoch history,
      long snapshotRetryGap,
      Consumer<Throwable> onStop,
      Function<byte[], CompletableFuture<byte[]>> appendHere) {
    this.machine = machine;
    this.history = history;
    this.appendHere = appendHere;
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

  /** Makes this adapter tell the machine of leadership changes (a member of a group). */
  void clustered(RaftPeerId self) {
    this.self = self;
    this.clustered = true;
  }

  /**
   * Makes this member, when it starts leading a history that has no epoch and no state yet, append
   * an epoch entry through {@code appendEpoch} (decision 0222).
   */
  void appendEpoch(Consumer<byte[]> appendEpoch) {
    this.appendEpoch = appendEpoch;
  }

  /** Makes Ratis's log-write failures go to {@code onLogFailed} (on Ratis's log worker). */
  void onLogFailed(Consumer<Throwable> onLogFailed) {
    this.onLogFailed = onLogFailed;
  }

  /**
   * Makes this adapter continue the machine where an earlier adapter of this process left it,
   * {@code applied}: it loads no snapshot, and skips the entries up to {@code applied} that Ratis
   * replays from its last snapshot.
   */
  void resumeAt(TermIndex applied) {
    this.resumedAt = applied;
  }

  @Override
  public void notifyLogFailed(Throwable cause, LogEntryProto failedEntry) {
    onLogFailed.accept(cause);
  }

  boolean leading() {
    return leading;
  }

  long leaderChanges() {
    return leaderChanges.get();
  }

  long snapshotInstalls() {
    return snapshotInstalls.get();
  }

  long noLeaderSince() {
    return noLeaderSince;
  }

  /** Makes {@code onLeader} told of each new leader (on Ratis's thread: it must not block). */
  void onLeader(Consumer<RaftPeerId> onLeader) {
    this.onLeader = onLeader;
  }

  /** The last leader this member knew of, {@code null} if none yet. */
  RaftPeerId lastLeader() {
    return lastLeader;
  }

  /** Completes once the entry at {@code index} (and every one before) is applied here. */
  CompletableFuture<Void> awaitApplied(long index) {
    TermIndex applied = getLastAppliedTermIndex();
    if (applied != null && applied.getIndex() >= index) {
      return CompletableFuture.completedFuture(null);
    }
    IndexWait w = new IndexWait(index);
    synchronized (indexWaits) {
      indexWaits.add(w);
    }
    // The index may have been applied between the check and the add.
    releaseWaits();
    return w.future;
  }

  @Override
  protected boolean updateLastAppliedTermIndex(long term, long index) {
    TermIndex resumed = resumedAt;
    if (resumed != null && index <= resumed.getIndex()) {
      return false; // applied before the restart
    }
    boolean updated = super.updateLastAppliedTermIndex(term, index);
    releaseWaits();
    return updated;
  }

  private void releaseWaits() {
    TermIndex applied = getLastAppliedTermIndex();
    if (applied == null) {
      return;
    }
    long upTo = applied.getIndex();
    while (true) {
      IndexWait w;
      synchronized (indexWaits) {
        w = indexWaits.peek();
        if (w == null || w.index > upTo) {
          return;
        }
        indexWaits.poll();
      }
      w.future.complete(null);
    }
  }

  private void failWaits(Throwable cause) {
    while (true) {
      IndexWait w;
      synchronized (indexWaits) {
        w = indexWaits.poll();
      }
      if (w == null) {
        return;
      }
      w.future.completeExceptionally(cause);
    }
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    byte[] content = request.getContent().toByteArray();
    if (content.length == 0 || content[0] == QUERY_BARRIER) {
      return CompletableFuture.completedFuture(Message.EMPTY);
    }
    if (content[0] == QUERY_LEADER_MESSAGE) {
      if (!leading) {
        return CompletableFuture.failedFuture(
            new IOException("not the leader (any more): " + self));
      }
      byte[] message = java.util.Arrays.copyOfRange(content, 1, content.length);
      byte[] answer = machine.leaderMessage(message);
      return CompletableFuture.completedFuture(
          Message.valueOf(UnsafeByteOperations.unsafeWrap(answer == null ? new byte[0] : answer)));
    }
    if (content[0] == QUERY_FORWARD) {
      return forwardHere(
              java.util.Arrays.copyOfRange(content, 1, content.length), LogStateMachine.NO_BUDGET)
          .thenApply(answer -> Message.valueOf(UnsafeByteOperations.unsafeWrap(answer)));
    }
    if (content[0] == QUERY_FORWARD_WITHIN && content.length >= 9) {
      long budget = java.nio.ByteBuffer.wrap(content, 1, 8).getLong();
      return forwardHere(java.util.Arrays.copyOfRange(content, 9, content.length), budget)
          .thenApply(answer -> Message.valueOf(UnsafeByteOperations.unsafeWrap(answer)));
    }
    return CompletableFuture.failedFuture(new IOException("unknown query kind " + content[0]));
  }

  /**
   * Applies a batch another member forwarded (decision 0107), on the leader only; completes once
   * its entry is applied here with the applied index (8 bytes) then the machine's reply. Reached
   * through a Ratis query or a member's forward stream (decision 0111); any thread.
   *
   * <p>{@code budgetNanos} is the time its sender had left for it when it sent it ({@link
   * LogStateMachine#NO_BUDGET}: none given). A batch that arrives with none left is dropped here
   * before anything appends it, and one that waits in the machine's queue past it is dropped there
   * (decision 0183): its sender has told its client the write was not done in time.
   */
  CompletableFuture<byte[]> forwardHere(byte[] entry, long budgetNanos) {
    if (!leading) {
      return CompletableFuture.failedFuture(new IOException("not the leader (any more): " + self));
    }
    if (budgetNanos <= 0) {
      return CompletableFuture.failedFuture(
          CairnException.of(
              ErrorCode.UNAVAILABLE,
              "write not done within its deadline: it reached the leader "
                  + java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(-budgetNanos)
                  + " ms after it and was dropped before it was appended (it will not be"
                  + " applied)"));
    }
    return machine
        .forwarded(entry, budgetNanos, appendHere)
        .thenApply(
            reply -> {
              // The reply comes once its entry is applied here: the asker waits for this index.
              TermIndex applied = getLastAppliedTermIndex();
              java.nio.ByteBuffer answer = java.nio.ByteBuffer.allocate(8 + reply.length);
              answer.putLong(applied == null ? 0 : applied.getIndex()).put(reply);
              return answer.array();
            });
  }

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
    leaderChanges.incrementAndGet();
    noLeaderSince = newLeaderId == null ? System.currentTimeMillis() : 0;
    if (newLeaderId != null) {
      lastLeader = newLeaderId;
      onLeader.accept(newLeaderId);
    }
    if (leading && !groupMemberId.getPeerId().equals(newLeaderId)) {
      stopLeading();
    }
  }

  @Override
  public void notifyNotLeader(java.util.Collection<TransactionContext> pendingEntries) {
    stopLeading();
  }

  private synchronized void stopLeading() {
    if (leading) {
      leading = false;
      LOG.info("{} no longer leads", self);
      machine.leadershipChanged(false);
    }
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage)
      throws IOException {
    super.initialize(server, groupId, storage);
    snapshots.init(storage);
    TermIndex resumed = resumedAt;
    if (resumed != null) {
      getLifeCycle().startAndTransition(() -> setLastAppliedTermIndex(resumed));
      return;
    }
    getLifeCycle().startAndTransition(this::loadSnapshot);
  }

  @Override
  public void pause() {
    awaitSnapshotWritten(); // a snapshot from the leader is about to replace the files
    getLifeCycle().transition(LifeCycle.State.PAUSING);
    getLifeCycle().transition(LifeCycle.State.PAUSED);
  }

  @Override
  public void reinitialize() throws IOException {
    awaitSnapshotWritten();
    snapshotInstalls.incrementAndGet();
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
    TermIndex resumed = resumedAt;
    if (resumed != null && entry.getIndex() <= resumed.getIndex()) {
      return CompletableFuture.completedFuture(Message.EMPTY); // applied before the restart
    }
    ByteString data = entry.getStateMachineLogEntry().getLogData();
    if (data.isEmpty()) {
      // A commit notice, which leaders appended after a lone commit before commits went to the
      // followers by heartbeat (decision 0115): logs written then still hold them. Nothing for the
      // machine.
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
      return CompletableFuture.completedFuture(Message.EMPTY);
    }
    if (history.apply(data)) {
      // The history's epoch (decision 0222): the log's, not the machine's.
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
      return CompletableFuture.completedFuture(Message.EMPTY);
    }
    byte[] reply;
    try {
      reply = machine.apply(data.toByteArray());
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

  /**
   * Captures the state on the apply thread and writes it on the snapshot thread (decision 0196), so
   * that entries go on being applied meanwhile. Returns the newest snapshot already on disk: Ratis
   * asks again after each applied batch while the new one is written, and learns its index (and
   * purges the log up to it) once it is.
   */
  @Override
  public long takeSnapshot() throws IOException {
    CompletableFuture<Void> inFlight = writing;
    if (inFlight != null) {
      if (inFlight.isDone()) {
        writing = null; // written, or failed (then nextSnapshotAt says when to try again)
      }
      return latestIndex();
    }
    TermIndex applied = getLastAppliedTermIndex();
    if (applied == null || applied.getIndex() < 0) {
      return RaftLog.INVALID_LOG_INDEX;
    }
    long latest = latestIndex();
    if (latest >= applied.getIndex() || applied.getIndex() < nextSnapshotAt) {
      return latest;
    }
    LogStateMachine.SnapshotWriter state;
    try {
      state = machine.captureSnapshot();
    } catch (IOException | RuntimeException e) {
      // Ratis logs this and goes on; the log is not purged until a snapshot succeeds.
      nextSnapshotAt = applied.getIndex() + snapshotRetryGap;
      throw new IOException(
          "snapshot at " + applied + " failed, next try at index " + nextSnapshotAt + ": " + e, e);
    } catch (Error e) {
      stopped(new ApplyError("capturing the snapshot at " + applied + " threw " + e, e));
      throw e;
    }
    nextSnapshotAt = 0;
    HistoryEpoch.Mark mark = history.mark();
    writing =
        CompletableFuture.runAsync(
            () ->
                write(
                    applied,
                    out -> {
                      mark.write(out);
                      state.write(out);
                    }),
            snapshotThread);
    return latest;
  }

  // On the snapshot thread.
  private void write(TermIndex applied, SnapshotStore.Writer state) {
    try {
      snapshots.write(applied, state);
      LOG.debug("Wrote snapshot at {}", applied);
    } catch (IOException | RuntimeException e) {
      // The log is not purged until a snapshot succeeds.
      nextSnapshotAt = applied.getIndex() + snapshotRetryGap;
      LOG.warn(
          "snapshot at {} failed, next try at index {}: {}", applied, nextSnapshotAt, e.toString());
    } catch (Error e) {
      stopped(new ApplyError("writing the snapshot at " + applied + " threw " + e, e));
    }
  }

  private long latestIndex() {
    SingleFileSnapshotInfo latest = snapshots.latest();
    return latest == null ? RaftLog.INVALID_LOG_INDEX : latest.getIndex();
  }

  /** Waits for the snapshot being written, if any, so that nothing else touches the files. */
  private void awaitSnapshotWritten() {
    CompletableFuture<Void> inFlight = writing;
    // A write that failed with an Error stops the log from the snapshot thread, which may close
    // this machine there: that write is the one in progress, and it is ending.
    if (inFlight != null && Thread.currentThread() != snapshotWriter) {
      inFlight.join(); // write() handles its own failures: this completes normally
    }
  }

  @Override
  public void notifyLeaderReady() {
    if (history.wantsEpoch()) {
      // Every earlier entry is applied: the history has none of the machine's yet. Its first
      // leader gives it an epoch before anything else is written (decision 0222).
      LOG.info("{} gives the history an epoch", self == null ? "The log" : self);
      appendEpoch.accept(HistoryEpoch.newEntry());
    } else if (clustered && history.epoch() != null) {
      // Every new leader that knows the epoch appends it again (decision 0230): a member that
      // lost it (it caught up from, or was, a member of an earlier version, whose snapshots have
      // no header) takes it when it applies this, and reports the history's id again.
      appendEpoch.accept(HistoryEpoch.entry(history.epoch()));
    }
    leaderReady.complete(null);
    if (clustered) {
      synchronized (this) {
        if (!leading) {
          leading = true;
          noLeaderSince = 0;
          LOG.info("{} leads, with every earlier entry applied", self);
          machine.leadershipChanged(true);
        }
      }
    }
  }

  @Override
  public void close() {
    // Ratis asks for the closing snapshot just before this; it lands before the machine closes.
    awaitSnapshotWritten();
    snapshotThread.shutdown();
    Throwable cause = fatal;
    leaderReady.completeExceptionally(
        cause == null
            ? new IOException("state machine closed")
            : new IOException("state machine closed: " + cause.getMessage(), cause.getCause()));
    failWaits(new IOException("state machine closed"));
    onStop.accept(null);
  }

  private void stopped(ApplyError cause) {
    fatal = cause;
    onStop.accept(cause);
  }

  private void loadSnapshot() throws IOException {
    TermIndex restored = snapshots.load(in -> machine.readSnapshot(history.load(in)));
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

  private static final class IndexWait implements Comparable<IndexWait> {
    final long index;
    final CompletableFuture<Void> future = new CompletableFuture<>();

    IndexWait(long index) {
      this.index = index;
    }

    @Override
    public int compareTo(IndexWait o) {
      return Long.compare(index, o.index);
    }
  }
}
