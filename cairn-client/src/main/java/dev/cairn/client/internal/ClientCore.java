package dev.cairn.client.internal;

import dev.cairn.client.Registration;
import dev.cairn.client.ServiceView;
import dev.cairn.common.Instance;
import dev.cairn.common.InstanceKind;
import dev.cairn.proto.v1.ListServicesRequest;
import dev.cairn.proto.v1.ListServicesResponse;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.proto.v1.ServiceSummary;
import io.grpc.CallOptions;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link dev.cairn.client.CairnClient} is made of: its threads (one event thread that owns
 * the views and runs their gRPC callbacks, a disk thread when snapshots are on, and a hold on the
 * Netty thread every client shares), the registry channels, the session and the views. Public only
 * for the client's facade.
 */
public final class ClientCore {

  private static final Logger log = LoggerFactory.getLogger(ClientCore.class);
  private static final AtomicInteger IDS = new AtomicInteger();
  private static final long CLOSE_WAIT_MILLIS = 2_000;

  private final ClientSettings settings;
  private final int id;
  private final ScheduledThreadPoolExecutor events;
  private final SharedEventLoop netty;
  private final ExecutorService disk;
  private final RegistryChannels channels;
  private final SessionManager session;
  private final Drainer drainer;
  private final SnapshotStore store;
  private final Map<String, ViewImpl> views = new ConcurrentHashMap<>();
  private final Thread shutdownHook;
  private final Object lock = new Object();
  // Every thread this client started, joined by close().
  private final Queue<Thread> threads = new ConcurrentLinkedQueue<>();
  // Guarded by lock.
  private boolean closed;
  // The newest ListServices answer this client took, and its registry: a listing asks for at least
  // it, so services() never goes back in revision within one registry (decision 0201). Event
  // thread.
  private long listedRevision;
  private String listedRegistry = "";

  /** Starts a client's machinery; never blocks. */
  public ClientCore(ClientSettings settings) {
    this.settings = settings;
    this.id = IDS.incrementAndGet();
    this.events = new ScheduledThreadPoolExecutor(1, new NamedThreads(id, "events", threads));
    events.setRemoveOnCancelPolicy(true);
    // Every client of this JVM does its network I/O on one shared thread (decision 0157).
    this.netty = SharedEventLoop.acquire();
    this.channels =
        new RegistryChannels(
            settings.registries,
            netty.group(),
            events,
            settings.interceptors,
            settings.tls,
            settings.sessionTtl,
            settings.spread
                ? java.util.concurrent.ThreadLocalRandom.current()
                    .nextInt(settings.registries.size())
                : 0);
    this.session = new SessionManager(settings, channels, events);
    this.drainer = new Drainer(channels, settings);
    if (settings.snapshotDir != null) {
      this.disk = Executors.newSingleThreadExecutor(new NamedThreads(id, "disk", threads));
      this.store = new SnapshotStore(settings.snapshotDir, settings.namespace, disk);
    } else {
      this.disk = null;
      this.store = null;
    }
    if (settings.shutdownHook) {
      shutdownHook = new Thread(this::closeFromHook, "cairn-client-" + id + "-shutdown");
      Runtime.getRuntime().addShutdownHook(shutdownHook);
    } else {
      shutdownHook = null;
    }
  }

  public String namespace() {
    return settings.namespace;
  }

  public String registries() {
    return settings.canonicalRegistries();
  }

  /** See {@link dev.cairn.client.CairnClient#register(Instance)}. */
  public Registration register(Instance instance) {
    synchronized (lock) {
      checkOpen();
    }
    RegistrationImpl r =
        new RegistrationImpl(
            asRegistered(instance), settings.namespace, session, drainer, settings.ticker);
    // Sent from this thread when the session is open (decision 0155).
    session.add(r);
    return r;
  }

  // The instance as a registration holds it: persistent-looking, with an id. One that already is
  // (the usual case) is taken as it is: it was checked when it was built.
  private static Instance asRegistered(Instance instance) {
    if (!instance.id().isEmpty()
        && instance.kind() == InstanceKind.PERSISTENT
        && instance.sessionId().isEmpty()) {
      return instance;
    }
    Instance.Builder b = instance.toBuilder().kind(InstanceKind.PERSISTENT).sessionId("");
    if (instance.id().isEmpty()) {
      b.id(instance.service() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    }
    return b.build();
  }

  /** See {@link dev.cairn.client.CairnClient#view(String)}. */
  public ServiceView view(String service) {
    ViewImpl v = views.get(service);
    if (v != null) {
      return v;
    }
    synchronized (lock) {
      checkOpen();
      return views.computeIfAbsent(
          service,
          s -> {
            ViewImpl created = new ViewImpl(s, settings, channels, events, store);
            events.execute(created::start);
            return created;
          });
    }
  }

  /** See {@link dev.cairn.client.CairnClient#views()}. */
  public List<ServiceView> views() {
    List<ServiceView> all = new ArrayList<>(views.values());
    all.sort(java.util.Comparator.comparing(ServiceView::service));
    return List.copyOf(all);
  }

  /** See {@link dev.cairn.client.CairnClient#services()}. */
  public CompletableFuture<List<String>> services() {
    CompletableFuture<List<String>> result = new CompletableFuture<>();
    synchronized (lock) {
      checkOpen();
      events.execute(() -> listServices(result, channels.currentIndex(), false));
    }
    return result;
  }

  /**
   * On the event thread: one ListServices call to the registry at {@code index}. Once a listing was
   * taken, the call asks for at least its revision of its registry: a member behind it answers
   * {@code UNAVAILABLE} and the call is tried once on the next registry ({@code retry}), as a
   * view's read is; any other failure moves the client on.
   */
  private void listServices(CompletableFuture<List<String>> result, int index, boolean retry) {
    ListServicesRequest.Builder request =
        ListServicesRequest.newBuilder().setNamespace(settings.namespace);
    boolean atLeast = listedRevision > 0 && !listedRegistry.isEmpty();
    if (atLeast) {
      request.setMinRevision(listedRevision).setRegistryId(listedRegistry);
    }
    try {
      ClientCalls.asyncUnaryCall(
          channels
              .channel(index)
              .newCall(
                  RegistryGrpc.getListServicesMethod(),
                  CallOptions.DEFAULT.withDeadlineAfter(
                      settings.requestTimeout.toNanos(), TimeUnit.NANOSECONDS)),
          request.build(),
          new StreamObserver<ListServicesResponse>() {
            @Override
            public void onNext(ListServicesResponse r) {
              List<String> names = new ArrayList<>(r.getServicesCount());
              for (ServiceSummary s : r.getServicesList()) {
                names.add(s.getName());
              }
              events.execute(() -> listed(r));
              result.complete(List.copyOf(names));
            }

            @Override
            public void onError(Throwable t) {
              boolean behind =
                  atLeast && Status.fromThrowable(t).getCode() == Status.Code.UNAVAILABLE;
              if (behind && !retry && channels.size() > 1) {
                events.execute(() -> listServices(result, (index + 1) % channels.size(), true));
                return;
              }
              if (!behind) {
                events.execute(() -> channels.failed(index));
              }
              result.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {}
          });
    } catch (IllegalStateException e) {
      result.completeExceptionally(e);
    }
  }

  // On the event thread: keeps the newest listing's revision; another registry's is a fresh start.
  private void listed(ListServicesResponse r) {
    String from = r.getRegistryId();
    if (from.isEmpty()) {
      return;
    }
    if (!from.equals(listedRegistry) || r.getRevision() > listedRevision) {
      listedRegistry = from;
      listedRevision = r.getRevision();
    }
  }

  /** See {@link dev.cairn.client.CairnClient#close()}. */
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // The JVM is shutting down already.
      }
    }
    // On one of this client's threads, or on the network thread all clients share, the close cannot
    // wait for them: it is finished by a thread of its own.
    boolean onEventThread =
        Thread.currentThread().getName().startsWith(threadPrefix())
            || SharedEventLoop.onLoopThread();
    List<ViewImpl> all = new ArrayList<>(views.values());
    CompletableFuture<CompletableFuture<Void>> closing = new CompletableFuture<>();
    events.execute(
        () -> {
          for (ViewImpl v : all) {
            v.close();
          }
          closing.complete(session.close());
        });
    if (!onEventThread) {
      try {
        closing.get().get(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        log.info(
            "The registry did not confirm the session's close within {} ms", CLOSE_WAIT_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException e) {
        log.debug("Closing the session failed", e);
      }
    }
    Runnable teardown = this::releaseResources;
    if (onEventThread) {
      new Thread(teardown, threadPrefix() + "close").start();
    } else {
      teardown.run();
    }
  }

  private void releaseResources() {
    try {
      channels.shutdown(CLOSE_WAIT_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    events.shutdownNow();
    if (disk != null) {
      disk.shutdown();
    }
    try {
      netty.release(CLOSE_WAIT_MILLIS);
      events.awaitTermination(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
      if (disk != null) {
        disk.awaitTermination(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
      }
      for (Thread t : threads) {
        if (t != Thread.currentThread()) {
          t.join(CLOSE_WAIT_MILLIS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private String threadPrefix() {
    return NamedThreads.PREFIX + id + "-";
  }

  private void closeFromHook() {
    close();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("client: closed (expected: an open client)");
    }
  }
}
