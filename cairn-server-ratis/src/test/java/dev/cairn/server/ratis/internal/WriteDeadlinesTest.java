package dev.cairn.server.ratis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class WriteDeadlinesTest {

  private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(3);
  private static final long SLACK = TimeUnit.SECONDS.toNanos(1);

  private static WriteDeadlines manual() {
    return new WriteDeadlines(
        Duration.ofNanos(TIMEOUT), Duration.ofNanos(SLACK), "test-deadlines", false);
  }

  private static Runnable timeOut(CompletableFuture<?> f) {
    return () -> f.completeExceptionally(new TimeoutException());
  }

  @Test
  void anUnansweredWriteFailsOnceItWaitedTheTimeoutAndNotBefore() {
    try (WriteDeadlines d = manual()) {
      long start = System.nanoTime();
      CompletableFuture<String> write = new CompletableFuture<>();
      d.watch(write, true, timeOut(write));
      long tick = d.tickNanos();
      for (long t = start + tick; t < start + TIMEOUT - tick; t += tick) {
        d.sweep(t);
      }
      assertThat(write).isNotDone();
      d.sweep(start + TIMEOUT + tick);
      assertThat(write).isCompletedExceptionally();
      assertThat(d.watching()).isZero();
    }
  }

  @Test
  void answeredWritesAreDroppedAndNeverTimedOut() {
    try (WriteDeadlines d = manual()) {
      CompletableFuture<String> answered = new CompletableFuture<>();
      CompletableFuture<String> waiting = new CompletableFuture<>();
      d.watch(answered, true, timeOut(answered));
      d.watch(waiting, true, timeOut(waiting));
      answered.complete("ok");
      d.sweep(System.nanoTime() + d.tickNanos());
      assertThat(d.watching()).isEqualTo(1);
      assertThat(answered).isCompletedWithValue("ok");
      assertThat(waiting).isNotDone();
    }
  }

  @Test
  void aPauseGivesPauseTolerantWritesAnotherTimeoutButNotTheOthers() {
    try (WriteDeadlines d = manual()) {
      long start = System.nanoTime();
      CompletableFuture<String> tolerant = new CompletableFuture<>();
      CompletableFuture<String> strict = new CompletableFuture<>();
      d.watch(tolerant, true, timeOut(tolerant));
      d.watch(strict, false, timeOut(strict));
      // The first sweep after the timeout comes seconds late: the process was paused.
      long late = start + TIMEOUT + 5 * SLACK;
      d.sweep(late);
      assertThat(tolerant).isNotDone();
      // The strict one waits behind the tolerant one (watched in order) and fails once the
      // tolerant one is answered.
      tolerant.complete("ok");
      d.sweep(late + d.tickNanos());
      assertThat(strict).isCompletedExceptionally();
      assertThat(d.watching()).isZero();
    }
  }

  @Test
  void afterAPauseTheTolerantWriteFailsOneTimeoutLater() {
    try (WriteDeadlines d = manual()) {
      long start = System.nanoTime();
      CompletableFuture<String> write = new CompletableFuture<>();
      d.watch(write, true, timeOut(write));
      long late = start + TIMEOUT + 5 * SLACK;
      d.sweep(late);
      long tick = d.tickNanos();
      long t = late;
      for (t += tick; t < late + TIMEOUT - tick; t += tick) {
        d.sweep(t);
      }
      assertThat(write).isNotDone();
      d.sweep(late + TIMEOUT + tick);
      assertThat(write).isCompletedExceptionally();
    }
  }
}
