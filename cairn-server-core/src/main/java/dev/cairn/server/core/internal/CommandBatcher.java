package dev.cairn.server.core.internal;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Ticker;
import dev.cairn.server.core.log.CommandLog;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Groups commands that arrive together into one log entry: while entries are being made durable,
 * new commands queue up and go out together in the next. At most {@code maxInFlight} entries are in
 * flight; entries are taken from the queue and appended under one lock, so the log receives
 * commands in the order they were submitted. An entry stays under half the log's {@link
 * CommandLog#maxEntryBytes}: a batch that encodes past that goes out as several entries, in order;
 * a single command past the whole limit goes alone, and the log's refusal fails it alone (decision
 * 0178). Each entry tells the log how long its oldest command waited in the queue, so that a write
 * queued behind an entry that cannot commit fails within the log's write timeout of its arrival,
 * not one timeout after that entry (decision 0182). Thread-safe.
 */
final class CommandBatcher {

  private final CommandLog log;
  private final LocalEntries local;
  private final int maxPerEntry;
  private final int maxInFlight;
  private final int maxForwardsInFlight;
  // A batch whose entry encodes past this is split (half the log's largest entry).
  private final int splitBytes;
  // Guarded by `this`: what a command of the last entries took, smoothed; sizes the next encoding.
  private int bytesPerCommand = CommandCodec.FIRST_GUESS_BYTES_PER_COMMAND;
  private final java.util.function.BooleanSupplier forwarding;
  private final Ticker ticker;
  private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
  // Guarded by `this`: entries appended and not yet completed, and batches forwarded to the leader
  // and not yet answered. Counted apart: a member that starts leading with batches of its own still
  // forwarded (they come back to it, now the leader, as forwarded batches) must still make entries.
  private int inFlight;
  private int forwardsInFlight;
  // Guarded by `this`: a flush is running on the thread holding the lock (see flush()).
  private boolean flushing;
  // Set once by close() or fail(): what every later submission fails with.
  private volatile CairnException stoppedWith;

  /** The deadline of a submission that has none. */
  static final long NO_DEADLINE = Long.MIN_VALUE;

  CommandBatcher(CommandLog log, LocalEntries local, int maxPerEntry, int maxInFlight) {
    this(log, local, maxPerEntry, maxInFlight, maxInFlight, () -> false, Ticker.system());
  }

  /**
   * @param ticker the time a forwarded batch's deadline ({@link #submitForwarded}) and each
   *     submission's arrival are on
   */
  CommandBatcher(
      CommandLog log,
      LocalEntries local,
      int maxPerEntry,
      int maxInFlight,
      int maxForwardsInFlight,
      java.util.function.BooleanSupplier forwarding,
      Ticker ticker) {
    this.maxForwardsInFlight = maxForwardsInFlight;
    this.forwarding = forwarding;
    this.ticker = ticker;
    this.log = log;
    this.local = local;
    this.maxPerEntry = maxPerEntry;
    this.maxInFlight = maxInFlight;
    this.splitBytes = log.maxEntryBytes() / 2;
  }

  /** Submits a command; completes with its result once applied. */
  CompletableFuture<Result> submit(Command command) {
    CompletableFuture<Result> f = new CompletableFuture<>();
    CairnException stopped = stoppedWith;
    if (stopped != null) {
      f.completeExceptionally(stopped);
      return f;
    }
    queue.add(new Pending(command, f, null, NO_DEADLINE, ticker.nanos()));
    flush();
    return f;
  }

  /**
   * Submits a batch another member forwarded, kept whole in one entry; {@code results} completes
   * with its commands' results once applied. A batch still queued at {@code deadline} (ticker
   * nanos; {@link #NO_DEADLINE} for none) is not appended: it fails with {@code UNAVAILABLE} when
   * its turn comes (decision 0183).
   */
  void submitForwarded(
      Command.Forwarded batch, CompletableFuture<List<Result>> results, long deadline) {
    CairnException stopped = stoppedWith;
    if (stopped != null) {
      results.completeExceptionally(stopped);
      return;
    }
    Pending p = new Pending(batch, null, results, deadline, ticker.nanos());
    if (local.holds(batch.batchId())) {
      // One of this member's own entries, appended while it led and relayed to the leader when it
      // lost the lead, comes back now that it leads again: the entry that waits for it is the one
      // in flight, so it goes out at once, beside the limit (with one entry in flight, decision
      // 0113, it would otherwise wait for that entry's write timeout).
      synchronized (this) {
        send(List.of(p), false);
      }
      return;
    }
    queue.add(p);
    flush();
  }

  private void flush() {
    synchronized (this) {
      // An append that fails at once completes on this thread, inside send(), and its completion
      // flushes again: that nested flush leaves the work to this loop, so the stack stays flat
      // however many entries fail in a row (e.g. after the log failed).
      if (flushing) {
        return;
      }
      flushing = true;
      try {
        flushQueued();
      } finally {
        flushing = false;
      }
    }
  }

  // Called holding the lock.
  private void flushQueued() {
    boolean forward = forwarding.getAsBoolean();
    while ((forward ? forwardsInFlight < maxForwardsInFlight : inFlight < maxInFlight)
        && !queue.isEmpty()) {
      List<Pending> batch = new ArrayList<>(Math.min(maxPerEntry, 64));
      int commands = 0;
      Pending p;
      while (commands < maxPerEntry && (p = queue.poll()) != null) {
        if (p.deadline() != NO_DEADLINE) {
          long late = ticker.nanos() - p.deadline();
          if (late >= 0) {
            p.fail(expired(late)); // its sender gave up on it: never appended (decision 0183)
            continue;
          }
        }
        batch.add(p);
        commands += p.results();
      }
      if (batch.isEmpty()) {
        return;
      }
      send(batch, forward);
    }
  }

  // Called holding the lock: appends in queue order, counting each entry in flight; completion
  // runs outside it. A batch that encodes past splitBytes goes out as its two halves (each split
  // again if need be), one after the other: the order of commands in the log is kept.
  private void send(List<Pending> batch, boolean forward) {
    List<Command> commands = new ArrayList<>(batch.size());
    long oldest = Long.MAX_VALUE;
    for (Pending p : batch) {
      commands.add(p.command());
      oldest = Math.min(oldest, p.queuedAt());
    }
    long id = local.hold(commands);
    byte[] entry;
    try {
      entry = CommandCodec.encodeBatch(id, commands, bytesPerCommand);
    } catch (RuntimeException e) {
      local.take(id);
      CairnException failure = toCairn(e);
      batch.forEach(p -> p.fail(failure));
      return;
    }
    if (!commands.isEmpty()) {
      bytesPerCommand =
          (bytesPerCommand * 3 + CommandCodec.bytesPerCommand(entry, commands.size()) + 3) / 4;
    }
    if (entry.length > splitBytes && batch.size() > 1) {
      local.take(id);
      int half = batch.size() / 2;
      send(batch.subList(0, half), forward);
      send(batch.subList(half, batch.size()), forward);
      return;
    }
    if (forward) {
      forwardsInFlight++;
    } else {
      inFlight++;
    }
    CompletableFuture<byte[]> appended;
    try {
      appended = log.append(entry, Math.max(0, ticker.nanos() - oldest));
    } catch (RuntimeException e) {
      appended = CompletableFuture.failedFuture(e);
    }
    appended.whenComplete(
        (reply, error) -> {
          // Applied here from the held commands, or never (failed, or a follower's batch that the
          // leader applied inside an entry of its own): either way nothing is held any more.
          local.take(id);
          completed(batch, forward, reply, error);
        });
  }

  private void completed(List<Pending> batch, boolean forward, byte[] reply, Throwable error) {
    synchronized (this) {
      if (forward) {
        forwardsInFlight--;
      } else {
        inFlight--;
      }
    }
    flush(); // the next entry goes out before this one's callers are told
    if (error != null) {
      CairnException e = toCairn(error);
      for (Pending p : batch) {
        p.fail(e);
      }
      return;
    }
    List<Result> results = CommandCodec.decodeResults(reply);
    int next = 0;
    for (Pending p : batch) {
      int n = p.results();
      if (next + n <= results.size()) {
        p.complete(results.subList(next, next + n));
      } else {
        p.fail(CairnException.of(ErrorCode.INTERNAL, "the log entry could not be applied"));
      }
      next += n;
    }
  }

  /**
   * What a forwarded batch dropped {@code lateNanos} past its deadline is told: its sender's client
   * was told the write was not done in time, and it was not appended, so it will not be.
   */
  private static CairnException expired(long lateNanos) {
    return CairnException.of(
        ErrorCode.UNAVAILABLE,
        "write not done within its deadline: it waited in the leader's queue "
            + java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(lateNanos)
            + " ms past it and was dropped before it was appended (it will not be applied)");
  }

  private static CairnException toCairn(Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    return cause instanceof CairnException ce
        ? ce
        : CairnException.of(ErrorCode.UNAVAILABLE, "log append failed: " + cause);
  }

  /** Fails queued commands; later submissions fail at once. */
  void close() {
    stop(CairnException.of(ErrorCode.UNAVAILABLE, "the registry is shutting down"));
  }

  /**
   * Fails queued commands and later submissions with {@code cause}: the log failed, nothing more
   * will be applied.
   */
  void fail(CairnException cause) {
    stop(cause);
  }

  private void stop(CairnException cause) {
    synchronized (this) {
      if (stoppedWith == null) {
        stoppedWith = cause;
      }
    }
    local.clear();
    Pending p;
    while ((p = queue.poll()) != null) {
      p.fail(stoppedWith);
    }
  }

  /**
   * A command and who waits for it: one result ({@code single}) or a forwarded batch's all; {@code
   * deadline}: a forwarded batch's ({@link #NO_DEADLINE} for none); {@code queuedAt}: when it was
   * submitted. Both on the batcher's ticker, in nanoseconds.
   */
  private record Pending(
      Command command,
      CompletableFuture<Result> single,
      CompletableFuture<List<Result>> group,
      long deadline,
      long queuedAt) {

    int results() {
      return command instanceof Command.Forwarded f ? f.commands().size() : 1;
    }

    void complete(List<Result> results) {
      if (group != null) {
        group.complete(List.copyOf(results));
      } else {
        single.complete(results.get(0));
      }
    }

    void fail(Throwable e) {
      if (group != null) {
        group.completeExceptionally(e);
      } else {
        single.completeExceptionally(e);
      }
    }
  }
}
