package dev.cairn.server.core;

import dev.cairn.common.CairnException;
import dev.cairn.server.core.log.CommandLog;
import dev.cairn.server.core.log.LogStateMachine;
import dev.cairn.server.core.log.MemoryCommandLog;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link MemoryCommandLog} whose state machine throws an {@link Error} on every entry applied
 * after {@link #breakWith}, as a bug deep in the apply path would. A test fixture of this module's
 * test-jar, used by the registry's and the server's failure tests.
 */
public final class BreakableLog implements CommandLog {

  private final MemoryCommandLog delegate = new MemoryCommandLog();
  private volatile Error error;

  /** Every entry applied from now on throws {@code e}. */
  public void breakWith(Error e) {
    this.error = e;
  }

  @Override
  public void start(LogStateMachine machine) throws IOException {
    delegate.start(
        new LogStateMachine() {
          @Override
          public byte[] apply(byte[] entry) {
            Error e = error;
            if (e != null) {
              throw e;
            }
            return machine.apply(entry);
          }

          @Override
          public void writeSnapshot(OutputStream out) throws IOException {
            machine.writeSnapshot(out);
          }

          @Override
          public void readSnapshot(InputStream in) throws IOException {
            machine.readSnapshot(in);
          }
        });
  }

  @Override
  public CompletableFuture<byte[]> append(byte[] entry) {
    return delegate.append(entry);
  }

  @Override
  public CompletableFuture<CairnException> failure() {
    return delegate.failure();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
