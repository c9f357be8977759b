package dev.cairn.server.core.log;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The deterministic state machine a {@link CommandLog} applies its entries to. Given the same
 * snapshot and the same entries in the same order, every replica reaches the same state.
 *
 * <p>All methods are called sequentially from the log's single apply thread unless they say
 * otherwise; what {@link #captureSnapshot} returns is written on another thread.
 */
public interface LogStateMachine {

  /**
   * Applies one committed entry and returns the reply for the caller that appended it. Must not
   * throw for bad commands: a command that cannot apply is a reply, not an exception.
   */
  byte[] apply(byte[] entry);

  /** Writes the whole state; the state does not change while this runs. */
  void writeSnapshot(OutputStream out) throws IOException;

  /**
   * Captures the whole state as it is now, for a snapshot written later on another thread while
   * entries go on being applied: a log that writes its snapshots in the background calls this on
   * the apply thread and writes what it returns off it (decision 0196). What the writer writes must
   * therefore not change after this returns: immutable parts, or copies. It writes what {@link
   * #writeSnapshot} would have written now, and is used once.
   *
   * <p>The default writes the state into memory now; a machine whose state is large and mostly
   * immutable should capture it more cheaply.
   */
  default SnapshotWriter captureSnapshot() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    writeSnapshot(bytes);
    return bytes::writeTo;
  }

  /** A state {@link #captureSnapshot captured} for a snapshot, written once, on any thread. */
  @FunctionalInterface
  interface SnapshotWriter {
    void write(OutputStream out) throws IOException;
  }

  /** Replaces the whole state with a snapshot written by {@link #writeSnapshot}. */
  void readSnapshot(InputStream in) throws IOException;

  /**
   * Told when this member starts leading (with every entry of earlier terms applied) and when it
   * stops; called on a log thread, in order. A log of one leads from its start and never calls it.
   */
  default void leadershipChanged(boolean leading) {}

  /**
   * Answers a message another member sent with {@link CommandLog#sendToLeader}; called on the
   * leader, on any thread, concurrently with {@link #apply}. Must not change replicated state.
   */
  default byte[] leaderMessage(byte[] message) {
    return new byte[0];
  }

  /**
   * Takes an entry that another member's {@link CommandLog#append} forwarded to this member, the
   * leader, and completes with the reply its append would have had, once applied here. Called on
   * the leader, on any thread, concurrently with {@link #apply}.
   *
   * <p>The default appends it through the leader as an entry of its own ({@code appendHere}). A
   * machine may instead merge it with other writes into entries of its own; it must then answer an
   * entry sent again (the same bytes, after an answer was lost) without applying it twice.
   */
  default CompletableFuture<byte[]> forwarded(
      byte[] entry, Function<byte[], CompletableFuture<byte[]>> appendHere) {
    return appendHere.apply(entry);
  }

  /** The budget of a forwarded entry whose sender gave none (a member of an earlier version). */
  long NO_BUDGET = Long.MAX_VALUE;

  /**
   * {@link #forwarded(byte[], Function)} for an entry whose sender's deadline was {@code
   * budgetNanos} away when it reached this member (the remaining time, not a time of day: members'
   * clocks differ; {@link #NO_BUDGET} for none; always over 0, the log drops an entry that arrives
   * after its deadline). A machine that queues entries before appending them should drop one that
   * waited past its budget, failing it with {@code UNAVAILABLE} (decision 0183): its sender has
   * told its client the write was not done in time. The default ignores the budget.
   */
  default CompletableFuture<byte[]> forwarded(
      byte[] entry, long budgetNanos, Function<byte[], CompletableFuture<byte[]>> appendHere) {
    return forwarded(entry, appendHere);
  }
}
