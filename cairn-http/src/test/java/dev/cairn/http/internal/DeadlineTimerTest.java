package dev.cairn.http.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The alarm's state machine, driven by hand ({@link DeadlineTimer.Alarm#run()} stands for the
 * timer's thread), and the timer's thread with real alarms.
 */
class DeadlineTimerTest {

  private static final long AN_HOUR = TimeUnit.HOURS.toNanos(1);

  private final List<Thread> timerThreads = new CopyOnWriteArrayList<>();
  private final ThreadFactory threads =
      r -> {
        Thread t = new Thread(r, "test-deadline");
        t.setDaemon(true);
        timerThreads.add(t);
        return t;
      };
  private final DeadlineTimer timer = new DeadlineTimer(threads);

  @AfterEach
  void close() {
    timer.close();
    Thread.interrupted();
  }

  /** A thread that waits until it is interrupted, and then counts {@code interrupted} down. */
  private record Waiter(Thread thread, CountDownLatch interrupted) {
    static Waiter start() {
      CountDownLatch never = new CountDownLatch(1);
      CountDownLatch interrupted = new CountDownLatch(1);
      Thread thread =
          new Thread(
              () -> {
                try {
                  never.await();
                } catch (InterruptedException e) {
                  interrupted.countDown();
                }
              });
      thread.start();
      return new Waiter(thread, interrupted);
    }
  }

  /** An alarm the timer does not know: only the test rings it. */
  private DeadlineTimer.Alarm alarm() {
    return new DeadlineTimer.Alarm(timer, Thread.currentThread(), System.nanoTime() + AN_HOUR, 0);
  }

  @Test
  void aStoppedAlarmNeverInterrupts() {
    DeadlineTimer.Alarm alarm = alarm();

    assertThat(alarm.stop()).isFalse();
    alarm.run(); // the timer, too late

    assertThat(Thread.currentThread().isInterrupted()).isFalse();
    assertThat(alarm.stop()).isFalse();
  }

  @Test
  void anAlarmThatRangSaysSoAndItsInterruptHasLanded() {
    DeadlineTimer.Alarm alarm = alarm();

    alarm.run();
    alarm.run(); // rings once

    assertThat(alarm.stop()).isTrue();
    assertThat(Thread.interrupted()).isTrue();
    assertThat(alarm.stop()).isTrue();
  }

  @Test
  void theTimerInterruptsTheThreadAtTheDeadline() throws Exception {
    Waiter waiter = Waiter.start();

    DeadlineTimer.Alarm alarm = timer.arm(waiter.thread, TimeUnit.MILLISECONDS.toNanos(10));

    assertThat(waiter.interrupted.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(alarm.stop()).isTrue();
  }

  @Test
  void closingKeepsArmedAlarmsRejectsNewOnesAndEndsTheThread() throws Exception {
    Waiter waiter = Waiter.start();
    timer.arm(waiter.thread, TimeUnit.MILLISECONDS.toNanos(200));

    timer.close();

    assertThatThrownBy(() -> timer.arm(Thread.currentThread(), AN_HOUR))
        .isInstanceOf(RejectedExecutionException.class);
    assertThat(waiter.interrupted.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(timerThreads).hasSize(1);
    await().atMost(Duration.ofSeconds(30)).until(() -> !timerThreads.get(0).isAlive());
  }

  /**
   * The timer's thread may look at its alarms before one is armed and at {@code closed} after the
   * timer is closed; it must still ring that alarm. Before the fix the thread ended in about one
   * round of thirty, leaving the alarm armed; 200 rounds make that all but certain to show.
   */
  @Test
  void anAlarmArmedJustBeforeCloseStillRings() throws Exception {
    for (int round = 0; round < 200; round++) {
      DeadlineTimer fresh = new DeadlineTimer(threads);
      Waiter waiter = Waiter.start();
      fresh.arm(waiter.thread, TimeUnit.MILLISECONDS.toNanos(1));
      fresh.close();
      assertThat(waiter.interrupted.await(30, TimeUnit.SECONDS)).as("round %d", round).isTrue();
    }
  }

  @Test
  void stoppedAlarmsGoAtOnceSoAClosedTimerEndsAtOnce() {
    timer.arm(Thread.currentThread(), AN_HOUR).stop();

    timer.close();

    // a stopped alarm left behind would keep the thread for an hour
    await().atMost(Duration.ofSeconds(30)).until(() -> !timerThreads.get(0).isAlive());
  }

  @Test
  void anEarlierAlarmArmedWhileTheTimerWaitsForALaterOneRingsOnTime() throws Exception {
    DeadlineTimer.Alarm later = timer.arm(Thread.currentThread(), AN_HOUR); // the timer sleeps
    Waiter waiter = Waiter.start();

    timer.arm(waiter.thread, TimeUnit.MILLISECONDS.toNanos(10));

    assertThat(waiter.interrupted.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(later.stop()).isFalse();
  }
}
