package dev.cairn.spring;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.CairnException;
import dev.cairn.common.Instance;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.cloud.client.discovery.event.InstanceRegisteredEvent;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationEventPublisherAware;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;

/**
 * Registers this application when it is ready to serve and drains it before it stops serving.
 *
 * <ul>
 *   <li><b>Registration</b>: after {@link ApplicationReadyEvent}, when Spring Boot's readiness
 *       state becomes {@link ReadinessState#ACCEPTING_TRAFFIC} (not when the web server binds, as
 *       Spring Cloud's {@code AbstractAutoServiceRegistration} does): the instance carries the
 *       address, the web server's port as {@code http}, the management port as {@code management}
 *       when it differs, zone, tags, metadata and weight, then every {@link
 *       CairnRegistrationCustomizer}; then Spring Cloud's {@link InstanceRegisteredEvent}.
 *   <li><b>Drain</b>: when readiness becomes {@link ReadinessState#REFUSING_TRAFFIC} (Spring Boot
 *       sets it first thing on a graceful shutdown) or, at the latest, when this lifecycle stops
 *       (before the web server's graceful shutdown, whose phase is lower): deregister, then wait
 *       until the registry confirms every watcher received the removal, or the drain timeout passes
 *       ({@link RegistrationDrain}); then, with a {@link RequestActivity}, until no request arrived
 *       for the quiet period (callers that picked this instance just before their view changed).
 *       Only then does the web server stop accepting requests and finish those in flight.
 * </ul>
 *
 * <p>Thread-safe: events and lifecycle calls may come from different threads; one lock orders them,
 * and it is never held while waiting for the registry.
 */
public final class CairnAutoRegistration
    implements SmartLifecycle,
        ApplicationListener<ApplicationEvent>,
        ApplicationEventPublisherAware {

  /** Stops before the web server's graceful shutdown ({@code DEFAULT_PHASE - 1024}). */
  public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;

  private static final Logger log = LoggerFactory.getLogger(CairnAutoRegistration.class);

  private final CairnServiceRegistry registry;
  private final Settings settings;
  private final Supplier<List<CairnRegistrationCustomizer>> customizers;
  private final String instanceId;
  private final RequestActivity activity;
  private final CairnRegistration springRegistration;
  private final Object lock = new Object();
  private volatile ApplicationEventPublisher events;
  // Guarded by lock.
  private boolean ready;
  private boolean running;
  private Integer webPort;
  private Integer managementPort;
  private CairnRegistration current;
  private DrainResult lastDrain;

  /**
   * An auto-registration through {@code registry}; {@code activity} (null: no web server) gives the
   * drain its quiet period.
   *
   * @throws IllegalArgumentException naming the property when the settings cannot make an instance
   *     (e.g. a service name that is not a DNS label)
   */
  public CairnAutoRegistration(
      CairnServiceRegistry registry,
      Settings settings,
      Supplier<List<CairnRegistrationCustomizer>> customizers,
      RequestActivity activity) {
    this.activity = activity;
    this.registry = requireNonNull(registry, "registry");
    this.settings = requireNonNull(settings, "settings");
    this.customizers = requireNonNull(customizers, "customizers");
    this.instanceId =
        settings.instanceId.isEmpty()
            ? settings.service + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong())
            : settings.instanceId;
    this.springRegistration = CairnRegistration.pending(settings.service, instanceId);
    try {
      template("127.0.0.1").port("http", 1).build();
    } catch (CairnException e) {
      throw new IllegalArgumentException("cairn.registration: " + e.getMessage(), e);
    }
  }

  /** Records the port of a web server ({@code "management"} namespace: the management port). */
  public void webServerStarted(String serverNamespace, int port) {
    synchronized (lock) {
      if ("management".equals(serverNamespace)) {
        managementPort = port;
      } else {
        webPort = port;
      }
    }
  }

  @Override
  public void onApplicationEvent(ApplicationEvent event) {
    if (event instanceof ApplicationReadyEvent) {
      synchronized (lock) {
        ready = true;
      }
    } else if (event instanceof AvailabilityChangeEvent) {
      Object state = ((AvailabilityChangeEvent<?>) event).getState();
      if (state == ReadinessState.ACCEPTING_TRAFFIC) {
        register();
      } else if (state == ReadinessState.REFUSING_TRAFFIC) {
        drain();
      }
    }
  }

  /**
   * Spring Cloud's {@code Registration} of this application: it exists from the start (Spring
   * Cloud's {@code /actuator/serviceregistry} needs it before the application is ready) and is
   * filled in at each registration. The same object as {@link #registration()} once registered.
   */
  public CairnRegistration serviceRegistration() {
    return springRegistration;
  }

  /** The registration in force, or null. */
  public CairnRegistration registration() {
    synchronized (lock) {
      return current;
    }
  }

  /** How the last drain ended, or null when there was none. */
  public DrainResult lastDrain() {
    synchronized (lock) {
      return lastDrain;
    }
  }

  private void register() {
    CairnRegistration r;
    synchronized (lock) {
      if (!ready || current != null) {
        return;
      }
      Instance.Builder b = template(settings.address.get());
      Integer http = settings.port != null ? settings.port : webPort;
      if (http != null && http > 0) {
        b.port("http", http);
      }
      if (settings.registerManagementPort
          && managementPort != null
          && !managementPort.equals(http)) {
        b.port("management", managementPort);
      }
      for (CairnRegistrationCustomizer c : customizers.get()) {
        c.customize(b);
      }
      Instance instance = b.build();
      if (instance.ports().isEmpty()) {
        log.warn(
            "Not registering {} in Cairn: no port to register (no web server, no "
                + "cairn.registration.port, no gRPC server)",
            instance.service());
        return;
      }
      springRegistration.fill(instance);
      r = springRegistration;
      current = r;
    }
    registry.register(r);
    ApplicationEventPublisher publisher = events;
    if (publisher != null) {
      // Spring Cloud's signal that this instance registered (its discovery health starts then).
      publisher.publishEvent(new InstanceRegisteredEvent<>(this, r));
    }
  }

  @Override
  public void setApplicationEventPublisher(ApplicationEventPublisher publisher) {
    this.events = publisher;
  }

  /** Deregisters and waits for the drain; idempotent. Returns how it ended, or null. */
  public DrainResult drain() {
    CairnRegistration r;
    synchronized (lock) {
      r = current;
      current = null;
    }
    if (r == null) {
      return null;
    }
    long start = System.nanoTime();
    DrainResult result = registry.deregisterAndDrain(r, settings.drainTimeout);
    if (activity != null && !settings.quietPeriod.isZero()) {
      Duration left = settings.drainTimeout.minusNanos(System.nanoTime() - start);
      try {
        Duration waited =
            activity.awaitQuiet(settings.quietPeriod, left.isNegative() ? Duration.ZERO : left);
        log.info("No request for {} after the drain (waited {})", settings.quietPeriod, waited);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (lock) {
      lastDrain = result;
    }
    return result;
  }

  private Instance.Builder template(String address) {
    return Instance.builder(settings.service, address)
        .id(instanceId)
        .zone(settings.zone)
        .tags(settings.tags)
        .metadata(settings.metadata)
        .weight(settings.weight);
  }

  @Override
  public void start() {
    synchronized (lock) {
      running = true;
    }
  }

  @Override
  public void stop() {
    drain();
    synchronized (lock) {
      running = false;
    }
  }

  @Override
  public boolean isRunning() {
    synchronized (lock) {
      return running;
    }
  }

  @Override
  public int getPhase() {
    return PHASE;
  }

  /** What the auto-registration registers; immutable. */
  public static final class Settings {
    final String service;
    final String instanceId;
    final Supplier<String> address;
    final Integer port;
    final boolean registerManagementPort;
    final String zone;
    final List<String> tags;
    final Map<String, String> metadata;
    final int weight;
    final Duration drainTimeout;
    final Duration quietPeriod;

    /**
     * Settings; {@code address} is asked at each registration, {@code port} null means the web
     * server's.
     */
    public Settings(
        String service,
        String instanceId,
        Supplier<String> address,
        Integer port,
        boolean registerManagementPort,
        String zone,
        List<String> tags,
        Map<String, String> metadata,
        int weight,
        Duration drainTimeout,
        Duration quietPeriod) {
      this.service = requireNonNull(service, "service");
      this.instanceId = requireNonNull(instanceId, "instanceId");
      this.address = requireNonNull(address, "address");
      this.port = port;
      this.registerManagementPort = registerManagementPort;
      this.zone = requireNonNull(zone, "zone");
      this.tags = List.copyOf(tags);
      this.metadata = Map.copyOf(metadata);
      this.weight = weight;
      this.drainTimeout = requireNonNull(drainTimeout, "drainTimeout");
      this.quietPeriod = requireNonNull(quietPeriod, "quietPeriod");
      if (quietPeriod.isNegative()) {
        throw new IllegalArgumentException(
            "cairn.registration.drain-quiet-period: " + quietPeriod + " (expected: >= 0)");
      }
      if (drainTimeout.isNegative()) {
        throw new IllegalArgumentException(
            "cairn.registration.drain-timeout: " + drainTimeout + " (expected: >= 0)");
      }
    }
  }
}
