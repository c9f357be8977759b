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
 */
public final class MemoryCommandLog implements CommandLog {

  private final ExecutorService applier =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "cairn-memory-log");
            t.setDaemon(true);
            return t;
          });
  private volatile LogStateMachine machine;

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
    try {
      return CompletableFuture.supplyAsync(() -> m.apply(entry), applier);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(
          CairnException.of(ErrorCode.UNAVAILABLE, "the command log is closed"));
    }
  }

  @Override
  public void close() {
    applier.shutdownNow();
  }
}
