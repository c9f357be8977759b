package dev.cairn.server.core.internal;

import dev.cairn.server.core.ServiceEvent;
import dev.cairn.server.core.ServiceList;
import dev.cairn.server.core.ServiceSnapshot;
import dev.cairn.server.core.Watch;
import dev.cairn.server.core.WatchListener;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans committed changes out to watchers and long-poll waiters, without a thread per watcher.
 *
 * <p>The apply thread calls {@link #serviceChanged} and {@link #namespaceChanged}; they only append
 * to each watcher's bounded buffer and schedule a drain on the shared executor, so a slow watcher
 * never delays the apply thread or other watchers. A watcher whose buffer overflows loses its
 * buffer and gets one fresh snapshot instead (etcd's "victims", simplified).
 */
final class WatchHub {

  private static final Logger log = LoggerFactory.getLogger(WatchHub.class);

  private final ConcurrentHashMap<Key, Set<ServiceWatcher>> serviceWatchers =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Set<ListWatcher>> listWatchers =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Key, Set<CompletableFuture<Void>>> serviceWaiters =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Set<CompletableFuture<Void>>> listWaiters =
      new ConcurrentHashMap<>();

  private final Function<Key, ServiceSnapshot> services;
  private final Function<String, ServiceList> lists;
  private final Executor executor;
  private final int bufferEvents;

  WatchHub(
      Function<Key, ServiceSnapshot> services,
      Function<String, ServiceList> lists,
      Executor executor,
      int bufferEvents) {
    this.services = services;
    this.lists = lists;
    this.executor = executor;
    this.bufferEvents = bufferEvents;
  }

  /** A (namespace, service) pair. */
  record Key(String namespace, String service) {}

  // ---- registration, any thread ----

  Watch watchService(Key key, long fromRevision, WatchListener listener) {
    ServiceWatcher w = new ServiceWatcher(key, listener);
    add(serviceWatchers, key, w);
    // Registered first, so no change is missed; events at or below what the first delivery
    // covers are dropped at drain time.
    w.start(fromRevision);
    return w;
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
    Set<ServiceWatcher> ws = serviceWatchers.get(key);
    if (ws != null) {
      for (ServiceWatcher w : ws) {
        w.offer(events);
      }
    }
    completeAll(serviceWaiters.get(key));
  }

  void namespaceChanged(String namespace) {
    Set<ListWatcher> ws = listWatchers.get(namespace);
    if (ws != null) {
      for (ListWatcher w : ws) {
        w.schedule();
      }
    }
    completeAll(listWaiters.get(namespace));
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

  /** A watch on one service. State guarded by {@code this}. */
  private final class ServiceWatcher implements Watch, Runnable {
    private final Key key;
    private final WatchListener listener;
    private final ArrayDeque<ServiceEvent> buffer = new ArrayDeque<>();
    private boolean needSnapshot;
    private boolean resync;
    private boolean scheduled;
    private boolean closed;
    private boolean notifyClosed;
    // Highest revision delivered; events at or below it are stale. Drain thread only.
    private long delivered;

    ServiceWatcher(Key key, WatchListener listener) {
      this.key = key;
      this.listener = listener;
    }

    void start(long fromRevision) {
      synchronized (this) {
        delivered = fromRevision;
        needSnapshot = fromRevision == 0 || services.apply(key).revision() > fromRevision;
      }
      schedule();
    }

    void offer(List<ServiceEvent> events) {
      synchronized (this) {
        if (closed) {
          return;
        }
        if (needSnapshot) {
          // A snapshot is coming anyway; it will cover these.
        } else if (buffer.size() + events.size() > bufferEvents) {
          buffer.clear();
          needSnapshot = true;
          resync = true;
        } else {
          buffer.addAll(events);
        }
      }
      schedule();
    }

    @Override
    public void ready() {
      schedule();
    }

    private void schedule() {
      synchronized (this) {
        if (scheduled || closed && !notifyClosed) {
          return;
        }
        scheduled = true;
      }
      try {
        executor.execute(this);
      } catch (RuntimeException e) {
        synchronized (this) {
          scheduled = false;
        }
        log.warn("watch executor rejected a drain for {}", key, e);
      }
    }

    /** Drains on the executor; one drain at a time per watcher. */
    @Override
    public void run() {
      try {
        drain();
      } catch (RuntimeException e) {
        log.warn("watch listener for {} failed; closing the watch", key, e);
        close();
      } finally {
        boolean again;
        synchronized (this) {
          scheduled = false;
          again = !closed && (needSnapshot || !buffer.isEmpty()) && listener.isReady();
        }
        if (again) {
          schedule();
        }
      }
    }

    private void drain() {
      boolean tellClosed;
      synchronized (this) {
        tellClosed = notifyClosed;
        notifyClosed = false;
      }
      if (tellClosed) {
        listener.onClosed();
        return;
      }
      while (listener.isReady()) {
        boolean snapshot;
        boolean wasResync;
        List<ServiceEvent> events = null;
        synchronized (this) {
          if (closed) {
            return;
          }
          snapshot = needSnapshot;
          wasResync = resync;
          needSnapshot = false;
          resync = false;
          if (!snapshot) {
            if (buffer.isEmpty()) {
              return;
            }
            events = new ArrayList<>(buffer.size());
            while (!buffer.isEmpty()) {
              ServiceEvent e = buffer.poll();
              if (e.revision() > delivered) {
                events.add(e);
              }
            }
          }
        }
        if (snapshot) {
          ServiceSnapshot s = services.apply(key);
          delivered = Math.max(delivered, s.revision());
          listener.onSnapshot(s, wasResync);
        } else if (!events.isEmpty()) {
          delivered = events.get(events.size() - 1).revision();
          listener.onEvents(events);
        }
      }
    }

    @Override
    public void close() {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        buffer.clear();
      }
      remove(serviceWatchers, key, this);
    }

    void closeFromHub() {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        notifyClosed = true;
        buffer.clear();
      }
      schedule();
    }
  }

  /** A watch on a namespace's service list. State guarded by {@code this}. */
  private final class ListWatcher implements Watch, Runnable {
    private final String namespace;
    private final WatchListener listener;
    private boolean scheduled;
    private boolean closed;
    private boolean notifyClosed;
    // Drain thread only.
    private long delivered;
    private boolean first;

    ListWatcher(String namespace, WatchListener listener, long fromRevision) {
      this.namespace = namespace;
      this.listener = listener;
      this.delivered = fromRevision;
      this.first = fromRevision == 0;
    }

    @Override
    public void ready() {
      schedule();
    }

    void schedule() {
      synchronized (this) {
        if (scheduled || closed && !notifyClosed) {
          return;
        }
        scheduled = true;
      }
      executor.execute(this);
    }

    @Override
    public void run() {
      boolean tellClosed;
      synchronized (this) {
        scheduled = false;
        tellClosed = notifyClosed;
        notifyClosed = false;
        if (closed && !tellClosed) {
          return;
        }
      }
      try {
        if (tellClosed) {
          listener.onClosed();
          return;
        }
        if (!listener.isReady()) {
          return;
        }
        ServiceList list = lists.apply(namespace);
        if (first || list.revision() > delivered) {
          first = false;
          delivered = list.revision();
          listener.onServiceList(list);
        }
      } catch (RuntimeException e) {
        log.warn("service-list watch listener for {} failed; closing the watch", namespace, e);
        close();
      }
    }

    @Override
    public void close() {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
      }
      remove(listWatchers, namespace, this);
    }

    void closeFromHub() {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        notifyClosed = true;
      }
      schedule();
    }
  }
}
