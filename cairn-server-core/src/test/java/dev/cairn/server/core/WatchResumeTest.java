package dev.cairn.server.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Watches resumed from a revision: replay from the event history, compaction, restores. */
class WatchResumeTest {

  private final List<Registry> registries = new ArrayList<>();

  private Registry start(RegistryOptions options) {
    return start(new dev.cairn.server.core.log.MemoryCommandLog(), options);
  }

  private Registry start(dev.cairn.server.core.log.CommandLog log, RegistryOptions options) {
    try {
      Registry r = Registry.start(log, options);
      registries.add(r);
      return r;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @AfterEach
  void close() {
    registries.forEach(Registry::close);
  }

  private static RegistryOptions options(int historyEvents) {
    return RegistryOptions.builder()
        .autoExpireSessions(false)
        .watchBufferEvents(64)
        .watchHistory(historyEvents, Long.MAX_VALUE)
        .build();
  }

  private static Instance inst(String service, String id) {
    return Instance.builder(service, "127.0.0.1").id(id).port("http", 8080).build();
  }

  private static long register(Registry r, String service, String id) {
    return r.register("", inst(service, id)).join().modRevision();
  }

  @Test
  void aResumedWatchGetsExactlyTheEventsAfterItsRevision() {
    Registry r = start(options(1000));
    register(r, "web", "a");
    register(r, "web", "b");
    Recorder first = new Recorder();
    Watch w = r.watchService("", "web", 0, first);
    await().until(() -> first.revision() == 2);
    w.close();

    // Missed while away: an add, a removal, a health change, and churn elsewhere.
    register(r, "web", "c");
    register(r, "other", "x");
    r.deregister("", "web", "a").join();
    r.reportHealth("", "web", "b", Health.CRITICAL).join();

    Recorder resumed = new Recorder();
    resumed.state.putAll(first.state);
    r.watchService("", "web", first.revision(), resumed);
    await().until(() -> resumed.resumes.size() == 1);
    assertThat(resumed.snapshots).isEmpty();
    assertThat(resumed.events)
        .extracting(ServiceEvent::revision)
        .containsExactly(3L, 5L, 6L); // 4 was another service's
    assertThat(resumed.events)
        .extracting(ServiceEvent::type)
        .containsExactly(
            ServiceEvent.Type.ADDED, ServiceEvent.Type.REMOVED, ServiceEvent.Type.UPDATED);
    assertThat(resumed.state).isEqualTo(byId(r.service("", "web").instances()));

    // ...and it is live.
    long next = register(r, "web", "d");
    await().until(() -> resumed.revision() == next);
    assertThat(resumed.events).extracting(ServiceEvent::revision).containsExactly(3L, 5L, 6L, 7L);
  }

  @Test
  void aResumeOfAServiceThatDidNotChangeIsLiveAtOnceEvenWhenTheHistoryMovedOn() {
    Registry r = start(options(4));
    long web = register(r, "web", "a");
    for (int i = 0; i < 20; i++) {
      register(r, "other", "x" + i); // pushes web's event out of the history
    }
    Recorder w = new Recorder();
    r.watchService("", "web", web, w);
    await().until(() -> w.resumes.size() == 1);
    assertThat(w.resumes.get(0)).isEqualTo(web);
    assertThat(w.events).isEmpty();
    assertThat(w.snapshots).isEmpty();
  }

  @Test
  void aResumeFromACompactedRevisionGetsASnapshotThatSaysSo() {
    Registry r = start(options(4));
    long from = register(r, "web", "a");
    for (int i = 0; i < 6; i++) {
      register(r, "web", "b" + i);
    }
    Recorder w = new Recorder();
    r.watchService("", "web", from, w);
    await().until(() -> w.snapshots.size() == 1);
    assertThat(w.reasons).containsExactly(SnapshotReason.COMPACTED);
    // Revisions 2..7 were web's; the history keeps 4..7, so 3 is the oldest resumable.
    assertThat(w.compactRevisions).containsExactly(3L);
    assertThat(w.resumes).isEmpty();
    assertThat(w.state).isEqualTo(byId(r.service("", "web").instances()));

    Recorder within = new Recorder();
    r.watchService("", "web", 3, within);
    await().until(() -> within.resumes.size() == 1);
    assertThat(within.events).extracting(ServiceEvent::revision).containsExactly(4L, 5L, 6L, 7L);
  }

  @Test
  void aResumeThatWouldReplayMoreThanTheBufferIsAResync() {
    Registry r = start(options(1000));
    for (int i = 0; i < 70; i++) {
      register(r, "web", "i" + i); // the watch buffer holds 64
    }
    Recorder w = new Recorder();
    r.watchService("", "web", 1, w);
    await().until(() -> w.snapshots.size() == 1);
    assertThat(w.reasons).containsExactly(SnapshotReason.RESYNC);
    assertThat(w.state).hasSize(70);
  }

  @Test
  void resumesDuringWritesMissNothingAndRepeatNothing() throws Exception {
    // Buffers large enough that no watcher is resynced: every one gets events only.
    Registry r =
        start(
            RegistryOptions.builder()
                .autoExpireSessions(false)
                .watchBufferEvents(100_000)
                .watchHistory(100_000, Long.MAX_VALUE)
                .build());
    register(r, "web", "seed");
    Recorder reference = new Recorder();
    r.watchService("", "web", 0, reference);
    await().until(() -> reference.revision() == 1);

    List<java.util.concurrent.CompletableFuture<?>> writes = new CopyOnWriteArrayList<>();
    Thread writer =
        new Thread(
            () -> {
              for (int i = 0; i < 400; i++) {
                String id = "i" + (i % 40);
                if (i % 3 == 2) {
                  writes.add(r.deregister("", "web", id).exceptionally(t -> 0L));
                } else {
                  writes.add(r.register("", inst("web", id)));
                }
                // One at a time, so that the revisions resumed from are many.
                r.register("", inst("other", "o" + i)).join();
              }
            });
    writer.start();
    List<Recorder> resumers = new ArrayList<>();
    List<Long> froms = new ArrayList<>();
    long lastFrom = -1;
    java.util.function.BooleanSupplier writing =
        () ->
            writer.isAlive()
                || !writes.stream().allMatch(java.util.concurrent.CompletableFuture::isDone);
    while (writing.getAsBoolean() && resumers.size() < 200) {
      // Resume from what the reference had delivered at some moment, as a client would.
      long previous = lastFrom;
      await()
          .pollInterval(Duration.ofMillis(1))
          .until(() -> reference.revision() != previous || !writing.getAsBoolean());
      long from = reference.revision();
      lastFrom = from;
      Recorder w = new Recorder();
      r.watchService("", "web", from, w);
      resumers.add(w);
      froms.add(from);
    }
    writer.join();
    assertThat(resumers).hasSizeGreaterThan(5);
    writes.forEach(java.util.concurrent.CompletableFuture::join);
    long last = r.service("", "web").revision();
    await().until(() -> reference.revision() == last);
    for (int i = 0; i < resumers.size(); i++) {
      Recorder w = resumers.get(i);
      long from = froms.get(i);
      await().until(() -> w.revision() == last);
      assertThat(w.snapshots).as("resumed from %d", from).isEmpty();
      List<ServiceEvent> expected =
          reference.events.stream().filter(e -> e.revision() > from).collect(Collectors.toList());
      assertThat(w.events).as("resumed from %d", from).containsExactlyElementsOf(expected);
    }
  }

  @Test
  void afterARestoreTheHistoryStartsAtTheRestoredRevision() {
    RestorableLog log = new RestorableLog(null);
    Registry r = start(log, options(1000));
    long early = register(r, "web", "a");
    register(r, "web", "b");
    byte[] snapshot = log.snapshot();
    long atSnapshot = r.revision();

    Registry restarted = start(new RestorableLog(snapshot), options(1000));
    assertThat(restarted.revision()).isEqualTo(atSnapshot);
    long after = register(restarted, "web", "c");

    Recorder compacted = new Recorder();
    restarted.watchService("", "web", early, compacted);
    await().until(() -> compacted.snapshots.size() == 1);
    assertThat(compacted.reasons).containsExactly(SnapshotReason.COMPACTED);
    assertThat(compacted.compactRevisions).containsExactly(atSnapshot);

    Recorder resumed = new Recorder();
    restarted.watchService("", "web", atSnapshot, resumed);
    await().until(() -> resumed.resumes.size() == 1);
    assertThat(resumed.events).extracting(ServiceEvent::revision).containsExactly(after);
  }

  @Test
  void aSnapshotInstalledUnderAWatchResyncsIt() {
    RestorableLog log = new RestorableLog(null);
    Registry r = start(log, options(1000));
    register(r, "web", "a");
    byte[] older = log.snapshot();
    register(r, "web", "b");
    Recorder w = new Recorder();
    r.watchService("", "web", 0, w);
    await().until(() -> w.state.size() == 2);

    log.install(older); // as a member that catches up by snapshot (here: a step back, for the test)
    await().until(() -> w.snapshots.size() == 2);
    assertThat(w.reasons).containsExactly(SnapshotReason.INITIAL, SnapshotReason.RESYNC);
    assertThat(w.state.keySet()).containsExactly("a");
  }

  private static Map<String, Instance> byId(List<Instance> instances) {
    Map<String, Instance> m = new TreeMap<>();
    instances.forEach(i -> m.put(i.id(), i));
    return m;
  }

  /** Records a watch's deliveries and the state they add up to. */
  static final class Recorder implements WatchListener {
    final List<ServiceSnapshot> snapshots = new CopyOnWriteArrayList<>();
    final List<SnapshotReason> reasons = new CopyOnWriteArrayList<>();
    final List<Long> compactRevisions = new CopyOnWriteArrayList<>();
    final List<Long> resumes = new CopyOnWriteArrayList<>();
    final List<ServiceEvent> events = new CopyOnWriteArrayList<>();
    final Map<String, Instance> state = new java.util.concurrent.ConcurrentSkipListMap<>();
    private volatile long revision;

    long revision() {
      return revision;
    }

    @Override
    public void onSnapshot(ServiceSnapshot snapshot, SnapshotReason reason, long compactRevision) {
      state.clear();
      snapshot.instances().forEach(i -> state.put(i.id(), i));
      snapshots.add(snapshot);
      reasons.add(reason);
      if (reason == SnapshotReason.COMPACTED) {
        compactRevisions.add(compactRevision);
      }
      revision = snapshot.revision();
    }

    @Override
    public void onResumed(long at, List<ServiceEvent> replayed) {
      resumes.add(at);
      onEvents(replayed);
      revision = at;
    }

    @Override
    public void onEvents(List<ServiceEvent> e) {
      for (ServiceEvent ev : e) {
        if (ev.type() == ServiceEvent.Type.REMOVED) {
          state.remove(ev.instance().id());
        } else {
          state.put(ev.instance().id(), ev.instance());
        }
        revision = ev.revision();
      }
      events.addAll(e);
    }
  }
}
