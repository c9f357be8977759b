package dev.cairn.http.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Comparator;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Enforces the deadline of attempts sent with the JDK's blocking {@code send} on the caller's
 * thread, without a request timeout (decision 0036): an {@link Alarm} armed before the send
 * interrupts the thread at the deadline, which makes the JDK abort the exchange and throw {@link
 * InterruptedException}; the caller turns that into {@link java.net.http.HttpTimeoutException}.
 *
 * <p>One thread rings the alarms. It sleeps until the earliest deadline it knows of, and arming an
 * alarm wakes it only when the new deadline is earlier than that: with deadlines of similar length,
 * a steady stream of calls wakes it about once per deadline, not once per call (a {@code
 * ScheduledThreadPoolExecutor} signals its thread whenever a task becomes the queue's head, i.e. on
 * every call of a single caller). Deadlines are real time ({@link System#nanoTime()}).
 *
 * <p>Threading: {@link #arm} and {@link Alarm#stop()} from any thread; they never block.
 */
public final class DeadlineTimer implements AutoCloseable {

  private static final long IDLE_NANOS = TimeUnit.DAYS.toNanos(1); // parks this long with none
  private static final Comparator<Alarm> BY_DEADLINE =
      (a, b) -> {
        int c = Long.compare(a.deadlineNanos - b.deadlineNanos, 0); // nanoTime may wrap
        return c != 0 ? c : Long.compare(a.sequence, b.sequence);
      };

  private final ConcurrentSkipListSet<Alarm> armed = new ConcurrentSkipListSet<>(BY_DEADLINE);
  private final AtomicLong sequence = new AtomicLong();
  private final Thread thread;
  // When the thread will next look at the alarms; written by it, read by arm().
  private volatile long wakeAtNanos;
  private volatile boolean closed;

  /** A timer whose one thread {@code threads} makes (daemon or not, as it makes it). */
  public DeadlineTimer(ThreadFactory threads) {
    this.wakeAtNanos = System.nanoTime() + IDLE_NANOS;
    this.thread = threads.newThread(this::ring);
    thread.start();
  }

  /**
   * An alarm that interrupts {@code thread} once, {@code timeoutNanos} from now, unless {@link
   * Alarm#stop() stopped} before.
   *
   * @throws RejectedExecutionException the timer is closed
   */
  Alarm arm(Thread thread, long timeoutNanos) {
    Alarm alarm =
        new Alarm(this, thread, System.nanoTime() + timeoutNanos, sequence.incrementAndGet());
    armed.add(alarm);
    if (closed) { // read after the add: the timer's thread, closing, sees the alarm or we see this
      if (armed.remove(alarm)) {
        LockSupport.unpark(this.thread); // it may be waiting for the last alarm to go
        throw new RejectedExecutionException("deadline timer: closed");
      }
      return alarm; // already rang
    }
    if (alarm.deadlineNanos - wakeAtNanos < 0) {
      LockSupport.unpark(this.thread); // earlier than it planned to look
    }
    return alarm;
  }

  /**
   * Takes no new alarms; alarms already armed still ring at their deadline (a call in flight keeps
   * its deadline), then the thread ends. Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    LockSupport.unpark(thread);
  }

  /** The timer's thread: rings due alarms, then parks until the earliest one left. */
  private void ring() {
    while (true) {
      Alarm first = earliest();
      long now = System.nanoTime();
      if (first != null && first.deadlineNanos - now <= 0) {
        if (armed.remove(first)) {
          first.run();
        }
        continue;
      }
      if (first == null && closed) {
        // `first` was read before `closed`: an alarm armed before close() may have come since.
        // Seen now if so (it was added before `closed` was set); later ones are refused by arm().
        if (earliest() == null) {
          return;
        }
        continue;
      }
      long wakeAt = first != null ? first.deadlineNanos : now + IDLE_NANOS;
      wakeAtNanos = wakeAt;
      // Published before looking again: an alarm armed since either is seen here or reads the new
      // wakeAtNanos and unparks us. Earlier alarms that were stopped only make us wake early.
      if (earliest() == first) {
        LockSupport.parkNanos(this, wakeAt - now);
      }
    }
  }

  private Alarm earliest() {
    try {
      return armed.first();
    } catch (NoSuchElementException e) {
      return null;
    }
  }

  /**
   * One attempt's alarm: a state machine that makes "rang" and "stopped" exclusive, so that the
   * timer never interrupts a thread whose send has returned, and a caller always knows whether the
   * interrupt it may find is the alarm's.
   *
   * <pre>
   * ARMED --stop()--> STOPPED              (the common case: no interrupt, ever)
   * ARMED --run()---> RINGING --interrupt--> RANG
   * </pre>
   */
  static final class Alarm implements Runnable {
    private static final int ARMED = 0;
    private static final int STOPPED = 1;
    private static final int RINGING = 2;
    private static final int RANG = 3;
    private static final VarHandle STATE;

    static {
      try {
        STATE = MethodHandles.lookup().findVarHandle(Alarm.class, "state", int.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final DeadlineTimer timer;
    private final Thread thread;
    private final long deadlineNanos;
    private final long sequence;
    private volatile int state = ARMED;

    Alarm(DeadlineTimer timer, Thread thread, long deadlineNanos, long sequence) {
      this.timer = timer;
      this.thread = thread;
      this.deadlineNanos = deadlineNanos;
      this.sequence = sequence;
    }

    /** The deadline: interrupts the thread unless the alarm was stopped. Called by the timer. */
    @Override
    public void run() {
      if (STATE.compareAndSet(this, ARMED, RINGING)) {
        thread.interrupt();
        state = RANG;
      }
    }

    /**
     * Stops the alarm. Returns whether it rang: then its interrupt has been delivered to the thread
     * (this waits out the few instructions between ringing and rung), and the thread either saw it
     * (an {@link InterruptedException}) or still carries it. Called by the armed thread; later
     * calls return the same.
     */
    boolean stop() {
      if (STATE.compareAndSet(this, ARMED, STOPPED)) {
        timer.armed.remove(this);
        return false;
      }
      int s;
      while ((s = state) == RINGING) {
        Thread.yield(); // the timer's thread is between its CAS and its interrupt()
      }
      return s == RANG;
    }
  }
}
