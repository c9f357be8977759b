package dev.cairn.server.ratis.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The write timeout of a log's appends, kept by one thread that looks at the oldest unanswered
 * appends a few times a second (decision 0112). A timer task per append cost a timer wake-up per
 * append, and its action ran on the JDK's default asynchronous executor, which on a machine of two
 * cores starts a new thread for every task: one thread started per write, a write timeout after it.
 *
 * <p>Appends are watched in the order they are submitted, and all wait the same timeout, so a sweep
 * stops at the first one that is neither answered nor expired. An append therefore fails between
 * one timeout and one timeout plus a tick after it was submitted (a tick is at most 250 ms).
 *
 * <p>A sweep that comes more than {@code pauseSlack} late means the process (or its machine) was
 * paused or starved: the pause-tolerant appends waiting then get another whole timeout, since a
 * pause is survived without failing writes (decision 0007). Thread-safe.
 */
final class WriteDeadlines implements AutoCloseable {

  private final long timeoutNanos;
  private final long tickNanos;
  private final long pauseSlackNanos;
  private final ConcurrentLinkedQueue<Watched> watched = new ConcurrentLinkedQueue<>();
  private final ScheduledExecutorService timer;
  // When the last sweep ran (System.nanoTime); sweeping thread only.
  private long lastSweep;

  WriteDeadlines(Duration timeout, Duration pauseSlack, String threadName) {
    this(timeout, pauseSlack, threadName, true);
  }

  /** With {@code sweeping} false, only explicit {@link #sweep} calls sweep (tests). */
  WriteDeadlines(Duration timeout, Duration pauseSlack, String threadName, boolean sweeping) {
    this.timeoutNanos = timeout.toNanos();
    this.tickNanos =
        Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(timeoutNanos / 8, 250_000_000L));
    this.pauseSlackNanos = pauseSlack.toNanos();
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, threadName);
              t.setDaemon(true);
              return t;
            });
    this.lastSweep = System.nanoTime();
    if (sweeping) {
      timer.scheduleWithFixedDelay(this::sweepQuietly, tickNanos, tickNanos, TimeUnit.NANOSECONDS);
    }
  }

  /**
   * Runs {@code onTimeout} on this object's thread once {@code future} waited the timeout without
   * completing; nothing once it completes. {@code pauseTolerant}: a pause of the process restarts
   * its wait.
   */
  void watch(CompletableFuture<?> future, boolean pauseTolerant, Runnable onTimeout) {
    watch(future, pauseTolerant, onTimeout, System.nanoTime());
  }

  /**
   * {@link #watch(CompletableFuture, boolean, Runnable)} with the timeout counted from {@code
   * since} ({@link System#nanoTime()}, at most now): a write that waited in a queue before it was
   * submitted (decision 0182). Such writes are submitted in the order they arrived, so a sweep
   * still meets them oldest first; one that did not would be failed at the next sweep that reaches
   * it, at most one timeout after it was watched.
   */
  void watch(CompletableFuture<?> future, boolean pauseTolerant, Runnable onTimeout, long since) {
    watched.add(new Watched(future, since, pauseTolerant, onTimeout));
  }

  /** Appends watched and not yet seen answered or expired by a sweep. */
  int watching() {
    return watched.size();
  }

  private void sweepQuietly() {
    try {
      sweep(System.nanoTime());
    } catch (RuntimeException e) {
      // An action threw: the next tick goes on with the rest.
      org.slf4j.LoggerFactory.getLogger(WriteDeadlines.class).warn("Write timeout action threw", e);
    }
  }

  /** The time between sweeps. */
  long tickNanos() {
    return tickNanos;
  }

  /** One sweep at {@code now}; called by the timer (and by tests). */
  void sweep(long now) {
    boolean paused = now - lastSweep - tickNanos > pauseSlackNanos;
    lastSweep = now;
    if (paused) {
      for (Watched w : watched) {
        if (w.pauseTolerant) {
          w.since = now;
        }
      }
    }
    Watched w;
    while ((w = watched.peek()) != null) {
      boolean done = w.future.isDone();
      if (!done && now - w.since < timeoutNanos) {
        return;
      }
      watched.poll(); // w: only this thread takes from the queue
      if (!done) {
        w.onTimeout.run();
      }
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }

  private static final class Watched {
    final CompletableFuture<?> future;
    final boolean pauseTolerant;
    final Runnable onTimeout;
    // Written by the sweeping thread after a pause.
    volatile long since;

    Watched(CompletableFuture<?> future, long since, boolean pauseTolerant, Runnable onTimeout) {
      this.future = future;
      this.since = since;
      this.pauseTolerant = pauseTolerant;
      this.onTimeout = onTimeout;
    }
  }
}
