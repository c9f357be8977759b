package dev.cairn.client.internal;

import static java.util.Objects.requireNonNull;

import dev.cairn.client.ServiceView;
import dev.cairn.client.resilience.Backoff;
import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Instance;
import dev.cairn.proto.v1.GetServiceRequest;
import dev.cairn.proto.v1.GetServiceResponse;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.proto.v1.WatchAck;
import dev.cairn.proto.v1.WatchClientMessage;
import dev.cairn.proto.v1.WatchEvent;
import dev.cairn.proto.v1.WatchRequest;
import dev.cairn.proto.v1.WatchResponse;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One service's view: a {@code WatchWithAcks} stream on the current registry (resumed after a break
 * from the last revision it applied, on whichever registry is current, failing over with backoff;
 * decision 0120), a {@code GetService} reconcile every interval, the {@link RemovalGuard}, and the
 * disk snapshot. It acknowledges each watch message once applied and shown (decision 0121), so that
 * drains count it. It never goes back in the revisions of one registry: its reads ask for the
 * revision it shows, and older answers of that registry are dropped; another registry's answer is a
 * fresh start (decision 0201).
 *
 * <p>The client's event thread (also the executor of the gRPC calls) owns every field but {@link
 * #published}, a volatile immutable snapshot read by any thread, and the listener list.
 */
final class ViewImpl implements ServiceView {

  private static final Logger log = LoggerFactory.getLogger(ViewImpl.class);

  private final String service;
  private final ClientSettings settings;
  private final RegistryChannels channels;
  private final ScheduledExecutorService events;
  private final SnapshotStore store;
  private final RemovalGuard guard;
  private final Backoff backoff;
  private int failures; // reconnect attempts since the last success; 0 after one
  private final CompletableFuture<ServiceView> ready = new CompletableFuture<>();
  private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
  private volatile Snapshot published = Snapshot.of(List.of(), 0, true, Source.NONE, List.of());
  // Ticker time since which the view is stale (valid while published.isStale()).
  private volatile long staleSinceNanos;

  // Event thread only.
  private Map<String, Instance> truth = new TreeMap<>();
  private Map<String, Instance> shown = new TreeMap<>();
  private long revision;
  // The registry history `revision` belongs to ("" when unknown: a server that does not say, or
  // the disk). A view never goes back in the revisions of one registry (decision 0201).
  private String revisionRegistry = "";
  private Source source = Source.NONE;
  private boolean live;
  private ClientCall<WatchClientMessage, WatchResponse> watch;
  // The revision of the last watch message applied, and the registry history it belongs to: where
  // the next watch resumes from (0: from a snapshot).
  private long resumeRevision;
  private String registryId = "";
  // The registry of the open watch, from its first message ("" before it).
  private String watchRegistry = "";
  // The last revision applied from the watch, and the last acknowledged on it.
  private long toAck;
  private long acked;
  // The revision of the last watch message; watches resumed with a replay, and resumes answered
  // with a COMPACTED snapshot (for tests).
  private volatile long watched;
  private volatile long resumes;
  private volatile long relists;
  // Reads answered "behind" (or otherwise unavailable) while asking for the view's revision, and
  // read answers older than the view that it dropped (for tests).
  private volatile long behindReads;
  private volatile long droppedReads;
  private int watchIndex;
  // When the current watch was started, and when it last delivered a message (ticker time).
  private long watchStartedNanos;
  private long lastWatchMessageNanos;
  private ScheduledFuture<?> livenessTask;
  private Runnable giveUpSubscription;
  private ScheduledFuture<?> retryTask;
  private ScheduledFuture<?> reconcileTask;
  private ScheduledFuture<?> confirmTask;
  private boolean closed;

  ViewImpl(
      String service,
      ClientSettings settings,
      RegistryChannels channels,
      ScheduledExecutorService events,
      SnapshotStore store) {
    this.service = service;
    this.settings = settings;
    this.channels = channels;
    this.events = events;
    this.store = store;
    this.guard =
        new RemovalGuard(
            settings.removalProtection,
            settings.maxRemovalShare,
            settings.removalConfirmDelay.toNanos());
    this.backoff = settings.reconnectBackoff();
    this.staleSinceNanos = settings.ticker.nanos();
  }

  /** Starts the watch, the reconcile timer and the disk read; on the event thread. */
  void start() {
    if (store != null) {
      store
          .executor()
          .execute(
              () -> {
                GetServiceResponse r = store.read(service).orElse(null);
                if (r != null) {
                  runOnEvents(() -> loadedFromDisk(r));
                }
              });
    }
    giveUpSubscription = channels.onGiveUp(this::registryGivenUp);
    startWatch();
    // A watch's first message comes at once (a snapshot, or the events it missed): one that did not
    // within half the session TTL is on a registry that went silent, and is left (as the session
    // leaves one; checked as often as the session checks its own).
    long check = Math.max(1, settings.sessionTtl.toMillis() / 6);
    livenessTask =
        events.scheduleWithFixedDelay(this::checkLiveness, check, check, TimeUnit.MILLISECONDS);
    long every = settings.reconcileInterval.toNanos();
    reconcileTask =
        events.scheduleWithFixedDelay(this::reconcile, every, every, TimeUnit.NANOSECONDS);
  }

  /** Stops the watch and the timers; the last snapshot stays. On the event thread. */
  void close() {
    closed = true;
    if (giveUpSubscription != null) {
      giveUpSubscription.run();
    }
    cancel(livenessTask);
    cancel(retryTask);
    cancel(reconcileTask);
    cancel(confirmTask);
    if (watch != null) {
      watch.cancel("client closing", null);
      watch = null;
    }
  }

  @Override
  public String service() {
    return service;
  }

  @Override
  public Snapshot snapshot() {
    return published;
  }

  @Override
  public Duration staleness() {
    if (!published.isStale()) {
      return Duration.ZERO;
    }
    return Duration.ofNanos(Math.max(0, settings.ticker.nanos() - staleSinceNanos));
  }

  @Override
  public Subscription addListener(Listener listener) {
    requireNonNull(listener, "listener");
    listeners.add(listener);
    runOnEvents(
        () -> {
          if (published.source() != Source.NONE && listeners.contains(listener)) {
            notify(listener, published);
          }
        });
    return () -> listeners.remove(listener);
  }

  @Override
  public CompletableFuture<ServiceView> ready() {
    return ready.copy();
  }

  @Override
  public CompletableFuture<List<Instance>> awaitInstances(Duration timeout) {
    requireNonNull(timeout, "timeout");
    CompletableFuture<List<Instance>> result = new CompletableFuture<>();
    List<Instance> now = published.instances();
    if (!now.isEmpty()) {
      result.complete(now);
      return result;
    }
    Subscription sub =
        addListener(
            snapshot -> {
              if (!snapshot.instances().isEmpty()) {
                result.complete(snapshot.instances());
              }
            });
    result.whenComplete((instances, failure) -> sub.close());
    try {
      ScheduledFuture<?> timer =
          events.schedule(
              () -> result.completeExceptionally(noInstances(timeout)),
              timeout.toNanos(),
              TimeUnit.NANOSECONDS);
      result.whenComplete((instances, failure) -> timer.cancel(false));
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(noInstances(timeout));
    }
    return result;
  }

  private CairnException noInstances(Duration timeout) {
    Snapshot s = published;
    if (s.source() == Source.REGISTRY) {
      return CairnException.of(
          ErrorCode.NOT_FOUND,
          "service",
          "service: \""
              + service
              + "\" (no instances in namespace \""
              + settings.namespace
              + "\" after "
              + timeout
              + ")");
    }
    return CairnException.of(
        ErrorCode.UNAVAILABLE,
        "service",
        "service: \""
            + service
            + "\" (no registry of "
            + settings.canonicalRegistries()
            + " answered within "
            + timeout
            + " and no snapshot knew it)");
  }

  // ---- the watch ----

  private void startWatch() {
    retryTask = null;
    if (closed) {
      return;
    }
    watchIndex = channels.currentIndex();
    ClientCall<WatchClientMessage, WatchResponse> c;
    try {
      c =
          channels
              .channel(watchIndex)
              .newCall(RegistryGrpc.getWatchWithAcksMethod(), CallOptions.DEFAULT);
    } catch (IllegalStateException e) {
      return;
    }
    watch = c;
    watchRegistry = "";
    watchStartedNanos = settings.ticker.nanos();
    toAck = 0;
    acked = 0;
    c.start(new WatchListener(c), new Metadata());
    // From the last revision applied, on any member of the same registry: the first message then
    // replays what was missed (`resumed`, possibly nothing), or is a snapshot when that is gone.
    WatchRequest.Builder request =
        WatchRequest.newBuilder().setNamespace(settings.namespace).setService(service);
    if (resumeRevision > 0) {
      request.setFromRevision(resumeRevision).setRegistryId(registryId);
    }
    c.sendMessage(WatchClientMessage.newBuilder().setWatch(request).build());
    c.request(1);
  }

  private void watchMessage(ClientCall<WatchClientMessage, WatchResponse> c, WatchResponse m) {
    Map<String, Instance> next;
    try {
      next = applyMessage(m);
    } catch (CairnException | IllegalArgumentException e) {
      log.warn("Dropping a malformed watch message for {}: {}", service, e.getMessage());
      c.cancel("malformed watch message", e);
      return;
    }
    c.request(1);
    lastWatchMessageNanos = settings.ticker.nanos();
    if (!live) {
      live = true;
      failures = 0;
    }
    if (!m.getRegistryId().isEmpty()) {
      registryId = m.getRegistryId();
      watchRegistry = registryId;
    }
    boolean sameRegistry = source != Source.REGISTRY || same(watchRegistry, revisionRegistry);
    if (!sameRegistry && !m.hasSnapshot()) {
      // Events of another registry than the one the view shows (a read moved it there while this
      // watch was open): they cannot be applied to it. Watch again from what the view shows.
      resumeRevision = revision;
      registryId = revisionRegistry;
      restartWatch(c, "the view moved to another registry");
      return;
    }
    if (m.hasResumed()) {
      resumes++;
    } else if (m.hasSnapshot()
        && m.getSnapshot().getReason() == dev.cairn.proto.v1.ServiceSnapshot.Reason.COMPACTED) {
      relists++;
      log.debug(
          "Watch of {} resumed from {}, compacted since (oldest resumable {}): re-listed",
          service,
          resumeRevision,
          m.getSnapshot().getCompactRevision());
    }
    resumeRevision = m.getRevision();
    watched = resumeRevision;
    toAck = m.getRevision();
    if (sameRegistry
        && source == Source.REGISTRY
        && (m.hasSnapshot() ? m.getRevision() < revision : m.getRevision() <= revision)) {
      // Nothing the view does not show already: a read from another member brought it past what
      // this watch delivers now (decision 0188), or this watch started on a member behind what the
      // view shows, whose snapshot is older (decision 0201). Only whether it is live may have
      // changed; the watch's later events apply from the view's revision on.
      publish();
      maybeAck();
      return;
    }
    update(next, m.getRevision(), watchRegistry, false);
  }

  /**
   * Acknowledges the last revision applied from the watch, once the view shows it: while the
   * removal guard withholds removals, the view still shows instances the registry removed, so the
   * acknowledgement waits until it releases them.
   */
  private void maybeAck() {
    ClientCall<WatchClientMessage, WatchResponse> c = watch;
    if (c == null || toAck <= acked || !guard.withheld().isEmpty()) {
      return;
    }
    acked = toAck;
    c.sendMessage(
        WatchClientMessage.newBuilder().setAck(WatchAck.newBuilder().setRevision(acked)).build());
  }

  /** The revision of the last message the watch delivered; for tests. */
  long watchRevision() {
    return watched;
  }

  /** Watches resumed with a replay from the registry's history; for tests. */
  long resumes() {
    return resumes;
  }

  /** Resumes the registry answered with a COMPACTED snapshot (a re-list); for tests. */
  long relists() {
    return relists;
  }

  /** Reads that asked for the view's revision and were answered "behind"; for tests. */
  long behindReads() {
    return behindReads;
  }

  /** Read answers of the view's registry older than the view, dropped; for tests. */
  long droppedReads() {
    return droppedReads;
  }

  private Map<String, Instance> applyMessage(WatchResponse m) {
    switch (m.getBodyCase()) {
      case SNAPSHOT:
        return byId(Protos.fromProto(m.getSnapshot().getInstancesList()));
      case EVENTS:
      case RESUMED:
        if (source != Source.REGISTRY) {
          throw new IllegalArgumentException("events before a snapshot");
        }
        Map<String, Instance> next = new TreeMap<>(truth);
        List<WatchEvent> events =
            m.hasResumed() ? m.getResumed().getEventsList() : m.getEvents().getEventsList();
        for (WatchEvent e : events) {
          if (e.getRevision() <= revision) {
            // Already in the view: it shows a read at a later revision than this event's, from a
            // member ahead of the one this watch is on (one back from a partition replays what it
            // missed through the watch as it catches up). Applied again, the view would show a
            // set of instances the registry never held (decision 0188).
            continue;
          }
          Instance i = Protos.fromProto(e.getInstance());
          switch (e.getType()) {
            case ADDED:
            case UPDATED:
              next.put(i.id(), i);
              break;
            case REMOVED:
              next.remove(i.id());
              break;
            default:
              throw new IllegalArgumentException("event type " + e.getType());
          }
        }
        return next;
      default:
        throw new IllegalArgumentException("watch body " + m.getBodyCase());
    }
  }

  // On the event thread, every sixth of the session TTL.
  private void checkLiveness() {
    ClientCall<WatchClientMessage, WatchResponse> c = watch;
    if (closed || c == null || live) {
      return;
    }
    long waited = settings.ticker.nanos() - watchStartedNanos;
    if (waited > settings.sessionTtl.toNanos() / 2) {
      log.info(
          "No answer from {} to the watch of {} for {} ms",
          channels.address(watchIndex),
          service,
          TimeUnit.NANOSECONDS.toMillis(waited));
      leave(c, "watch: no answer", watchStartedNanos);
    }
  }

  /**
   * The session gave the registry at {@code index} up for silence (nothing answered it since {@code
   * silentSinceNanos}): a watch on it is left at once, stale since it last heard from it.
   */
  private void registryGivenUp(int index, long silentSinceNanos) {
    ClientCall<WatchClientMessage, WatchResponse> c = watch;
    if (closed || c == null || watchIndex != index) {
      return;
    }
    log.debug("Watch of {} leaves {}, given up by the session", service, channels.address(index));
    leave(c, "registry given up: no answer", Math.max(silentSinceNanos, lastWatchMessageNanos));
  }

  // Ends the watch `c` now, as if it broke: whatever it still delivers is ignored.
  private void leave(ClientCall<WatchClientMessage, WatchResponse> c, String why, long staleSince) {
    watch = null;
    c.cancel(why, null);
    watchEnded(Status.UNAVAILABLE.withDescription(why), staleSince);
  }

  // Ends the watch `c` and starts another at once, on the current registry: not a failure.
  private void restartWatch(ClientCall<WatchClientMessage, WatchResponse> c, String why) {
    log.debug("Watch of {} starts again: {}", service, why);
    watch = null;
    live = false;
    c.cancel(why, null);
    cancel(retryTask);
    startWatch();
  }

  private void watchEnded(Status status) {
    watchEnded(status, settings.ticker.nanos());
  }

  private void watchEnded(Status status, long staleSince) {
    watch = null;
    boolean wasLive = live;
    live = false;
    if (closed) {
      return;
    }
    if (status.getCode() == Status.Code.INVALID_ARGUMENT) {
      // E.g. a revision ahead of this registry (one that lost data): start over from a snapshot.
      resumeRevision = 0;
    }
    if (wasLive) {
      markStale(staleSince);
    }
    channels.failed(watchIndex);
    long delay = backoff.delayNanos(failures = Math.min(failures + 1, 64));
    log.debug("Watch of {} ended ({}); again in {} ns", service, status, delay);
    retryTask = events.schedule(this::startWatch, delay, TimeUnit.NANOSECONDS);
  }

  // ---- reconcile ----

  private void reconcile() {
    if (closed) {
      return;
    }
    read(channels.currentIndex(), false);
  }

  /**
   * Reads the service from the registry at {@code index}. Once the view shows a revision of a
   * registry it knows, the read asks for it ({@code min_revision} with that {@code registry_id}): a
   * member of that registry answers once it has applied it, or says it is behind, and another
   * registry answers at once (decision 0201). A member that is behind is not a failure: the read is
   * tried once on the next registry ({@code retry}), the view kept meanwhile.
   */
  private void read(int index, boolean retry) {
    ClientCall<GetServiceRequest, GetServiceResponse> c;
    try {
      c =
          channels
              .channel(index)
              .newCall(
                  RegistryGrpc.getGetServiceMethod(),
                  CallOptions.DEFAULT.withDeadlineAfter(
                      settings.requestTimeout.toNanos(), TimeUnit.NANOSECONDS));
    } catch (IllegalStateException e) {
      return;
    }
    long sentNanos = settings.ticker.nanos();
    GetServiceRequest.Builder request =
        GetServiceRequest.newBuilder().setNamespace(settings.namespace).setService(service);
    boolean atLeast = source == Source.REGISTRY && revision > 0 && !revisionRegistry.isEmpty();
    if (atLeast) {
      request.setMinRevision(revision).setRegistryId(revisionRegistry);
    }
    ClientCalls.asyncUnaryCall(
        c,
        request.build(),
        new StreamObserver<>() {
          @Override
          public void onNext(GetServiceResponse r) {
            reconciled(r);
          }

          @Override
          public void onError(Throwable t) {
            log.debug("Reconcile of {} failed: {}", service, t.toString());
            Status status = Status.fromThrowable(t);
            if (atLeast && status.getCode() == Status.Code.UNAVAILABLE) {
              readBehind(index, retry, status);
              return;
            }
            reconcileFailed(index, status, sentNanos);
          }

          @Override
          public void onCompleted() {}
        });
  }

  /**
   * A read from the registry at {@code index} failed (on the event thread, the calls' executor). A
   * registry that did not answer in time is failed as a broken watch fails it, and a watch on it
   * that delivered nothing since the read was sent is left: both are on a registry gone silent.
   */
  private void reconcileFailed(int index, Status status, long sentNanos) {
    if (closed || status.getCode() != Status.Code.DEADLINE_EXCEEDED) {
      return;
    }
    channels.failed(index);
    ClientCall<WatchClientMessage, WatchResponse> c = watch;
    if (c != null && watchIndex == index && lastWatchMessageNanos - sentNanos < 0) {
      log.info(
          "No answer from {} to a read of {} within {}; leaving its watch",
          channels.address(index),
          service,
          settings.requestTimeout);
      leave(c, "registry: no answer to a read", sentNanos);
    }
  }

  /**
   * A read asking for the view's revision was not answered by the registry at {@code index}: it is
   * behind (or unavailable). The view stays as it is, nothing is marked failed (the watch and the
   * session judge the registry), and a first such read is tried on the next registry.
   */
  private void readBehind(int index, boolean retry, Status status) {
    behindReads++;
    if (closed || retry || channels.size() < 2) {
      return;
    }
    log.debug(
        "{} did not answer a read of {} at revision {} ({}); asking {}",
        channels.address(index),
        service,
        revision,
        status.getDescription(),
        channels.address((index + 1) % channels.size()));
    read((index + 1) % channels.size(), true);
  }

  private void reconciled(GetServiceResponse r) {
    if (closed) {
      return;
    }
    Map<String, Instance> next;
    try {
      next = byId(Protos.fromProto(r.getInstancesList()));
    } catch (CairnException e) {
      log.warn("Dropping a malformed GetService answer for {}: {}", service, e.getMessage());
      return;
    }
    String from = r.getRegistryId();
    boolean sameRegistry = source != Source.REGISTRY || same(from, revisionRegistry);
    if (sameRegistry && source == Source.REGISTRY && r.getRevision() < revision) {
      // Older than what the view shows, from a member of the same registry that is behind: the
      // view never goes back, whether its watch is live or not (decision 0201).
      droppedReads++;
      return;
    }
    if (!live) {
      staleSinceNanos = settings.ticker.nanos();
    }
    if (!sameRegistry) {
      log.info(
          "View of {}: read from registry {} at revision {} (it showed registry {} at {}): taken"
              + " as a fresh start",
          service,
          from,
          r.getRevision(),
          revisionRegistry,
          revision);
    }
    update(next, r.getRevision(), from, true);
    ClientCall<WatchClientMessage, WatchResponse> c = watch;
    if (!sameRegistry) {
      // Another registry (one that lost its data, or another cluster): a fresh start, as a watch
      // takes one. A watch resumes from it, and one open on the old registry starts again.
      resumeRevision = r.getRevision();
      registryId = from;
      if (c != null && !watchRegistry.isEmpty() && !watchRegistry.equals(from)) {
        restartWatch(c, "the view moved to another registry");
      }
    }
  }

  // Whether revisions of registries `a` and `b` compare; "" (not known) compares with any.
  private static boolean same(String a, String b) {
    return a.isEmpty() || b.isEmpty() || a.equals(b);
  }

  // ---- state ----

  private void loadedFromDisk(GetServiceResponse r) {
    if (closed || source != Source.NONE) {
      return;
    }
    Map<String, Instance> next;
    try {
      next = byId(Protos.fromProto(r.getInstancesList()));
    } catch (CairnException e) {
      log.warn("Ignoring a malformed snapshot of {}: {}", service, e.getMessage());
      return;
    }
    source = Source.DISK;
    truth = next;
    shown = next;
    revision = r.getRevision();
    publish();
  }

  private void update(Map<String, Instance> next, long atRevision, String registry, boolean read) {
    long now = settings.ticker.nanos();
    if (source != Source.REGISTRY) {
      // The first registry answer replaces whatever the disk said, unguarded.
      guard.clear();
      shown = new TreeMap<>(next);
    } else {
      shown = guard.apply(shown, next, read, now);
    }
    source = Source.REGISTRY;
    truth = next;
    revision = atRevision;
    if (!registry.isEmpty()) {
      revisionRegistry = registry;
    }
    scheduleConfirm(now);
    publish();
    maybeAck();
    if (store != null) {
      store.write(service, revision, List.copyOf(shown.values()));
    }
  }

  private void scheduleConfirm(long now) {
    long at = guard.nextConfirmNanos();
    if (at < 0 || confirmTask != null) {
      return;
    }
    confirmTask =
        events.schedule(
            () -> {
              confirmTask = null;
              reconcile();
            },
            Math.max(0, at - now),
            TimeUnit.NANOSECONDS);
  }

  private void markStale(long sinceNanos) {
    staleSinceNanos = Math.min(sinceNanos, settings.ticker.nanos());
    publish();
  }

  private void publish() {
    Snapshot next =
        Snapshot.of(new ArrayList<>(shown.values()), revision, !live, source, guard.withheld());
    Snapshot old = published;
    if (old.instances().equals(next.instances())
        && old.isStale() == next.isStale()
        && old.source() == next.source()
        && old.withheld().equals(next.withheld())) {
      published = next;
      return;
    }
    published = next;
    if (source != Source.NONE) {
      ready.complete(this);
      for (Listener l : listeners) {
        notify(l, next);
      }
    }
  }

  private void notify(Listener l, Snapshot s) {
    try {
      l.onChange(s);
    } catch (RuntimeException e) {
      log.warn("A listener of {} failed", service, e);
    }
  }

  private void runOnEvents(Runnable r) {
    try {
      events.execute(r);
    } catch (RejectedExecutionException e) {
      // closed: nothing more happens
    }
  }

  private static Map<String, Instance> byId(List<Instance> instances) {
    Map<String, Instance> m = new TreeMap<>();
    for (Instance i : instances) {
      m.put(i.id(), i);
    }
    return m;
  }

  private static void cancel(ScheduledFuture<?> task) {
    if (task != null) {
      task.cancel(false);
    }
  }

  private final class WatchListener extends ClientCall.Listener<WatchResponse> {
    private final ClientCall<WatchClientMessage, WatchResponse> c;

    WatchListener(ClientCall<WatchClientMessage, WatchResponse> c) {
      this.c = c;
    }

    @Override
    public void onMessage(WatchResponse message) {
      if (c == watch) {
        watchMessage(c, message);
      }
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      if (c == watch) {
        watchEnded(status);
      }
    }
  }
}
