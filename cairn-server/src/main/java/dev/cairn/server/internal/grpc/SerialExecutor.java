package dev.cairn.server.internal.grpc;

import static java.util.Objects.requireNonNull;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on a shared executor: the single owner of one
 * call's mutable state. A task that throws is logged and does not stop the ones after it.
 *
 * <p>{@link #execute} always hands the work to the shared executor; {@link #runOrQueue} runs it on
 * the calling thread when nothing else is running, saving a thread hop for callers that are on a
 * suitable thread already (gRPC's callbacks, on the connection's event loop: the tasks never
 * block).
 */
final class SerialExecutor implements Executor {

  private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);

  private final Executor delegate;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();

  SerialExecutor(Executor delegate) {
    this.delegate = requireNonNull(delegate, "delegate");
  }

  @Override
  public void execute(Runnable task) {
    tasks.add(requireNonNull(task, "task"));
    schedule();
  }

  /** Runs {@code task} now on this thread if no task is running, else queues it. */
  void runOrQueue(Runnable task) {
    tasks.add(requireNonNull(task, "task"));
    if (scheduled.compareAndSet(false, true)) {
      drain();
    }
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      delegate.execute(this::drain);
    }
  }

  private void drain() {
    Runnable task;
    while ((task = tasks.poll()) != null) {
      try {
        task.run();
      } catch (RuntimeException e) {
        log.error("Task failed", e);
      }
    }
    scheduled.set(false);
    // A task added after the last poll but before the flag cleared must not be stranded.
    if (!tasks.isEmpty()) {
      schedule();
    }
  }
}
