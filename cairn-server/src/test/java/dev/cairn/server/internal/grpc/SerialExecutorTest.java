package dev.cairn.server.internal.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SerialExecutorTest {

  private final ExecutorService pool = Executors.newFixedThreadPool(4);

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  @Test
  void runsTasksInOrderOneAtATime() throws InterruptedException {
    SerialExecutor serial = new SerialExecutor(pool);
    List<Integer> seen = new ArrayList<>(); // unsynchronized on purpose: one task at a time
    AtomicInteger running = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    int count = 10_000;
    CountDownLatch done = new CountDownLatch(count);

    for (int i = 0; i < count; i++) {
      int n = i;
      Runnable task =
          () -> {
            if (running.incrementAndGet() > 1) {
              overlaps.incrementAndGet();
            }
            seen.add(n);
            running.decrementAndGet();
            done.countDown();
          };
      if (i % 2 == 0) {
        serial.execute(task);
      } else {
        serial.runOrQueue(task);
      }
    }

    assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(overlaps.get()).isZero();
    assertThat(seen).hasSize(count).isSorted();
  }

  @Test
  void runOrQueueRunsInlineWhenIdle() {
    SerialExecutor serial = new SerialExecutor(pool);
    Thread[] ranOn = new Thread[1];

    serial.runOrQueue(() -> ranOn[0] = Thread.currentThread());

    assertThat(ranOn[0]).isSameAs(Thread.currentThread());
  }

  @Test
  void aFailingTaskDoesNotStopTheNextOnes() throws InterruptedException {
    SerialExecutor serial = new SerialExecutor(pool);
    ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
    CountDownLatch done = new CountDownLatch(1);

    serial.execute(
        () -> {
          throw new IllegalStateException("boom");
        });
    serial.execute(
        () -> {
          seen.add("after");
          done.countDown();
        });

    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(seen).containsExactly("after");
  }
}
