package dev.cairn.loadgen.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs {@code count} asynchronous operations from a number of callers, each keeping up to {@code
 * depth} operations in flight: caller {@code c} performs the operations {@code c, c + callers, c +
 * 2 * callers, ...} and starts the next one as soon as one of its own completes. Callers are
 * pipelines, not threads: an operation's completion (on whatever thread completes it) starts the
 * caller's next operation. Bounded by the count and by a timeout.
 */
final class Pipeline {

  /** Starts operation {@code index}; must not block. */
  @FunctionalInterface
  interface Operation {
    CompletableFuture<?> start(int index);
  }

  /** What a run did. {@code finished} is false when the timeout stopped it. */
  record Result(
      long succeeded, long failed, String firstError, long elapsedNanos, boolean finished) {

    /** Successful operations per second over the run's elapsed time. */
    double perSecond() {
      return elapsedNanos == 0 ? 0 : succeeded * 1e9 / elapsedNanos;
    }

    double elapsedSeconds() {
      return elapsedNanos / 1e9;
    }
  }

  private final int count;
  private final int callers;
  private final Operation operation;
  private final Latency latency;
  private final AtomicInteger[] cursors;
  private final CountDownLatch done;
  private final AtomicLong succeeded = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong lastCompletion = new AtomicLong();
  private final AtomicReference<String> firstError = new AtomicReference<>();
  private volatile boolean stopped;

  private Pipeline(int count, int callers, Operation operation, Latency latency) {
    this.count = count;
    this.callers = callers;
    this.operation = operation;
    this.latency = latency;
    this.cursors = new AtomicInteger[callers];
    for (int i = 0; i < callers; i++) {
      cursors[i] = new AtomicInteger();
    }
    this.done = new CountDownLatch(count);
  }

  /**
   * Runs the operations and waits for all of them, at most {@code timeout}; records the latency
   * (start to completion) of each successful operation in {@code latency}.
   */
  static Result run(
      int count, int callers, int depth, Operation operation, Latency latency, Duration timeout)
      throws InterruptedException {
    if (count < 0 || callers < 1 || depth < 1) {
      throw new IllegalArgumentException(
          "count, callers, depth: "
              + count
              + ", "
              + callers
              + ", "
              + depth
              + " (expected: >= 0, >= 1, >= 1)");
    }
    Pipeline pipeline = new Pipeline(count, callers, operation, latency);
    long start = System.nanoTime();
    pipeline.lastCompletion.set(start);
    for (int d = 0; d < depth; d++) {
      for (int c = 0; c < callers; c++) {
        pipeline.pump(c);
      }
    }
    boolean finished = pipeline.done.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    pipeline.stopped = true;
    long end = finished ? pipeline.lastCompletion.get() : System.nanoTime();
    return new Result(
        pipeline.succeeded.get(),
        pipeline.failed.get(),
        pipeline.firstError.get(),
        end - start,
        finished);
  }

  private void pump(int caller) {
    while (!stopped) {
      int index = caller + cursors[caller].getAndIncrement() * callers;
      if (index >= count) {
        return;
      }
      long started = System.nanoTime();
      CompletableFuture<?> future;
      try {
        future = operation.start(index);
      } catch (RuntimeException e) {
        future = CompletableFuture.failedFuture(e);
      }
      if (future.isDone()) {
        complete(started, future.handle((r, e) -> e).join());
        continue;
      }
      future.whenComplete(
          (r, e) -> {
            complete(started, e);
            pump(caller);
          });
      return;
    }
  }

  private void complete(long started, Throwable error) {
    long now = System.nanoTime();
    lastCompletion.accumulateAndGet(now, Math::max);
    if (error == null) {
      latency.recordNanos(now - started);
      succeeded.incrementAndGet();
    } else {
      failed.incrementAndGet();
      Throwable cause =
          error instanceof CompletionException && error.getCause() != null
              ? error.getCause()
              : error;
      firstError.compareAndSet(null, String.valueOf(cause.getMessage()));
    }
    done.countDown();
  }
}
