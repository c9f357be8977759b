package dev.cairn.server.core;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.server.core.log.CommandLog;
import dev.cairn.server.core.log.LogStateMachine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * An in-memory log that can take a snapshot of its machine and install one, as a Ratis member does
 * when it starts from a snapshot or catches up by snapshot installation. One apply thread.
 */
final class RestorableLog implements CommandLog {

  private final ExecutorService applier = Executors.newSingleThreadExecutor();
  private final byte[] initial;
  private volatile LogStateMachine machine;

  /** A log that starts from {@code initial} (a {@link #snapshot()}), or empty when null. */
  RestorableLog(byte[] initial) {
    this.initial = initial;
  }

  @Override
  public void start(LogStateMachine m) throws IOException {
    this.machine = m;
    if (initial != null) {
      install(initial);
    }
  }

  /** The machine's state now, taken on the apply thread. */
  byte[] snapshot() {
    return CompletableFuture.supplyAsync(
            () -> {
              ByteArrayOutputStream out = new ByteArrayOutputStream();
              try {
                machine.writeSnapshot(out);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
              return out.toByteArray();
            },
            applier)
        .join();
  }

  /** Replaces the machine's state with {@code snapshot}, on the apply thread. */
  void install(byte[] snapshot) {
    CompletableFuture.runAsync(
            () -> {
              try {
                machine.readSnapshot(new ByteArrayInputStream(snapshot));
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            applier)
        .join();
  }

  @Override
  public CompletableFuture<byte[]> append(byte[] entry) {
    try {
      return CompletableFuture.supplyAsync(() -> machine.apply(entry), applier);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(CairnException.of(ErrorCode.UNAVAILABLE, "closed"));
    }
  }

  @Override
  public CompletableFuture<CairnException> failure() {
    return new CompletableFuture<>();
  }

  @Override
  public void close() {
    applier.shutdownNow();
  }
}
