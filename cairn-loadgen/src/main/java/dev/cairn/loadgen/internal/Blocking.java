package dev.cairn.loadgen.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs {@code count} operations from {@code threads} blocking callers, the way an application calls
 * an SDK: each caller is a thread that starts one operation and waits for it before the next
 * (caller {@code c} performs {@code c, c + threads, c + 2 * threads, ...}). Bounded by the count
 * and by a timeout; a caller still waiting at the timeout gives up, and its operation counts as
 * failed.
 */
final class Blocking {

  private Blocking() {}

  /**
   * Runs the operations and waits for all callers, at most {@code timeout}; records the latency
   * (start to completion) of each successful operation in {@code latency}. {@link
   * Pipeline.Result#finished()} is false when the timeout stopped a caller.
   */
  static Pipeline.Result run(
      int count, int threads, Pipeline.Operation operation, Latency latency, Duration timeout)
      throws InterruptedException {
    if (count < 0 || threads < 1) {
      throw new IllegalArgumentException(
          "count, threads: " + count + ", " + threads + " (expected: >= 0, >= 1)");
    }
    AtomicLong succeeded = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicLong lastCompletion = new AtomicLong();
    AtomicReference<String> firstError = new AtomicReference<>();
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    lastCompletion.set(start);
    List<Thread> callers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int caller = t;
      Thread thread =
          new Thread(
              () -> {
                for (int k = caller; k < count; k += threads) {
                  long started = System.nanoTime();
                  if (started >= deadline) {
                    return;
                  }
                  Throwable error = null;
                  try {
                    CompletableFuture<?> future = operation.start(k);
                    future.get(deadline - started, TimeUnit.NANOSECONDS);
                  } catch (ExecutionException e) {
                    error = e.getCause() == null ? e : e.getCause();
                  } catch (TimeoutException | RuntimeException e) {
                    error = e;
                  } catch (InterruptedException e) {
                    return;
                  }
                  long now = System.nanoTime();
                  lastCompletion.accumulateAndGet(now, Math::max);
                  if (error == null) {
                    latency.recordNanos(now - started);
                    succeeded.incrementAndGet();
                  } else {
                    failed.incrementAndGet();
                    firstError.compareAndSet(null, RunCommand.describe(error));
                  }
                }
              },
              "loadgen-caller-" + t);
      thread.setDaemon(true);
      callers.add(thread);
    }
    callers.forEach(Thread::start);
    boolean finished = true;
    for (Thread thread : callers) {
      long left = deadline - System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      if (thread.isAlive()) {
        finished = false;
        thread.interrupt();
      }
    }
    finished &= succeeded.get() + failed.get() == count;
    long end = finished ? lastCompletion.get() : System.nanoTime();
    return new Pipeline.Result(
        succeeded.get(), failed.get(), firstError.get(), end - start, finished);
  }
}
