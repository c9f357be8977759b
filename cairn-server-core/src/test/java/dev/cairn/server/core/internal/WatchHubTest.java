package dev.cairn.server.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Instance;
import dev.cairn.server.core.RegistryMonitor;
import dev.cairn.server.core.ServiceEvent;
import dev.cairn.server.core.ServiceList;
import dev.cairn.server.core.ServiceSnapshot;
import dev.cairn.server.core.WatchListener;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WatchHubTest {

  private static final WatchHub.Key WEB = new WatchHub.Key("default", "web");

  /** Runs tasks only when told to, so a test sees how many a change queued. */
  private static final class ManualExecutor implements Executor {
    final Queue<Runnable> tasks = new ArrayDeque<>();
    boolean shutDown;

    @Override
    public void execute(Runnable task) {
      if (shutDown) {
        throw new RejectedExecutionException("shut down");
      }
      tasks.add(task);
    }

    void runAll() {
      Runnable task;
      while ((task = tasks.poll()) != null) {
        task.run();
      }
    }
  }

  /** Records what it is given; called from the test thread through the manual executor. */
  private static class Recorder implements WatchListener {
    final List<Long> revisions = new ArrayList<>();
    int snapshots;
    boolean closed;

    @Override
    public void onSnapshot(ServiceSnapshot snapshot, boolean resync) {
      snapshots++;
    }

    @Override
    public void onEvents(List<ServiceEvent> events) {
      events.forEach(e -> revisions.add(e.revision()));
    }

    @Override
    public void onClosed() {
      closed = true;
    }
  }

  /** Records what the hub reports. */
  private static final class Monitor implements RegistryMonitor {
    final List<Long> lags = new ArrayList<>();
    int events;
    int snapshots;

    @Override
    public synchronized void eventsDelivered(int n, long lagNanos) {
      events += n;
      lags.add(lagNanos);
    }

    @Override
    public synchronized void snapshotDelivered(boolean resync) {
      snapshots++;
    }
  }

  private final ManualExecutor executor = new ManualExecutor();
  private final AtomicLong now = new AtomicLong(1_000);
  private final Monitor monitor = new Monitor();
  private final WatchHub hub =
      new WatchHub(
          k -> ServiceSnapshot.of(k.namespace(), k.service(), 0, List.of()),
          ns -> new ServiceList(ns, 0, List.of()),
          executor,
          16,
          now::get,
          monitor,
          new WatchHistory(1000, Long.MAX_VALUE),
          (task, delay) -> () -> {},
          () -> Long.MAX_VALUE);

  private static List<ServiceEvent> added(long revision) {
    Instance i = Instance.builder("web", "10.0.0.1").id("web-" + revision).build();
    return List.of(ServiceEvent.of(ServiceEvent.Type.ADDED, revision, i));
  }

  private List<Recorder> watchers(int n) {
    List<Recorder> recorders = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Recorder r = new Recorder();
      hub.watchService(WEB, 0, r);
      recorders.add(r);
    }
    executor.runAll(); // initial snapshots
    return recorders;
  }

  @Test
  void oneChangeToManyWatchersQueuesOneTaskPerBatchOfWatchers() {
    int n = 2 * WatchHub.DRAINS_PER_TASK + 1;
    List<Recorder> recorders = watchers(n);

    hub.serviceChanged("default", "web", added(1));

    assertThat(executor.tasks).hasSize(3);
    executor.runAll();
    assertThat(recorders)
        .allSatisfy(
            r -> {
              assertThat(r.snapshots).isEqualTo(1);
              assertThat(r.revisions).containsExactly(1L);
            });
  }

  @Test
  void aListenerWithItsOwnExecutorIsDrainedThere() {
    ManualExecutor loopA = new ManualExecutor();
    ManualExecutor loopB = new ManualExecutor();
    List<Recorder> onA = new ArrayList<>();
    List<Recorder> onB = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      onA.add(watchOn(loopA));
      onB.add(watchOn(loopB));
    }
    Recorder shared = new Recorder();
    hub.watchService(WEB, 0, shared);
    loopA.runAll();
    loopB.runAll();
    executor.runAll();

    hub.serviceChanged("default", "web", added(1));

    // One task per executor for its watchers; none of them runs on another's.
    assertThat(loopA.tasks).hasSize(1);
    assertThat(loopB.tasks).hasSize(1);
    assertThat(executor.tasks).hasSize(1);
    loopA.runAll();
    assertThat(onA).allSatisfy(r -> assertThat(r.revisions).containsExactly(1L));
    assertThat(onB).allSatisfy(r -> assertThat(r.revisions).isEmpty());
    assertThat(shared.revisions).isEmpty();
    loopB.runAll();
    executor.runAll();
    assertThat(onB).allSatisfy(r -> assertThat(r.revisions).containsExactly(1L));
    assertThat(shared.revisions).containsExactly(1L);
  }

  private Recorder watchOn(Executor own) {
    Recorder r =
        new Recorder() {
          @Override
          public Executor executor() {
            return own;
          }
        };
    hub.watchService(WEB, 0, r);
    return r;
  }

  @Test
  void deliveriesAreReportedWithTheLagSinceTheOldestBufferedCommit() {
    watchers(2);
    assertThat(monitor.snapshots).isEqualTo(2);

    hub.serviceChanged("default", "web", added(1));
    now.addAndGet(300);
    hub.serviceChanged("default", "web", added(2));
    now.addAndGet(200);
    executor.runAll();

    assertThat(monitor.events).isEqualTo(4);
    assertThat(monitor.lags).containsExactly(500L, 500L);
  }

  @Test
  void changesWhileADrainIsPendingJoinIt() {
    List<Recorder> recorders = watchers(3);

    hub.serviceChanged("default", "web", added(1));
    hub.serviceChanged("default", "web", added(2));

    assertThat(executor.tasks).hasSize(1);
    executor.runAll();
    assertThat(recorders).allSatisfy(r -> assertThat(r.revisions).containsExactly(1L, 2L));
  }

  @Test
  void aWatcherStillDrainingGetsLaterChangesFromItsOwnDrain() {
    List<Recorder> recorders = watchers(2);
    hub.serviceChanged("default", "web", added(1));
    Runnable first = executor.tasks.poll();

    // Not yet drained: the next change finds the drain claimed and queues nothing new.
    hub.serviceChanged("default", "web", added(2));
    assertThat(executor.tasks).isEmpty();
    first.run();

    assertThat(recorders).allSatisfy(r -> assertThat(r.revisions).containsExactly(1L, 2L));
    hub.serviceChanged("default", "web", added(3));
    executor.runAll();
    assertThat(recorders).allSatisfy(r -> assertThat(r.revisions).containsExactly(1L, 2L, 3L));
  }

  @Test
  void closedWatchersAreLeftOut() {
    Recorder open = new Recorder();
    Recorder closing = new Recorder();
    hub.watchService(WEB, 0, open);
    hub.watchService(WEB, 0, closing).close();
    executor.runAll();

    hub.serviceChanged("default", "web", added(1));
    executor.runAll();

    assertThat(open.revisions).containsExactly(1L);
    assertThat(closing.revisions).isEmpty();
    assertThat(hub.watcherCount()).isEqualTo(1);
  }

  @Test
  void afterTheExecutorIsShutDownTheCloseIsDeliveredInline() {
    List<Recorder> recorders = watchers(2);
    executor.shutDown = true;

    hub.closeAll();

    assertThat(recorders).allSatisfy(r -> assertThat(r.closed).isTrue());
  }

  @Test
  void aChangedServiceListIsDeliveredInBatchesToo() {
    for (int i = 0; i < WatchHub.DRAINS_PER_TASK + 1; i++) {
      hub.watchServices("default", 0, new WatchListener() {});
    }
    executor.runAll();

    hub.namespaceChanged("default");

    assertThat(executor.tasks).hasSize(2);
  }
}
