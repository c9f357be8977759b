package dev.cairn.server.ratis;

import dev.cairn.server.core.log.LogStateMachine;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A {@link RecordingMachine} that breaks on demand: applying the entry {@code boom} throws what
 * {@code onBoom} supplies, the next {@link #failSnapshots} snapshots throw an {@link
 * IllegalStateException}, and after {@link #holdSnapshotWrites} a captured snapshot is written only
 * once {@link #releaseSnapshotWrites} is called. Thread-safe.
 */
final class BreakingMachine implements LogStateMachine {

  static final String BOOM = "boom";

  private final RecordingMachine recorded = new RecordingMachine();
  private final Supplier<? extends Throwable> onBoom;
  private final AtomicInteger snapshotFailures = new AtomicInteger();
  private final AtomicInteger snapshotsFailed = new AtomicInteger();
  private final CountDownLatch snapshotWriting = new CountDownLatch(1);
  private volatile CountDownLatch snapshotRelease; // null: snapshots are written at once

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

  /** Captured snapshots wait, when written, for {@link #releaseSnapshotWrites}. */
  BreakingMachine holdSnapshotWrites() {
    snapshotRelease = new CountDownLatch(1);
    return this;
  }

  void releaseSnapshotWrites() {
    snapshotRelease.countDown();
  }

  /** Whether a held snapshot's write started within {@code seconds}. */
  boolean awaitSnapshotWriting(long seconds) throws InterruptedException {
    return snapshotWriting.await(seconds, TimeUnit.SECONDS);
  }

  @Override
  public SnapshotWriter captureSnapshot() throws IOException {
    SnapshotWriter captured = LogStateMachine.super.captureSnapshot();
    CountDownLatch release = snapshotRelease;
    if (release == null) {
      return captured;
    }
    return out -> {
      snapshotWriting.countDown();
      try {
        if (!release.await(60, TimeUnit.SECONDS)) {
          throw new IOException("the snapshot's write was never released");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      captured.write(out);
    };
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
