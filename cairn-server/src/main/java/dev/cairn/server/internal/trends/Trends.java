package dev.cairn.server.internal.trends;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Health;
import dev.cairn.common.InstanceKind;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.RegistryMonitor;
import dev.cairn.server.core.ServiceEvent;
import dev.cairn.server.core.ServiceSnapshot;
import dev.cairn.server.core.ServiceSummary;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recent past of one server for the console (decision 0153), in bounded memory (about 3 MiB at
 * most with the defaults):
 *
 * <ul>
 *   <li>every service's instance and passing counts, sampled every {@value #SERVICE_STEP_MILLIS}
 *       ms, the last {@value #SERVICE_POINTS} samples (an hour), for at most {@value #MAX_SERVICES}
 *       services at a time;
 *   <li>the server's write rate (revisions applied per second) and push latency (from an event's
 *       commit to its hand-over to a watch transport: count, mean, maximum), every {@value
 *       #SERVER_STEP_MILLIS} ms, the last {@value #SERVER_POINTS} steps (an hour);
 *   <li>the last {@value #MAX_EVENTS} registry events of all namespaces, with their revision and
 *       the time this server applied them.
 * </ul>
 *
 * <p>Events and pushes come through {@link #monitor}; counts and rates are sampled by a daemon
 * thread once {@link #start} is called. The history starts with the server: nothing is stored on
 * disk. Thread-safe.
 */
public final class Trends implements AutoCloseable {

  /** How often service counts are sampled. */
  public static final long SERVICE_STEP_MILLIS = 60_000;

  /** Service samples kept: an hour. */
  public static final int SERVICE_POINTS = 60;

  /** How often the write rate and push latency are sampled. */
  public static final long SERVER_STEP_MILLIS = 10_000;

  /** Server samples kept: an hour. */
  public static final int SERVER_POINTS = 360;

  /** Services followed at most, all namespaces. */
  public static final int MAX_SERVICES = 4_096;

  /** Events kept, all namespaces. */
  public static final int MAX_EVENTS = 1_000;

  private static final Logger log = LoggerFactory.getLogger(Trends.class);

  private final Clock clock;
  private final ServiceCounts services;
  private final ServerSeries server;
  private final EventLog events;
  private ScheduledExecutorService sampler;
  private long lastServiceSample = Long.MIN_VALUE;
  private boolean closed;

  /** Trends with the default bounds, timed by {@code clock}. */
  public Trends(Clock clock) {
    this(clock, SERVICE_POINTS, MAX_SERVICES, SERVER_POINTS, MAX_EVENTS);
  }

  Trends(Clock clock, int servicePoints, int maxServices, int serverPoints, int maxEvents) {
    this.clock = requireNonNull(clock, "clock");
    this.services = new ServiceCounts(servicePoints, maxServices);
    this.server = new ServerSeries(serverPoints);
    this.events = new EventLog(maxEvents);
  }

  /** A registry monitor that records events and pushes here, then tells {@code delegate}. */
  public RegistryMonitor monitor(RegistryMonitor delegate) {
    return new Tap(requireNonNull(delegate, "delegate"));
  }

  /**
   * Samples {@code registry} now and then every {@value #SERVER_STEP_MILLIS} ms on a daemon thread,
   * until {@link #close}.
   */
  public synchronized void start(Registry registry) {
    requireNonNull(registry, "registry");
    if (sampler != null || closed) {
      throw new IllegalStateException("started or closed");
    }
    sampler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "cairn-trends");
              t.setDaemon(true);
              return t;
            });
    sampler.scheduleAtFixedRate(
        () -> {
          try {
            sample(registry);
          } catch (RuntimeException e) {
            log.warn("could not sample the registry for the console's history", e);
          }
        },
        0,
        SERVER_STEP_MILLIS,
        TimeUnit.MILLISECONDS);
  }

  private void sample(Registry registry) {
    long now = clock.millis();
    long revision = registry.revision();
    Map<String, List<ServiceSummary>> byNamespace = null;
    if (serviceSampleDue(now)) {
      byNamespace = new HashMap<>();
      for (ServiceSnapshot s : registry.allServices()) {
        byNamespace.computeIfAbsent(s.namespace(), ns -> registry.services(ns).services());
      }
    }
    sample(now, revision, byNamespace);
  }

  private synchronized boolean serviceSampleDue(long now) {
    // Half a server step of slack: a sampler running a little early does not skip a minute.
    return now - lastServiceSample >= SERVICE_STEP_MILLIS - SERVER_STEP_MILLIS / 2
        || lastServiceSample == Long.MIN_VALUE;
  }

  /**
   * Records one sample at {@code timeMillis}: the registry at {@code revision}, and, when not null,
   * every service's counts by namespace.
   */
  void sample(long timeMillis, long revision, Map<String, List<ServiceSummary>> byNamespace) {
    server.sample(timeMillis, revision);
    if (byNamespace != null) {
      synchronized (this) {
        lastServiceSample = timeMillis;
      }
      services.sample(timeMillis, byNamespace);
    }
  }

  /** The kept samples of the services of {@code namespace}. */
  public ServiceHistory services(String namespace) {
    return services.of(namespace);
  }

  /**
   * The kept samples of the server's write rate and push latency, and the step in progress now, the
   * registry being at {@code revision}.
   */
  public ServerHistory server(long revision) {
    return server.history(clock.millis(), revision);
  }

  /**
   * The newest {@code limit} events of {@code namespace} with a revision above {@code after},
   * oldest first.
   */
  public Timeline events(String namespace, long after, int limit) {
    return events.since(namespace, after, limit);
  }

  /** Stops sampling. */
  @Override
  public synchronized void close() {
    closed = true;
    if (sampler != null) {
      sampler.shutdownNow();
    }
  }

  /** What happened to an instance. */
  public enum EventKind {
    REGISTERED,
    /** Re-registered or changed, its health unchanged. */
    UPDATED,
    HEALTH_CHANGED,
    REMOVED;

    /**
     * The name in the API: {@code registered}, {@code updated}, {@code health}, {@code removed}.
     */
    public String apiName() {
      return this == HEALTH_CHANGED ? "health" : name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** One event: what happened to an instance, at which revision and when it was applied here. */
  public record Event(
      long revision,
      long timeMillis,
      String namespace,
      String service,
      String instanceId,
      EventKind kind,
      Health health,
      Health previousHealth) {}

  /**
   * Events oldest first; {@code truncated} when older matching events were left out; {@code
   * oldestRevision} is the revision of the oldest event kept (any namespace), 0 when none.
   */
  public record Timeline(List<Event> events, boolean truncated, long oldestRevision) {}

  /** A service's counts at each sample of its {@link ServiceHistory}. */
  public record ServiceSeries(String service, int[] instances, int[] passing) {}

  /**
   * Service samples: their times (epoch milliseconds), and each followed service's counts, sorted
   * by name; {@code unfollowed} services had instances at the last sample but were over {@value
   * #MAX_SERVICES}.
   */
  public record ServiceHistory(long[] times, List<ServiceSeries> services, long unfollowed) {}

  /**
   * Server samples: each step's end (epoch milliseconds), writes per second and pushes; {@code
   * current} is the step in progress.
   */
  public record ServerHistory(
      long[] times,
      double[] writesPerSecond,
      long[] pushes,
      double[] meanLagMillis,
      double[] maxLagMillis,
      Step current) {}

  /** One step of the server: its time, writes per second and pushes with their mean and max lag. */
  public record Step(
      long timeMillis,
      double writesPerSecond,
      long pushes,
      double meanLagMillis,
      double maxLagMillis) {}

  /** Records events and pushes, then tells the delegate everything. */
  private final class Tap implements RegistryMonitor {
    private final RegistryMonitor delegate;

    Tap(RegistryMonitor delegate) {
      this.delegate = delegate;
    }

    @Override
    public void serviceChanged(String namespace, String service, List<ServiceEvent> changes) {
      events.append(namespace, service, changes, clock.millis());
      delegate.serviceChanged(namespace, service, changes);
    }

    @Override
    public void eventsDelivered(int count, long lagNanos) {
      server.pushed(lagNanos);
      delegate.eventsDelivered(count, lagNanos);
    }

    @Override
    public void registered(InstanceKind kind) {
      delegate.registered(kind);
    }

    @Override
    public void deregistered() {
      delegate.deregistered();
    }

    @Override
    public void sessionOpened(boolean resumed) {
      delegate.sessionOpened(resumed);
    }

    @Override
    public void sessionExpired() {
      delegate.sessionExpired();
    }

    @Override
    public void snapshotDelivered(boolean resync) {
      delegate.snapshotDelivered(resync);
    }

    @Override
    public void healthProbed(String type, Health result, long nanos) {
      delegate.healthProbed(type, result, nanos);
    }

    @Override
    public void protectionApplied() {
      delegate.protectionApplied();
    }
  }
}
