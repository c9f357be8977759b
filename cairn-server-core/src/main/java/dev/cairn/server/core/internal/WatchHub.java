package dev.cairn.server.core.internal;

import dev.cairn.common.Ticker;
import dev.cairn.server.core.DrainReport;
import dev.cairn.server.core.Poller;
import dev.cairn.server.core.RegistryMonitor;
import dev.cairn.server.core.ServiceEvent;
import dev.cairn.server.core.ServiceList;
import dev.cairn.server.core.ServiceSnapshot;
import dev.cairn.server.core.SnapshotReason;
import dev.cairn.server.core.Watch;
import dev.cairn.server.core.WatchListener;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans committed changes out to watchers and long-poll waiters, without a thread per watcher.
 *
 * <p>The apply thread calls {@link #serviceChanged} and {@link #namespaceChanged}; they only append
 * to each watcher's bounded buffer and schedule drains on the shared executor, so a slow watcher
 * never delays the apply thread. A watcher whose buffer overflows loses its buffer and gets one
 * fresh snapshot instead (etcd's "victims", simplified).
 *
 * <p>A watcher drains on its listener's own executor when it names one (a transport's event loop),
 * else on the shared executor. One change to a service with many watchers becomes, per executor,
 * one task per {@value #DRAINS_PER_TASK} watchers, not one per watcher: each task drains its
 * watchers one after another. That spares a queue hand-off and a thread wake-up per watcher, and
 * the transport gets its watchers' messages in a burst it can write together. Listeners never
 * block, so a watcher waits at most for the others of its task to buffer their messages.
 *
 * <p>Every change also goes to the {@link WatchHistory}, from which a watch resumed from a revision
 * replays what it missed (decision 0120). Watchers and {@linkplain Poller pollers} record what
 * their clients acknowledged, which drains wait for (decision 0121).
 */
final class WatchHub {

  private static final Logger log = LoggerFactory.getLogger(WatchHub.class);

  /** Watchers drained by one executor task when a change reaches many watchers at once. */
  static final int DRAINS_PER_TASK = 32;

  private final ConcurrentHashMap<Key, Set<ServiceWatcher>> serviceWatchers =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Set<ListWatcher>> listWatchers =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Key, Set<CompletableFuture<Void>>> serviceWaiters =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Set<CompletableFuture<Void>>> listWaiters =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Key, Set<PollerImpl>> pollers = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Key, Set<DrainWait>> drains = new ConcurrentHashMap<>();

  private final Function<Key, ServiceSnapshot> services;
  private final Function<String, ServiceList> lists;
  private final Executor executor;
  private final int bufferEvents;
  private final Ticker ticker;
  private final RegistryMonitor monitor;
  private final WatchHistory history;
  private final Timers timers;
  private final java.util.function.LongSupplier applied;

  WatchHub(
      Function<Key, ServiceSnapshot> services,
      Function<String, ServiceList> lists,
      Executor executor,
      int bufferEvents,
      Ticker ticker,
      RegistryMonitor monitor,
      WatchHistory history,
      Timers timers,
      java.util.function.LongSupplier applied) {
    this.services = services;
    this.lists = lists;
    this.executor = executor;
    this.bufferEvents = bufferEvents;
    this.ticker = ticker;
    this.monitor = monitor;
    this.history = history;
    this.timers = timers;
    this.applied = applied;
  }

  /** Runs a task after a delay; returns what cancels it. */
  interface Timers {
    Runnable schedule(Runnable task, long delayNanos);
  }

  /** A (namespace, service) pair. */
  record Key(String namespace, String service) {}

  // ---- registration, any thread ----

  Watch watchService(Key key, long fromRevision, WatchListener listener) {
    ServiceWatcher w = new ServiceWatcher(key, listener);
    add(serviceWatchers, key, w);
    // Registered first, so no change is missed: each one is in the history read by start(), or
    // offered to the watcher, or both; events at or below what was delivered are dropped.
    w.start(fromRevision);
    return w;
  }

  Poller poller(Key key, String description) {
    PollerImpl p = new PollerImpl(key, description);
    add(pollers, key, p);
    return p;
  }

  Watch watchServices(String namespace, long fromRevision, WatchListener listener) {
    ListWatcher w = new ListWatcher(namespace, listener, fromRevision);
    add(listWatchers, namespace, w);
    w.schedule();
    return w;
  }

  CompletableFuture<Void> awaitService(Key key, long afterRevision) {
    return await(serviceWaiters, key, () -> services.apply(key).revision() > afterRevision);
  }

  CompletableFuture<Void> awaitServices(String namespace, long afterRevision) {
    return await(listWaiters, namespace, () -> lists.apply(namespace).revision() > afterRevision);
  }

  private static <K> CompletableFuture<Void> await(
      ConcurrentHashMap<K, Set<CompletableFuture<Void>>> waiters,
      K key,
      java.util.function.BooleanSupplier changed) {
    if (changed.getAsBoolean()) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> f = new CompletableFuture<>();
    add(waiters, key, f);
    f.whenComplete((v, t) -> remove(waiters, key, f));
    // A change published between the first check and the add would otherwise be missed.
    if (changed.getAsBoolean()) {
      f.complete(null);
    }
    return f;
  }

  // Adds and removes are atomic per key, so an emptied set leaves the map without losing an add.
  private static <K, V> void add(ConcurrentHashMap<K, Set<V>> map, K key, V value) {
    map.compute(
        key,
        (k, set) -> {
          Set<V> s = set == null ? ConcurrentHashMap.newKeySet() : set;
          s.add(value);
          return s;
        });
  }

  private static <K, V> void remove(ConcurrentHashMap<K, Set<V>> map, K key, V value) {
    map.computeIfPresent(
        key,
        (k, set) -> {
          set.remove(value);
          return set.isEmpty() ? null : set;
        });
  }

  // ---- fan-out, apply thread ----

  void serviceChanged(String namespace, String service, List<ServiceEvent> events) {
    Key key = new Key(namespace, service);
    monitor.serviceChanged(namespace, service, events);
    history.append(key, events);
    Set<ServiceWatcher> ws = serviceWatchers.get(key);
    if (ws != null) {
      long committedAt = ticker.nanos();
      List<Watcher> due = new ArrayList<>();
      for (ServiceWatcher w : ws) {
        if (w.offer(events, committedAt)) {
          due.add(w);
        }
      }
      drain(due);
    }
    completeAll(serviceWaiters.get(key));
    checkDrains(key);
  }

  /**
   * The catalog was replaced by a restored snapshot at {@code revision}: the history starts over
   * there, every service watcher gets a snapshot (RESYNC), every list watcher the list, and every
   * long-poll looks again.
   */
  void restored(long revision) {
    history.reset(revision);
    for (Set<ServiceWatcher> ws : serviceWatchers.values()) {
      List<Watcher> due = new ArrayList<>();
      for (ServiceWatcher w : ws) {
        if (w.restored()) {
          due.add(w);
        }
      }
      drain(due);
    }
    for (String namespace : listWatchers.keySet()) {
      namespaceChanged(namespace);
    }
    serviceWaiters.values().forEach(WatchHub::completeAll);
  }

  void namespaceChanged(String namespace) {
    Set<ListWatcher> ws = listWatchers.get(namespace);
    if (ws != null) {
      List<Watcher> due = new ArrayList<>();
      for (ListWatcher w : ws) {
        if (w.changed()) {
          due.add(w);
        }
      }
      drain(due);
    }
    completeAll(listWaiters.get(namespace));
  }

  /**
   * Runs the drains of {@code due} (each already claimed), {@value #DRAINS_PER_TASK} watchers per
   * executor task; inline once the executor is shut down (then only closes are left to deliver).
   */
  private void drain(List<Watcher> due) {
    if (due.isEmpty()) {
      return;
    }
    // Few executors (the shared one, or a handful of event loops): group the watchers by theirs.
    Map<Executor, List<Watcher>> byExecutor = new LinkedHashMap<>();
    for (Watcher w : due) {
      byExecutor.computeIfAbsent(w.executor, e -> new ArrayList<>()).add(w);
    }
    for (Map.Entry<Executor, List<Watcher>> group : byExecutor.entrySet()) {
      List<Watcher> ws = group.getValue();
      for (int from = 0; from < ws.size(); from += DRAINS_PER_TASK) {
        List<Watcher> batch = ws.subList(from, Math.min(ws.size(), from + DRAINS_PER_TASK));
        Runnable task =
            () -> {
              for (Watcher w : batch) {
                w.run();
              }
            };
        try {
          group.getKey().execute(task);
        } catch (RejectedExecutionException e) {
          task.run();
        }
      }
    }
  }

  private static void completeAll(Set<CompletableFuture<Void>> waiters) {
    if (waiters != null) {
      for (CompletableFuture<Void> f : waiters) {
        f.complete(null);
      }
    }
  }

  /** Ends every watch and wakes every waiter. */
  void closeAll() {
    for (Set<ServiceWatcher> ws : serviceWatchers.values()) {
      for (ServiceWatcher w : ws) {
        w.closeFromHub();
      }
    }
    for (Set<ListWatcher> ws : listWatchers.values()) {
      for (ListWatcher w : ws) {
        w.closeFromHub();
      }
    }
    serviceWaiters.values().forEach(WatchHub::completeAll);
    listWaiters.values().forEach(WatchHub::completeAll);
  }

  // ---- drains, any thread ----

  /**
   * Completes when every watcher and poller of {@code key} acknowledged {@code revision} (or the
   * service's revision, when that is lower and this registry applied {@code revision}), or after
   * {@code timeoutNanos} with those still behind. Watchers that start or end meanwhile count from
   * then on.
   */
  CompletableFuture<DrainReport> awaitDrained(Key key, long revision, long timeoutNanos) {
    DrainWait wait = new DrainWait(key, revision, ticker.nanos());
    add(drains, key, wait);
    wait.check();
    if (wait.result.isDone()) {
      remove(drains, key, wait);
      return wait.result;
    }
    Runnable cancel = timers.schedule(wait::timeout, timeoutNanos);
    // Completed, timed out or cancelled by the caller: nothing is left behind.
    wait.result.whenComplete(
        (r, t) -> {
          cancel.run();
          remove(drains, key, wait);
        });
    return wait.result;
  }

  private void checkDrains(Key key) {
    Set<DrainWait> ws = drains.get(key);
    if (ws != null) {
      for (DrainWait w : ws) {
        w.check();
      }
    }
  }

  /** One drain in progress. */
  private final class DrainWait {
    final Key key;
    final long revision;
    final long startedNanos;
    final CompletableFuture<DrainReport> result = new CompletableFuture<>();

    DrainWait(Key key, long revision, long startedNanos) {
      this.key = key;
      this.revision = revision;
      this.startedNanos = startedNanos;
    }

    void check() {
      if (!result.isDone()) {
        DrainReport r = report();
        if (r.drained()) {
          finish(r);
        }
      }
    }

    void timeout() {
      finish(report());
    }

    // Completed on the shared executor: a check may run on the apply thread, which must not run
    // the waiter's continuation (it encodes and writes the answer).
    private void finish(DrainReport r) {
      try {
        executor.execute(() -> result.complete(r));
      } catch (RejectedExecutionException e) {
        result.complete(r);
      }
    }

    private DrainReport report() {
      // Until this registry applied the revision, nobody can have received it from here.
      long appliedRevision = applied.getAsLong();
      long target = appliedRevision < revision ? revision : Math.min(revision, serviceRevision());
      List<DrainReport.PendingWatcher> behind = new ArrayList<>();
      int counted = 0;
      Set<ServiceWatcher> ws = serviceWatchers.get(key);
      if (ws != null) {
        for (ServiceWatcher w : ws) {
          counted++;
          long acked = w.acknowledged;
          if (acked < target) {
            behind.add(new DrainReport.PendingWatcher(w.description, acked));
          }
        }
      }
      Set<PollerImpl> ps = pollers.get(key);
      if (ps != null) {
        for (PollerImpl p : ps) {
          counted++;
          long acked = p.acknowledged;
          if (acked < target) {
            behind.add(new DrainReport.PendingWatcher(p.description, acked));
          }
        }
      }
      if (appliedRevision < revision && behind.isEmpty()) {
        behind.add(
            new DrainReport.PendingWatcher(
                "this registry (applied " + appliedRevision + ")", appliedRevision));
      }
      return DrainReport.of(
          revision, counted, behind, java.time.Duration.ofNanos(ticker.nanos() - startedNanos));
    }

    private long serviceRevision() {
      return services.apply(key).revision();
    }
  }

  /** A long-poll client of one service; its acknowledgement is its latest poll's index. */
  private final class PollerImpl implements Poller {
    final Key key;
    final String description;
    volatile long acknowledged;

    PollerImpl(Key key, String description) {
      this.key = key;
      this.description = description;
    }

    @Override
    public void polled(long index) {
      if (index > acknowledged) {
        acknowledged = index;
        checkDrains(key);
      }
    }

    @Override
    public void close() {
      remove(pollers, key, this);
      checkDrains(key);
    }
  }

  /** Keys with pending long-poll waits (a cancelled or completed wait leaves none). */
  int waitKeys() {
    return serviceWaiters.size() + listWaiters.size();
  }

  int watcherCount() {
    int n = 0;
    for (Set<ServiceWatcher> ws : serviceWatchers.values()) {
      n += ws.size();
    }
    for (Set<ListWatcher> ws : listWatchers.values()) {
      n += ws.size();
    }
    return n;
  }

  /**
   * What both kinds of watch share: at most one drain scheduled or running at a time, so the
   * listener is called sequentially; a close from the hub is delivered as {@code onClosed} even
   * when it races with a drain. State guarded by {@code this}.
   */
  private abstract class Watcher implements Watch, Runnable {
    final WatchListener listener;
    // Where this watcher drains: the listener's executor, or the hub's shared one.
    final Executor executor;
    private boolean scheduled;
    boolean closed;
    private boolean notifyClosed;

    Watcher(WatchListener listener) {
      this.listener = listener;
      Executor own = listener.executor();
      this.executor = own != null ? own : WatchHub.this.executor;
    }

    /** Whether there is something to deliver; called holding the lock. */
    abstract boolean hasWorkLocked();

    /** Delivers while the listener is ready; drain thread. */
    abstract void deliver();

    /** Drops buffered work; called holding the lock. */
    abstract void clearLocked();

    /** Removes this watch from the hub's maps. */
    abstract void unregister();

    @Override
    public final void ready() {
      schedule();
    }

    @Override
    public void acknowledge(long revision) {
      // Only service watches are counted by drains.
    }

    /**
     * Claims the drain: true when the caller must now run it (or hand it to the executor), false
     * when one is already scheduled or running, or there is nothing left to deliver.
     */
    final boolean claimDrain() {
      synchronized (this) {
        if (scheduled || closed && !notifyClosed) {
          return false;
        }
        scheduled = true;
        return true;
      }
    }

    final void schedule() {
      if (!claimDrain()) {
        return;
      }
      try {
        executor.execute(this);
      } catch (RejectedExecutionException e) {
        // The registry (or the transport) is shutting down: nothing more to deliver but the close
        // itself, which
        // runs here (no drain is in progress, or schedule() would have returned above).
        run();
      }
    }

    @Override
    public final void run() {
      boolean tellClosed;
      synchronized (this) {
        tellClosed = notifyClosed;
        notifyClosed = false;
      }
      try {
        if (tellClosed) {
          listener.onClosed();
        } else {
          deliver();
        }
      } catch (RuntimeException e) {
        log.warn("watch listener failed; closing the watch", e);
        close();
      } finally {
        boolean again;
        synchronized (this) {
          scheduled = false;
          again = notifyClosed || !closed && hasWorkLocked() && listener.isReady();
        }
        if (again) {
          schedule();
        }
      }
    }

    @Override
    public final void close() {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        clearLocked();
      }
      unregister();
    }

    final void closeFromHub() {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        notifyClosed = true;
        clearLocked();
      }
      schedule();
    }
  }

  /** A watch on one service. */
  private final class ServiceWatcher extends Watcher {
    private final Key key;
    final String description;
    private final ArrayDeque<ServiceEvent> buffer = new ArrayDeque<>();
    // Guarded by this. Until started, changes are buffered but not drained.
    private boolean started;
    private boolean needSnapshot;
    private SnapshotReason reason = SnapshotReason.INITIAL;
    private long compactRevision;
    // The first delivery of a resumed watch, until sent: the replayed events (maybe none).
    private List<ServiceEvent> resume;
    // When the oldest buffered event was committed (ticker nanos); guarded by this.
    private long bufferedSince;
    // Highest revision delivered; events at or below it are stale. Drain thread only (and start).
    private long delivered;
    // Highest revision the client acknowledged.
    volatile long acknowledged;

    ServiceWatcher(Key key, WatchListener listener) {
      super(listener);
      this.key = key;
      this.description = listener.description();
    }

    void start(long fromRevision) {
      synchronized (this) {
        delivered = fromRevision;
        if (fromRevision == 0) {
          snapshotLocked(SnapshotReason.INITIAL, 0);
        } else if (services.apply(key).revision() <= fromRevision) {
          resume = List.of(); // nothing changed since: live from here
        } else {
          WatchHistory.Replay replay = history.since(key, fromRevision, bufferEvents);
          if (replay.compacted()) {
            snapshotLocked(SnapshotReason.COMPACTED, replay.compactRevision());
          } else if (replay.tooMany()) {
            snapshotLocked(SnapshotReason.RESYNC, 0);
          } else {
            resume = replay.events();
          }
        }
        started = true;
      }
      schedule();
    }

    private void snapshotLocked(SnapshotReason why, long compactedAt) {
      buffer.clear();
      resume = null;
      needSnapshot = true;
      reason = why;
      compactRevision = compactedAt;
    }

    /** Buffers {@code events}; true when the caller must run the drain this claimed. */
    boolean offer(List<ServiceEvent> events, long committedAt) {
      synchronized (this) {
        if (closed || needSnapshot) {
          return false; // a pending snapshot covers these, and its drain is on its way
        }
        int kept = buffer.size() + (resume == null ? 0 : resume.size());
        if (kept + events.size() > bufferEvents) {
          snapshotLocked(SnapshotReason.RESYNC, 0);
        } else {
          if (buffer.isEmpty()) {
            bufferedSince = committedAt;
          }
          buffer.addAll(events);
        }
        if (!started) {
          return false; // start() schedules the first drain
        }
      }
      return claimDrain();
    }

    /** After a restore: a snapshot replaces what was delivered; true to drain it now. */
    boolean restored() {
      synchronized (this) {
        if (closed || !started || needSnapshot) {
          return false;
        }
        snapshotLocked(SnapshotReason.RESYNC, 0);
      }
      return claimDrain();
    }

    @Override
    public void acknowledge(long revision) {
      if (revision > acknowledged) {
        acknowledged = revision;
        checkDrains(key);
      }
    }

    @Override
    boolean hasWorkLocked() {
      return started && (needSnapshot || resume != null || !buffer.isEmpty());
    }

    @Override
    void clearLocked() {
      buffer.clear();
      resume = null;
    }

    @Override
    void unregister() {
      remove(serviceWatchers, key, this);
      checkDrains(key);
    }

    @Override
    void deliver() {
      while (listener.isReady()) {
        boolean snapshot;
        SnapshotReason why;
        long compactedAt;
        long since;
        List<ServiceEvent> resumed;
        List<ServiceEvent> events = null;
        synchronized (this) {
          if (closed || !hasWorkLocked()) {
            return;
          }
          snapshot = needSnapshot;
          why = reason;
          compactedAt = compactRevision;
          since = bufferedSince;
          resumed = resume;
          needSnapshot = false;
          resume = null;
          if (!snapshot) {
            long after = delivered;
            if (resumed != null && !resumed.isEmpty()) {
              after = Math.max(after, resumed.get(resumed.size() - 1).revision());
            }
            events = new ArrayList<>(buffer.size());
            for (ServiceEvent e : buffer) {
              if (e.revision() > after) {
                events.add(e);
              }
            }
            buffer.clear();
          }
        }
        if (snapshot) {
          ServiceSnapshot s = services.apply(key);
          delivered = Math.max(delivered, s.revision());
          listener.onSnapshot(s, why, compactedAt);
          monitor.snapshotDelivered(why != SnapshotReason.INITIAL);
        } else if (resumed != null) {
          List<ServiceEvent> all = resumed;
          if (!events.isEmpty()) {
            all = new ArrayList<>(resumed.size() + events.size());
            all.addAll(resumed);
            all.addAll(events);
          }
          if (!all.isEmpty()) {
            delivered = all.get(all.size() - 1).revision();
          }
          listener.onResumed(delivered, all);
        } else if (!events.isEmpty()) {
          delivered = events.get(events.size() - 1).revision();
          listener.onEvents(events);
          monitor.eventsDelivered(events.size(), ticker.nanos() - since);
        }
      }
    }
  }

  /** A watch on a namespace's service list. */
  private final class ListWatcher extends Watcher {
    private final String namespace;
    private boolean dirty = true;
    // Drain thread only.
    private long delivered;
    private boolean first;

    ListWatcher(String namespace, WatchListener listener, long fromRevision) {
      super(listener);
      this.namespace = namespace;
      this.delivered = fromRevision;
      this.first = fromRevision == 0;
    }

    /** Marks the list changed; true when the caller must run the drain this claimed. */
    boolean changed() {
      synchronized (this) {
        dirty = true;
      }
      return claimDrain();
    }

    @Override
    boolean hasWorkLocked() {
      return dirty;
    }

    @Override
    void clearLocked() {
      dirty = false;
    }

    @Override
    void unregister() {
      remove(listWatchers, namespace, this);
    }

    @Override
    void deliver() {
      while (listener.isReady()) {
        synchronized (this) {
          if (closed || !dirty) {
            return;
          }
          dirty = false;
        }
        ServiceList list = lists.apply(namespace);
        if (first || list.revision() > delivered) {
          first = false;
          delivered = list.revision();
          listener.onServiceList(list);
        }
      }
    }
  }
}
