package dev.cairn.testing.clock;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Ticker} that moves only when told to, and a scheduler on the same time ({@link
 * #scheduler()}), for tests of time-dependent logic (leases, TTLs, backoff, timers): code that
 * takes a ticker and a {@link ScheduledExecutorService} runs its timers when the test advances
 * time, on the test's thread, with no real waiting (as grpc-java's {@code FakeClock}).
 *
 * <p>Tasks run only inside {@link #advance} and {@link #runDueTasks}, on the calling thread, in the
 * order of their due time (then of scheduling). While {@link #advance} runs a task, the ticker
 * reads that task's due time, so a periodic task due several times within one advance runs each
 * time at its own reading. Any thread may schedule tasks and read the ticker; advancing from two
 * threads at once is not supported.
 */
public final class FakeTicker implements Ticker {

  private final Object lock = new Object();
  private volatile long nanos;
  // guarded by lock
  private final PriorityQueue<Task<?>> queue = new PriorityQueue<>();
  private long sequence;
  private final Scheduler scheduler = new Scheduler();

  private FakeTicker(long startNanos) {
    this.nanos = startNanos;
  }

  /** A ticker at an arbitrary non-zero origin, so that code assuming time starts at 0 is caught. */
  public static FakeTicker create() {
    return startingAt(1_000_000_000_000L);
  }

  /** A ticker reading {@code startNanos}. */
  public static FakeTicker startingAt(long startNanos) {
    return new FakeTicker(startNanos);
  }

  @Override
  public long nanos() {
    return nanos;
  }

  /**
   * The scheduler on this ticker's time: its tasks run when {@link #advance} or {@link
   * #runDueTasks} reaches them. {@code execute} and {@code submit} queue a task due now. {@code
   * shutdownNow} drops the queued tasks. Each call returns the same scheduler.
   */
  public ScheduledExecutorService scheduler() {
    return scheduler;
  }

  /**
   * Moves time forward by {@code duration}, running every task that falls due on the way, and
   * returns the new reading.
   *
   * @throws IllegalArgumentException when {@code duration} is negative: a ticker is monotonic
   */
  public long advance(Duration duration) {
    requireNonNull(duration, "duration");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration: " + duration + " (expected: >= 0)");
    }
    long target = nanos + duration.toNanos();
    while (true) {
      Task<?> next;
      synchronized (lock) {
        next = queue.peek();
        if (next == null || next.dueNanos - target > 0) {
          nanos = target;
          return target;
        }
        queue.poll();
        if (next.dueNanos - nanos > 0) {
          nanos = next.dueNanos;
        }
      }
      next.run();
    }
  }

  /** Runs the tasks due now (e.g. those given to {@code execute}); returns how many ran. */
  public int runDueTasks() {
    int ran = 0;
    while (true) {
      Task<?> next;
      synchronized (lock) {
        next = queue.peek();
        if (next == null || next.dueNanos - nanos > 0) {
          return ran;
        }
        queue.poll();
      }
      next.run();
      ran++;
    }
  }

  /** The tasks waiting to run (cancelled ones are removed at once). */
  public int pendingTasks() {
    synchronized (lock) {
      return queue.size();
    }
  }

  /** When the next task is due, relative to now; null when none waits. */
  public Duration nextTaskIn() {
    synchronized (lock) {
      Task<?> next = queue.peek();
      return next == null ? null : Duration.ofNanos(Math.max(0, next.dueNanos - nanos));
    }
  }

  @Override
  public String toString() {
    return "FakeTicker{" + nanos + " ns, " + pendingTasks() + " tasks}";
  }

  private <T> Task<T> enqueue(Task<T> task) {
    synchronized (lock) {
      if (scheduler.shutdown) {
        throw new RejectedExecutionException("the scheduler of " + this + " is shut down");
      }
      queue.add(task);
    }
    return task;
  }

  /** A queued task; one-shot, or periodic when {@code periodNanos != 0}. */
  private final class Task<T> extends FutureTask<T> implements RunnableScheduledFuture<T> {
    private final long seq;
    private final long periodNanos; // > 0 fixed rate, < 0 fixed delay, 0 once
    private long dueNanos;

    Task(Callable<T> callable, long dueNanos) {
      super(callable);
      this.seq = nextSequence();
      this.dueNanos = dueNanos;
      this.periodNanos = 0;
    }

    Task(Runnable runnable, long dueNanos, long periodNanos) {
      super(runnable, null);
      this.seq = nextSequence();
      this.dueNanos = dueNanos;
      this.periodNanos = periodNanos;
    }

    @Override
    public boolean isPeriodic() {
      return periodNanos != 0;
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(dueNanos - nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed other) {
      if (other == this) {
        return 0;
      }
      Task<?> o = (Task<?>) other;
      long d = dueNanos - o.dueNanos;
      return d != 0 ? (d < 0 ? -1 : 1) : Long.compare(seq, o.seq);
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      if (cancelled) {
        synchronized (lock) {
          queue.remove(this);
        }
      }
      return cancelled;
    }

    @Override
    public void run() {
      if (!isPeriodic()) {
        super.run();
        return;
      }
      if (runAndReset()) {
        synchronized (lock) {
          dueNanos = periodNanos > 0 ? dueNanos + periodNanos : nanos - periodNanos;
          if (!scheduler.shutdown) {
            queue.add(this);
          }
        }
      }
    }
  }

  private long nextSequence() {
    synchronized (lock) {
      return sequence++;
    }
  }

  /** The scheduler view; every method may be called from any thread. */
  private final class Scheduler extends AbstractExecutorService
      implements ScheduledExecutorService {
    private boolean shutdown; // guarded by lock

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      requireNonNull(command, "command");
      return enqueue(new Task<>(command, due(delay, unit), 0));
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
      requireNonNull(callable, "callable");
      return enqueue(new Task<>(callable, due(delay, unit)));
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(
        Runnable command, long initialDelay, long period, TimeUnit unit) {
      return periodic(command, initialDelay, "period", period, unit, 1);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(
        Runnable command, long initialDelay, long delay, TimeUnit unit) {
      return periodic(command, initialDelay, "delay", delay, unit, -1);
    }

    /** A periodic task: {@code sign} 1 for a fixed rate, -1 for a fixed delay. */
    private ScheduledFuture<?> periodic(
        Runnable command, long initialDelay, String name, long every, TimeUnit unit, int sign) {
      requireNonNull(command, "command");
      if (every <= 0) {
        throw new IllegalArgumentException(name + ": " + every + " (expected: > 0)");
      }
      return enqueue(new Task<>(command, due(initialDelay, unit), sign * unit.toNanos(every)));
    }

    @Override
    public void execute(Runnable command) {
      schedule(command, 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public void shutdown() {
      synchronized (lock) {
        shutdown = true;
      }
    }

    @Override
    public List<Runnable> shutdownNow() {
      synchronized (lock) {
        shutdown = true;
        List<Runnable> dropped = new ArrayList<>(queue);
        queue.clear();
        return dropped;
      }
    }

    @Override
    public boolean isShutdown() {
      synchronized (lock) {
        return shutdown;
      }
    }

    @Override
    public boolean isTerminated() {
      synchronized (lock) {
        return shutdown && queue.isEmpty();
      }
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return isTerminated();
    }

    private long due(long delay, TimeUnit unit) {
      return nanos + Math.max(0, unit.toNanos(delay));
    }
  }
}
