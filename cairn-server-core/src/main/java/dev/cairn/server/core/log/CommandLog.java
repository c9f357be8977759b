package dev.cairn.server.core.log;

import dev.cairn.common.CairnException;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The ordered, durable log of commands: the seam between the catalog and the engine that replicates
 * and persists it (Apache Ratis in {@code cairn-server-ratis}).
 *
 * <p>Thread-safe: {@link #append} may be called from any thread.
 */
public interface CommandLog extends AutoCloseable {

  /**
   * Starts the log: restores {@code machine} from the latest snapshot, replays the entries after
   * it, and from then on applies every committed entry to it. Called once.
   */
  void start(LogStateMachine machine) throws IOException;

  /**
   * Appends an entry. The future completes with the state machine's reply once the entry is durable
   * and applied, or exceptionally (with a {@link dev.cairn.common.CairnException} of code {@code
   * UNAVAILABLE}) when the log cannot take it. The log may keep {@code entry} itself rather than a
   * copy: the caller does not change it afterwards.
   */
  CompletableFuture<byte[]> append(byte[] entry);

  /**
   * Appends an entry whose oldest command already waited {@code waitedNanos} for it (queued behind
   * the entries in flight). A log with a write timeout counts that timeout from when the oldest
   * command arrived, not from this call: the entry fails once the timeout passed since then, and
   * one whose wait used the whole timeout fails at once, never sent and so never applied (decision
   * 0182). Otherwise as {@link #append(byte[])}, which this default calls.
   */
  default CompletableFuture<byte[]> append(byte[] entry, long waitedNanos) {
    return append(entry);
  }

  /**
   * The largest entry {@link #append} takes, in bytes; a larger one fails with a {@link
   * dev.cairn.common.CairnException} of code {@code INVALID_ARGUMENT} and the log goes on. The
   * batcher that makes entries keeps them under half of it by splitting a batch that would not be
   * (decision 0178). Unlimited by default.
   */
  default int maxEntryBytes() {
    return Integer.MAX_VALUE;
  }

  /**
   * Completes when the log stopped by itself after {@link #start}, without {@link #close} being
   * called: its engine shut down, or applying an entry or taking a snapshot threw an {@link Error}
   * (the state machine's state is then unknown). It completes with a {@link CairnException} of code
   * {@code UNAVAILABLE} whose message names the cause (the original throwable, when known, is its
   * cause); from then on every pending and later {@link #append} fails with that exception, and the
   * owner should {@link #close} the log and stop serving. Never completes when {@link #close} came
   * first.
   *
   * <p>Dependent stages run on a thread of the log's own that does nothing else; they may block and
   * may call {@link #close}.
   *
   * <p>A member of a cluster that was removed from the cluster's configuration stops the same way,
   * with an exception whose {@link CairnException#field()} is {@link #REMOVED_FROM_CLUSTER}: not a
   * failure, the member left for good (decision 0179).
   */
  CompletableFuture<CairnException> failure();

  /**
   * The {@link CairnException#field()} of a {@link #failure()} that says this member was removed
   * from its cluster's configuration (decision 0179).
   */
  String REMOVED_FROM_CLUSTER = "membership";

  /** Whether {@code e}, a {@link #failure()}, says this member was removed from its cluster. */
  static boolean removedFromCluster(Throwable e) {
    return e instanceof CairnException c && REMOVED_FROM_CLUSTER.equals(c.field());
  }

  /** Stops the log; pending appends fail. */
  @Override
  void close();

  /**
   * Names this log's history: the same on every member of one group, different for any other log
   * (another data directory, a wiped one, an in-memory log). A revision means the same state only
   * between logs with the same id, so a watch resumes from a revision only where it is the same
   * (decision 0120). Empty when the log cannot tell (then revisions are trusted as they are).
   */
  default String historyId() {
    return "";
  }

  /**
   * Whether this log can write to its storage now, and why not; never blocks. While it cannot,
   * {@link #append} fails at once with a {@link CairnException} of code {@code
   * INSUFFICIENT_STORAGE} (or {@code UNAVAILABLE} for another I/O failure) naming the cause, and it
   * takes appends again by itself once it can (decision 0094).
   */
  default StorageStatus storage() {
    return StorageStatus.IN_MEMORY;
  }

  // ---- replication: a log of one answers these as the group's only, leading member ----

  /** Whether this log is one member of a replicated group. */
  default boolean replicated() {
    return false;
  }

  /**
   * Tells the log the gRPC API address ({@code host:port}) clients reach this member at, once the
   * server has bound it; a member of a group tells it to the others while it leads, for {@link
   * LogStatus#leaderGrpcAddress} (decision 0114). Does nothing on a log that is not replicated.
   */
  default void advertise(String grpcAddress) {}

  /** This member's view of its group; never blocks. */
  default LogStatus status() {
    return LogStatus.single(0);
  }

  /**
   * Completes once every entry committed when it was called is applied here (a linearizable read
   * barrier, Raft's ReadIndex), with the applied index; fails with {@code UNAVAILABLE} when no
   * leader confirms its leadership in time.
   */
  default CompletableFuture<Long> readBarrier() {
    return CompletableFuture.completedFuture(status().appliedIndex());
  }

  /**
   * Delivers {@code message} to the leader's {@link LogStateMachine#leaderMessage} without logging
   * it, and completes with its answer; fails with {@code UNAVAILABLE} when there is no leader.
   */
  default CompletableFuture<byte[]> sendToLeader(byte[] message) {
    return CompletableFuture.failedFuture(
        new UnsupportedOperationException("sendToLeader: the log is not replicated"));
  }

  /** The group's members, as the leader sees them. */
  default CompletableFuture<List<LogMember>> members() {
    LogStatus s = status();
    return CompletableFuture.completedFuture(
        List.of(new LogMember(s.nodeId(), "", "LEADER", 0, s.appliedIndex(), 0)));
  }

  /** Adds a voting member through a Raft configuration change. */
  default CompletableFuture<List<LogMember>> addMember(String id, String address) {
    return CompletableFuture.failedFuture(
        new UnsupportedOperationException("addMember: the log is not replicated"));
  }

  /** Removes a member through a Raft configuration change. */
  default CompletableFuture<List<LogMember>> removeMember(String id) {
    return CompletableFuture.failedFuture(
        new UnsupportedOperationException("removeMember: the log is not replicated"));
  }

  /** Hands leadership to member {@code id}. */
  default CompletableFuture<Void> transferLeadership(String id) {
    return CompletableFuture.failedFuture(
        new UnsupportedOperationException("transferLeadership: the log is not replicated"));
  }
}
