package dev.cairn.testing.clock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FakeTickerTest {

  @Test
  void movesOnlyWhenAdvanced() {
    FakeTicker ticker = FakeTicker.startingAt(5);

    assertThat(ticker.nanos()).isEqualTo(5);
    assertThat(ticker.advance(Duration.ofMillis(2))).isEqualTo(2_000_005);
    assertThat(ticker.nanos()).isEqualTo(2_000_005);
    assertThat(ticker.advance(Duration.ZERO)).isEqualTo(2_000_005);
  }

  @Test
  void startsAwayFromZero() {
    assertThat(FakeTicker.create().nanos()).isNotZero();
  }

  @Test
  void neverGoesBack() {
    FakeTicker ticker = FakeTicker.create();

    assertThatThrownBy(() -> ticker.advance(Duration.ofSeconds(-1)))
        .hasMessage("duration: PT-1S (expected: >= 0)");
  }

  @Test
  void tasksRunWhenTimeReachesThemInDueOrderAtTheirOwnTime() {
    FakeTicker ticker = FakeTicker.startingAt(0);
    ScheduledExecutorService s = ticker.scheduler();
    List<String> ran = new CopyOnWriteArrayList<>();
    s.schedule(() -> ran.add("b@" + ticker.nanos()), 20, TimeUnit.NANOSECONDS);
    s.schedule(() -> ran.add("a@" + ticker.nanos()), 10, TimeUnit.NANOSECONDS);
    s.schedule(() -> ran.add("c@" + ticker.nanos()), 20, TimeUnit.NANOSECONDS);

    ticker.advance(Duration.ofNanos(15));
    assertThat(ran).containsExactly("a@10");
    assertThat(ticker.nanos()).isEqualTo(15);

    ticker.advance(Duration.ofNanos(100));
    assertThat(ran).containsExactly("a@10", "b@20", "c@20");
    assertThat(ticker.nanos()).isEqualTo(115);
    assertThat(ticker.pendingTasks()).isZero();
  }

  @Test
  void periodicTasksRunOncePerPeriodWithinOneAdvance() {
    FakeTicker ticker = FakeTicker.startingAt(0);
    List<Long> rate = new CopyOnWriteArrayList<>();
    List<Long> delay = new CopyOnWriteArrayList<>();
    ticker
        .scheduler()
        .scheduleAtFixedRate(() -> rate.add(ticker.nanos()), 5, 10, TimeUnit.NANOSECONDS);
    ScheduledFuture<?> d =
        ticker
            .scheduler()
            .scheduleWithFixedDelay(() -> delay.add(ticker.nanos()), 0, 30, TimeUnit.NANOSECONDS);

    ticker.advance(Duration.ofNanos(40));

    assertThat(rate).containsExactly(5L, 15L, 25L, 35L);
    assertThat(delay).containsExactly(0L, 30L);
    d.cancel(false);
    assertThat(ticker.pendingTasks()).isEqualTo(1);
    assertThat(ticker.nextTaskIn()).isEqualTo(Duration.ofNanos(5));
  }

  @Test
  void executeQueuesATaskDueNowAndCancelledTasksNeverRun() {
    FakeTicker ticker = FakeTicker.create();
    List<String> ran = new CopyOnWriteArrayList<>();
    ticker.scheduler().execute(() -> ran.add("now"));
    ScheduledFuture<?> later =
        ticker.scheduler().schedule(() -> ran.add("later"), 1, TimeUnit.SECONDS);
    assertThat(ran).isEmpty();

    assertThat(ticker.runDueTasks()).isEqualTo(1);
    later.cancel(false);
    ticker.advance(Duration.ofSeconds(5));

    assertThat(ran).containsExactly("now");
    assertThat(later.isCancelled()).isTrue();
  }

  @Test
  void aTaskMayScheduleAnotherThatFallsDueInTheSameAdvance() {
    FakeTicker ticker = FakeTicker.startingAt(0);
    List<Long> ran = new CopyOnWriteArrayList<>();
    ticker
        .scheduler()
        .schedule(
            () ->
                ticker.scheduler().schedule(() -> ran.add(ticker.nanos()), 5, TimeUnit.NANOSECONDS),
            5,
            TimeUnit.NANOSECONDS);

    ticker.advance(Duration.ofNanos(10));

    assertThat(ran).containsExactly(10L);
  }

  @Test
  void aShutDownSchedulerRefusesTasksAndDropsQueuedOnes() {
    FakeTicker ticker = FakeTicker.create();
    ScheduledExecutorService s = ticker.scheduler();
    s.schedule(() -> {}, 1, TimeUnit.SECONDS);

    assertThat(s.shutdownNow()).hasSize(1);

    assertThat(s.isTerminated()).isTrue();
    assertThatThrownBy(() -> s.execute(() -> {}))
        .isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
  }
}
