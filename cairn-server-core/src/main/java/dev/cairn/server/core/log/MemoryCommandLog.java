package dev.cairn.server.core.log;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * A command log that keeps nothing: entries are applied in order on one thread and lost when the
 * process ends. For tests and for {@code --in-memory} servers; production uses a durable log.
 *
 * <p>An entry whose {@link LogStateMachine#apply} throws a {@link RuntimeException} fails its own
 * append only; one that throws an {@link Error} stops the log (see {@link #failure()}), as the
 * durable log does.
 */
public final class MemoryCommandLog implements CommandLog {

  private final ExecutorService applier =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "cairn-memory-log");
            t.setDaemon(true);
            return t;
          });
  private final CompletableFuture<CairnException> failure = new CompletableFuture<>();
  // Every in-memory log is a history of its own.
  private final String historyId = java.util.UUID.randomUUID().toString();
  private volatile LogStateMachine machine;

  // Set once, on the applier thread, when apply threw an Error; later entries are not applied.
  private volatile CairnException failed;
  private volatile boolean closed;

  /** An empty log; {@link #start} attaches its state machine. */
  public MemoryCommandLog() {}

  @Override
  public void start(LogStateMachine machine) {
    if (this.machine != null) {
      throw new IllegalStateException("already started");
    }
    this.machine = machine;
  }

  @Override
  public CompletableFuture<byte[]> append(byte[] entry) {
    LogStateMachine m = machine;
    if (m == null) {
      throw new IllegalStateException("not started");
    }
    CairnException f = failed;
    if (f != null) {
      return CompletableFuture.failedFuture(f);
    }
    try {
      return CompletableFuture.supplyAsync(() -> apply(m, entry), applier);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(
          CairnException.of(ErrorCode.UNAVAILABLE, "the command log is closed"));
    }
  }

  @Override
  public CompletableFuture<CairnException> failure() {
    return failure.copy();
  }

  @Override
  public void close() {
    closed = true;
    applier.shutdownNow();
  }

  /** A random id: no other log shares this one's history. */
  @Override
  public String historyId() {
    return historyId;
  }

  // On the applier thread.
  private byte[] apply(LogStateMachine m, byte[] entry) {
    CairnException f = failed;
    if (f != null) {
      throw f;
    }
    try {
      return m.apply(entry);
    } catch (Error e) {
      f = CairnException.of(ErrorCode.UNAVAILABLE, "command log failed: applying threw " + e, e);
      failed = f;
      if (!closed) {
        CairnException cause = f;
        // The owner may close the log from a dependent stage: not from the applier itself.
        Thread t = new Thread(() -> failure.complete(cause), "cairn-log-failed");
        t.setDaemon(true);
        t.start();
      }
      throw f;
    }
  }
}
