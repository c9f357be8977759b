package dev.cairn.server.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Instance;
import dev.cairn.common.InstanceKind;
import dev.cairn.server.core.log.MemoryCommandLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RegistryTest {

  private final AtomicLong now = new AtomicLong();
  private final Registry registry =
      start(
          RegistryOptions.builder()
              .ticker(now::get)
              .autoExpireSessions(false)
              .watchBufferEvents(8)
              .build());

  private static Registry start(RegistryOptions options) {
    try {
      return Registry.start(new MemoryCommandLog(), options);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @AfterEach
  void close() {
    registry.close();
  }

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  private static Instance inst(String service, String id) {
    return Instance.builder(service, "127.0.0.1").id(id).port("http", 8080).build();
  }

  private Instance register(String service, String id) {
    return registry.register("", inst(service, id)).join();
  }

  private Instance registerEphemeral(String service, String id, String session) {
    return registry
        .register(
            "",
            inst(service, id).toBuilder().sessionId(session).kind(InstanceKind.EPHEMERAL).build())
        .join();
  }

  private static CairnException failure(CompletableFuture<?> f) {
    try {
      f.join();
    } catch (CompletionException e) {
      return (CairnException) e.getCause();
    }
    throw new AssertionError("expected a failure");
  }

  @Test
  void registeredInstanceIsReadableWithItsRevisions() {
    Instance stored = register("web", "a");

    assertThat(stored.modRevision()).isEqualTo(1);
    assertThat(stored.kind()).isEqualTo(InstanceKind.PERSISTENT);
    assertThat(registry.service("default", "web").instances()).containsExactly(stored);
    assertThat(registry.revision()).isEqualTo(1);
  }

  @Test
  void emptyIdIsGenerated() {
    Instance stored = registry.register("", Instance.builder("web", "h").build()).join();
    assertThat(stored.id()).isNotEmpty();
    assertThat(registry.service("", "web").instances())
        .extracting(Instance::id)
        .containsExactly(stored.id());
  }

  @Test
  void concurrentRegistrationsAllLandWithDistinctRevisions() throws Exception {
    List<CompletableFuture<Instance>> fs = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      fs.add(registry.register("", inst("svc-" + (i % 10), "i-" + i)));
    }
    CompletableFuture.allOf(fs.toArray(new CompletableFuture<?>[0])).join();

    assertThat(fs.stream().map(f -> f.join().modRevision()).distinct()).hasSize(2_000);
    assertThat(registry.instanceCount()).isEqualTo(2_000);
    assertThat(registry.revision()).isEqualTo(2_000);
  }

  @Test
  void pipelinedCommandsApplyInSubmissionOrder() {
    List<CompletableFuture<?>> fs = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      fs.add(registry.register("", inst("web", "i-" + i)));
      fs.add(registry.deregister("", "web", "i-" + i)); // not waiting for the register
    }
    CompletableFuture.allOf(fs.toArray(new CompletableFuture<?>[0])).join();
    assertThat(registry.service("", "web").instances()).isEmpty();
  }

  @Test
  void badInputFailsWithoutChangingAnything() {
    register("web", "a");
    assertThatThrownBy(() -> registry.register("Bad_NS", inst("web", "b")))
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.field()).isEqualTo("namespace"));
    CairnException unknownSession = failure(registry.deregister("", "web", "zzz"));
    assertThat(unknownSession.code()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThatThrownBy(
            () ->
                registry.register(
                    "",
                    inst("web", "e").toBuilder()
                        .sessionId("nope")
                        .kind(InstanceKind.EPHEMERAL)
                        .build()))
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    assertThatThrownBy(() -> registry.openSession(Duration.ofMillis(-1), "", ""))
        .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.field()).isEqualTo("ttl"));
    assertThatThrownBy(() -> registry.openSession(Duration.ofDays(1), "", ""))
        .isInstanceOfSatisfying(CairnException.class, e -> assertThat(e.field()).isEqualTo("ttl"));
    assertThatThrownBy(() -> registry.keepAlive("nope"))
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    assertThat(failure(registry.closeSession("nope")).code()).isEqualTo(ErrorCode.NOT_FOUND);

    assertThat(registry.revision()).isEqualTo(1);
    assertThat(registry.service("", "web").instances())
        .extracting(Instance::id)
        .containsExactly("a");
  }

  @Test
  void silentSessionExpiresAfterItsTtlAndTakesItsInstances() {
    SessionInfo s = registry.openSession(Duration.ofSeconds(5), "", "t").join();
    registerEphemeral("api", "e1", s.id());
    register("api", "p1");

    advance(Duration.ofMillis(4_999));
    registry.expireSessions();
    assertThat(registry.service("", "api").instances()).hasSize(2);

    advance(Duration.ofMillis(1));
    registry.expireSessions();
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(registry.service("", "api").instances())
                    .extracting(Instance::id)
                    .containsExactly("p1"));
    assertThat(registry.sessionCount()).isZero();
  }

  @Test
  void aLeaseEndsWhenItRunsOutNotAtTheNextSweep() {
    // The regular sweep would come only after an hour: the session ends at its deadline because
    // the registry schedules an expiry for the earliest lease.
    Registry precise =
        start(RegistryOptions.builder().sessionSweepInterval(Duration.ofHours(1)).build());
    try {
      SessionInfo kept = precise.openSession(Duration.ofSeconds(1), "", "kept").join();
      SessionInfo silent = precise.openSession(Duration.ofSeconds(1), "", "silent").join();
      precise
          .register(
              "",
              inst("api", "e1").toBuilder()
                  .sessionId(silent.id())
                  .kind(InstanceKind.EPHEMERAL)
                  .build())
          .join();
      precise
          .register(
              "",
              inst("api", "e2").toBuilder()
                  .sessionId(kept.id())
                  .kind(InstanceKind.EPHEMERAL)
                  .build())
          .join();
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .untilAsserted(
              () -> {
                precise.keepAlive(kept.id());
                assertThat(precise.service("", "api").instances())
                    .extracting(Instance::id)
                    .containsExactly("e2");
              });
      assertThat(precise.sessionCount()).isEqualTo(1);
    } finally {
      precise.close();
    }
  }

  @Test
  void keepAlivesKeepTheSessionAlive() {
    SessionInfo s = registry.openSession(Duration.ofSeconds(5), "", "t").join();
    registerEphemeral("api", "e1", s.id());
    for (int i = 0; i < 5; i++) {
      advance(Duration.ofSeconds(3));
      assertThat(registry.keepAlive(s.id())).isEqualTo(5_000);
      registry.expireSessions();
    }
    assertThat(registry.service("", "api").instances()).hasSize(1);
  }

  @Test
  void detachedSessionClosesAtOnce() {
    SessionInfo s = registry.openSession(Duration.ofSeconds(10), "", "t").join();
    registerEphemeral("api", "e1", s.id());
    registry.detachSession(s.id());
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> registry.service("", "api").instances().isEmpty());
  }

  @Test
  void resumedSessionKeepsItsInstancesWithoutAnyEvent() throws Exception {
    SessionInfo s = registry.openSession(Duration.ofSeconds(10), "", "t").join();
    registerEphemeral("api", "e1", s.id());
    Recorder watcher = new Recorder();
    registry.watchService("", "api", registry.revision(), watcher);

    SessionInfo resumed = registry.openSession(Duration.ofSeconds(10), s.id(), "t").join();

    assertThat(resumed.resumed()).isTrue();
    assertThat(resumed.id()).isEqualTo(s.id());
    registerEphemeral("api", "e1", s.id()); // identical re-registration: no event
    register("api", "marker");
    await().atMost(Duration.ofSeconds(5)).until(() -> !watcher.events.isEmpty());
    assertThat(watcher.events).extracting(e -> e.instance().id()).containsExactly("marker");
  }

  @Test
  void resumingADeadSessionOpensANewOne() {
    SessionInfo s = registry.openSession(Duration.ofSeconds(5), "", "t").join();
    registry.closeSession(s.id()).join();
    SessionInfo next = registry.openSession(Duration.ofSeconds(5), s.id(), "t").join();
    assertThat(next.resumed()).isFalse();
    assertThat(next.id()).isNotEqualTo(s.id());
  }

  @Test
  void watchFromZeroStartsWithASnapshotThenEvents() {
    register("web", "a");
    Recorder w = new Recorder();
    registry.watchService("", "web", 0, w);
    await().atMost(Duration.ofSeconds(5)).until(() -> w.snapshots.size() == 1);
    assertThat(w.snapshots.get(0).instances()).extracting(Instance::id).containsExactly("a");

    register("web", "b");
    registry.deregister("", "web", "a").join();
    await().atMost(Duration.ofSeconds(5)).until(() -> w.events.size() == 2);
    assertThat(w.events)
        .extracting(ServiceEvent::type)
        .containsExactly(ServiceEvent.Type.ADDED, ServiceEvent.Type.REMOVED);
    assertThat(w.events).extracting(ServiceEvent::revision).containsExactly(2L, 3L);
  }

  @Test
  void watchFromCurrentRevisionOfQuietServiceSendsNoSnapshot() {
    register("web", "a");
    long rev = registry.revision();
    Recorder w = new Recorder();
    registry.watchService("", "web", rev, w);
    register("other", "x"); // churn elsewhere must not wake this watcher
    register("web", "b");
    await().atMost(Duration.ofSeconds(5)).until(() -> w.events.size() == 1);
    assertThat(w.snapshots).isEmpty();
    assertThat(w.events.get(0).instance().id()).isEqualTo("b");
  }

  @Test
  void watchFromOldRevisionOfChangedServiceReplaysWhatChangedSince() {
    register("web", "a");
    register("web", "b");
    Recorder w = new Recorder();
    registry.watchService("", "web", 1, w);
    await().atMost(Duration.ofSeconds(5)).until(() -> w.events.size() == 1);
    assertThat(w.events.get(0).revision()).isEqualTo(2);
    assertThat(w.snapshots).isEmpty();
  }

  @Test
  void watchFromTheFutureIsRejected() {
    register("web", "a");
    assertThatThrownBy(() -> registry.watchService("", "web", 99, new Recorder()))
        .isInstanceOfSatisfying(
            CairnException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
              assertThat(e.field()).isEqualTo("revision");
            });
  }

  @Test
  void slowWatcherIsResyncedWhileOthersGetEveryEvent() {
    Recorder fast = new Recorder();
    Recorder slow = new Recorder();
    registry.watchService("", "web", 0, fast);
    slow.watch = registry.watchService("", "web", 0, slow);
    await().atMost(Duration.ofSeconds(5)).until(() -> slow.snapshots.size() == 1);
    slow.ready.set(false);

    for (int i = 0; i < 50; i++) {
      register("web", "i" + i); // buffer is 8 events: the slow one overflows
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> fast.state.size() == 50);

    slow.ready.set(true);
    slow.watch.ready();
    await().atMost(Duration.ofSeconds(5)).until(() -> slow.resyncs == 1);
    ServiceSnapshot last = slow.snapshots.get(slow.snapshots.size() - 1);
    assertThat(last.instances()).hasSize(50);
    assertThat(slow.events).isEmpty();
    assertThat(slow.state).hasSize(50);
  }

  @Test
  void thousandsOfWatchersNeedNoThreadEach() {
    int before = Thread.activeCount();
    List<Recorder> watchers = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      Recorder r = new Recorder();
      registry.watchService("", "web", 0, r);
      watchers.add(r);
    }
    register("web", "a");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                watchers.stream()
                    .allMatch(
                        r ->
                            r.snapshots.stream().anyMatch(s -> !s.instances().isEmpty())
                                || !r.events.isEmpty()));
    assertThat(Thread.activeCount() - before).isLessThan(10);
    assertThat(registry.watcherCount()).isEqualTo(3_000);
  }

  @Test
  void closedWatchGetsNothingMore() {
    Recorder w = new Recorder();
    Watch watch = registry.watchService("", "web", 0, w);
    await().atMost(Duration.ofSeconds(5)).until(() -> w.snapshots.size() == 1);
    watch.close();
    register("web", "a");
    Recorder witness = new Recorder();
    registry.watchService("", "web", 0, witness);
    await().atMost(Duration.ofSeconds(5)).until(() -> witness.snapshots.size() == 1);
    assertThat(w.events).isEmpty();
    assertThat(registry.watcherCount()).isEqualTo(1);
  }

  @Test
  void serviceListWatchSeesServicesAppear() {
    Recorder w = new Recorder();
    registry.watchServices("", 0, w);
    await().atMost(Duration.ofSeconds(5)).until(() -> w.lists.size() == 1);
    register("web", "a");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                w.lists.get(w.lists.size() - 1).services().stream()
                    .anyMatch(s -> s.name().equals("web")));
  }

  @Test
  void awaitServiceWakesOnlyOnThatServicesChange() throws Exception {
    register("web", "a");
    CompletableFuture<Void> waiting = registry.awaitService("", "web", registry.revision());
    register("other", "x");
    assertThat(waiting).isNotDone();
    register("web", "b");
    waiting.get(5, TimeUnit.SECONDS);

    assertThat(registry.awaitService("", "web", 1)).isDone();
  }

  @Test
  void finishedWaitsAndClosedWatchesLeaveNothingBehind() {
    register("web", "a");
    for (int i = 0; i < 100; i++) {
      registry.awaitService("", "svc-" + i, registry.revision()).cancel(false);
      registry.watchService("", "svc-" + i, 0, new Recorder()).close();
    }
    assertThat(registry.watcherCount()).isZero();
    assertThat(registry.pendingWaits()).isZero();
  }

  @Test
  void closeDuringADeliveryStillEndsTheWatch() throws Exception {
    CountDownLatch delivering = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    registry.watchService(
        "",
        "web",
        0,
        new WatchListener() {
          @Override
          public void onSnapshot(ServiceSnapshot snapshot, boolean resync) {
            delivering.countDown();
            try {
              release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }

          @Override
          public void onClosed() {
            closed.countDown();
          }
        });
    assertThat(delivering.await(5, TimeUnit.SECONDS)).isTrue();
    Thread closer = new Thread(registry::close);
    closer.start();
    closer.join(5_000);
    release.countDown();
    assertThat(closed.await(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void optionsCopyEveryField() {
    RegistryOptions o =
        RegistryOptions.builder()
            .detachGrace(Duration.ofSeconds(3))
            .watchBufferEvents(7)
            .maxCommandsPerEntry(9)
            .autoExpireSessions(false)
            .sessionSweepInterval(Duration.ofMillis(50))
            .build();
    RegistryOptions copy = o.toBuilder().build();
    assertThat(copy).usingRecursiveComparison().isEqualTo(o);
  }

  @Test
  void closingTheRegistryEndsWatches() throws Exception {
    CountDownLatch closed = new CountDownLatch(1);
    registry.watchService(
        "",
        "web",
        0,
        new WatchListener() {
          @Override
          public void onClosed() {
            closed.countDown();
          }
        });
    registry.close();
    assertThat(closed.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(failure(registry.register("", inst("web", "late"))).code())
        .isEqualTo(ErrorCode.UNAVAILABLE);
  }

  /** Records what a watch delivers. */
  static final class Recorder implements WatchListener {
    final AtomicBoolean ready = new AtomicBoolean(true);
    final List<ServiceSnapshot> snapshots = new CopyOnWriteArrayList<>();
    final List<ServiceEvent> events = new CopyOnWriteArrayList<>();
    final List<ServiceList> lists = new CopyOnWriteArrayList<>();
    // What the watcher believes the service holds, by id.
    final java.util.Map<String, Instance> state = new java.util.concurrent.ConcurrentHashMap<>();
    volatile int resyncs;
    volatile Watch watch;

    @Override
    public boolean isReady() {
      return ready.get();
    }

    @Override
    public void onSnapshot(ServiceSnapshot snapshot, boolean resync) {
      state.clear();
      snapshot.instances().forEach(i -> state.put(i.id(), i));
      snapshots.add(snapshot);
      if (resync) {
        resyncs++;
      }
    }

    @Override
    public void onEvents(List<ServiceEvent> e) {
      for (ServiceEvent ev : e) {
        if (ev.type() == ServiceEvent.Type.REMOVED) {
          state.remove(ev.instance().id());
        } else {
          state.put(ev.instance().id(), ev.instance());
        }
      }
      events.addAll(e);
    }

    @Override
    public void onServiceList(ServiceList list) {
      lists.add(list);
    }
  }
}
