package dev.cairn.server.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Instance;
import dev.cairn.server.core.log.MemoryCommandLog;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Waiting until every watcher of a service received a revision (confirmed drain). */
class DrainTest {

  private final Registry registry = start();

  private static Registry start() {
    try {
      return Registry.start(
          new MemoryCommandLog(), RegistryOptions.builder().autoExpireSessions(false).build());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @AfterEach
  void close() {
    registry.close();
  }

  private long register(String id) {
    return registry
        .register("", Instance.builder("web", "127.0.0.1").id(id).port("http", 80).build())
        .join()
        .modRevision();
  }

  /** A watcher that acknowledges what it is given when {@code acks}, as a client would. */
  private static final class Client implements WatchListener {
    final boolean acks;
    final String name;
    volatile Watch watch;
    volatile long received;

    Client(String name, boolean acks) {
      this.name = name;
      this.acks = acks;
    }

    @Override
    public String description() {
      return name;
    }

    @Override
    public void onSnapshot(ServiceSnapshot snapshot, SnapshotReason reason, long compact) {
      got(snapshot.revision());
    }

    @Override
    public void onEvents(List<ServiceEvent> events) {
      got(events.get(events.size() - 1).revision());
    }

    // Synchronized with watch(), which sets `watch`: a delivery may come before it returns.
    private synchronized void got(long revision) {
      received = revision;
      if (acks) {
        watch.acknowledge(revision);
      }
    }
  }

  private Client watch(String name, boolean acks) {
    Client c = new Client(name, acks);
    synchronized (c) {
      c.watch = registry.watchService("", "web", 0, c);
    }
    return c;
  }

  @Test
  void aDrainCompletesOnceEveryWatcherAcknowledgedTheRemoval() {
    register("a");
    register("b");
    Client one = watch("one", false);
    Client two = watch("two", false);
    await().until(() -> one.received == 2 && two.received == 2);
    one.watch.acknowledge(2);
    two.watch.acknowledge(2);

    long removal = registry.deregister("", "web", "a").join();
    CompletableFuture<DrainReport> drain =
        registry.awaitDrained("", "web", removal, Duration.ofMinutes(1));
    await().until(() -> one.received == removal && two.received == removal);
    assertThat(drain).isNotDone(); // received, but not acknowledged yet

    one.watch.acknowledge(removal);
    assertThat(drain).isNotDone();
    two.watch.acknowledge(removal);
    DrainReport report = drain.join();
    assertThat(report.drained()).isTrue();
    assertThat(report.watchers()).isEqualTo(2);
    assertThat(report.revision()).isEqualTo(removal);
  }

  @Test
  void aWatcherThatNeverAcknowledgesIsReportedWhenTheWaitEnds() {
    register("a");
    register("b");
    Client good = watch("good client", true);
    Client silent = watch("silent client", false);
    await().until(() -> good.received == 2 && silent.received == 2);

    long removal = registry.deregister("", "web", "a").join();
    DrainReport report = registry.awaitDrained("", "web", removal, Duration.ofMillis(200)).join();
    assertThat(report.drained()).isFalse();
    assertThat(report.watchers()).isEqualTo(2);
    assertThat(report.pending())
        .containsExactly(new DrainReport.PendingWatcher("silent client", 0));
    assertThat(silent.received).isEqualTo(removal); // delivered, never confirmed
  }

  @Test
  void pollersCountByTheirLatestPoll() {
    register("a");
    long removal = registry.deregister("", "web", "a").join();
    Poller poller = registry.poller("", "web", "long-poll 127.0.0.1:4000");
    poller.polled(1);
    CompletableFuture<DrainReport> drain =
        registry.awaitDrained("", "web", removal, Duration.ofMinutes(1));
    assertThat(drain).isNotDone();
    poller.polled(removal); // its next poll: it has the list at the removal
    assertThat(drain.join().drained()).isTrue();
  }

  @Test
  void aWatcherThatLeavesIsNoLongerWaitedFor() {
    register("a");
    Client leaving = watch("leaving", false);
    await().until(() -> leaving.received == 1);
    long removal = registry.deregister("", "web", "a").join();
    CompletableFuture<DrainReport> drain =
        registry.awaitDrained("", "web", removal, Duration.ofMinutes(1));
    assertThat(drain).isNotDone();
    leaving.watch.close();
    DrainReport report = drain.join();
    assertThat(report.drained()).isTrue();
    assertThat(report.watchers()).isZero();
  }

  @Test
  void aServiceNobodyWatchesIsDrainedAtOnce() {
    register("a");
    long removal = registry.deregister("", "web", "a").join();
    DrainReport report = registry.awaitDrained("", "web", removal, Duration.ofMinutes(1)).join();
    assertThat(report.drained()).isTrue();
    assertThat(report.watchers()).isZero();
  }

  @Test
  void aRevisionNotAppliedYetIsWaitedFor() {
    register("a");
    CompletableFuture<DrainReport> drain =
        registry.awaitDrained("", "web", 2, Duration.ofMillis(100));
    DrainReport report = drain.join();
    assertThat(report.drained()).isFalse();
    assertThat(report.pending().get(0).watcher()).contains("applied 1");
  }

  @Test
  void badArgumentsAreRejectedNamingTheField() {
    assertThatThrownBy(() -> registry.awaitDrained("", "web", 0, Duration.ofSeconds(1)))
        .isInstanceOfSatisfying(
            CairnException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
              assertThat(e.field()).isEqualTo("revision");
            });
    assertThatThrownBy(() -> registry.awaitDrained("", "web", 1, Duration.ofHours(1)))
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.field()).isEqualTo("timeout"));
    assertThatThrownBy(() -> registry.awaitDrained("", "Not A Label", 1, Duration.ofSeconds(1)))
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.field()).isEqualTo("service"));
  }
}
