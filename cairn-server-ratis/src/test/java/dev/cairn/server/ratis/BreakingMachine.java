package dev.cairn.server.ratis;

import dev.cairn.server.core.log.LogStateMachine;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A {@link RecordingMachine} that breaks on demand: applying the entry {@code boom} throws what
 * {@code onBoom} supplies, and the next {@link #failSnapshots} snapshots throw an {@link
 * IllegalStateException}. Thread-safe.
 */
final class BreakingMachine implements LogStateMachine {

  static final String BOOM = "boom";

  private final RecordingMachine recorded = new RecordingMachine();
  private final Supplier<? extends Throwable> onBoom;
  private final AtomicInteger snapshotFailures = new AtomicInteger();
  private final AtomicInteger snapshotsFailed = new AtomicInteger();

  BreakingMachine(Supplier<? extends Throwable> onBoom) {
    this.onBoom = onBoom;
  }

  /** The next {@code n} snapshots throw. */
  BreakingMachine failSnapshots(int n) {
    snapshotFailures.set(n);
    return this;
  }

  @Override
  public byte[] apply(byte[] entry) {
    if (RecordingMachine.string(entry).equals(BOOM)) {
      Throwable t = onBoom.get();
      if (t instanceof Error e) {
        throw e;
      }
      throw (RuntimeException) t;
    }
    return recorded.apply(entry);
  }

  @Override
  public void writeSnapshot(OutputStream out) throws IOException {
    if (snapshotFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      snapshotsFailed.incrementAndGet();
      throw new IllegalStateException("snapshot broke on purpose");
    }
    recorded.writeSnapshot(out);
  }

  @Override
  public void readSnapshot(InputStream in) throws IOException {
    recorded.readSnapshot(in);
  }

  RecordingMachine recorded() {
    return recorded;
  }

  int snapshotsFailed() {
    return snapshotsFailed.get();
  }
}
