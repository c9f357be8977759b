package dev.cairn.server.core;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Ticker;
import java.time.Duration;

/** Tunables of a {@link Registry}. Immutable; every knob has a documented default. */
public final class RegistryOptions {

  private final Ticker ticker;
  private final java.time.Clock clock;
  private final Duration detachGrace;
  private final Duration sessionSweepInterval;
  private final int watchBufferEvents;
  private final int watchHistoryEvents;
  private final long watchHistoryBytes;
  private final int maxCommandsPerEntry;
  private final int maxEntriesInFlight;
  private final int maxForwardsInFlight;
  private final boolean autoExpireSessions;
  private final RegistryMonitor monitor;
  private final HealthProbe healthProbe;
  private final int maxConcurrentProbes;
  private final Duration flapHalfLife;
  private final double protectionThreshold;
  private final double selfPreservationThreshold;
  private final Duration selfPreservationWindow;
  private final int selfPreservationMinSessions;
  private final Duration selfPreservationMaxPause;

  private RegistryOptions(Builder b) {
    this.ticker = b.ticker;
    this.clock = b.clock;
    this.detachGrace = b.detachGrace;
    this.sessionSweepInterval = b.sessionSweepInterval;
    this.watchBufferEvents = b.watchBufferEvents;
    this.watchHistoryEvents = b.watchHistoryEvents;
    this.watchHistoryBytes = b.watchHistoryBytes;
    this.maxCommandsPerEntry = b.maxCommandsPerEntry;
    this.maxEntriesInFlight = b.maxEntriesInFlight;
    this.maxForwardsInFlight = b.maxForwardsInFlight;
    this.autoExpireSessions = b.autoExpireSessions;
    this.monitor = b.monitor;
    this.healthProbe = b.healthProbe;
    this.maxConcurrentProbes = b.maxConcurrentProbes;
    this.flapHalfLife = b.flapHalfLife;
    this.protectionThreshold = b.protectionThreshold;
    this.selfPreservationThreshold = b.selfPreservationThreshold;
    this.selfPreservationWindow = b.selfPreservationWindow;
    this.selfPreservationMinSessions = b.selfPreservationMinSessions;
    this.selfPreservationMaxPause = b.selfPreservationMaxPause;
  }

  /** The defaults. */
  public static RegistryOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these options, to change some of them. */
  public Builder toBuilder() {
    return new Builder()
        .ticker(ticker)
        .clock(clock)
        .detachGrace(detachGrace)
        .sessionSweepInterval(sessionSweepInterval)
        .watchBufferEvents(watchBufferEvents)
        .watchHistory(watchHistoryEvents, watchHistoryBytes)
        .maxCommandsPerEntry(maxCommandsPerEntry)
        .maxEntriesInFlight(maxEntriesInFlight)
        .maxForwardsInFlight(maxForwardsInFlight)
        .autoExpireSessions(autoExpireSessions)
        .monitor(monitor)
        .healthProbe(healthProbe)
        .maxConcurrentProbes(maxConcurrentProbes)
        .flapHalfLife(flapHalfLife)
        .protectionThreshold(protectionThreshold)
        .selfPreservationThreshold(selfPreservationThreshold)
        .selfPreservationWindow(selfPreservationWindow)
        .selfPreservationMinSessions(selfPreservationMinSessions)
        .selfPreservationMaxPause(selfPreservationMaxPause);
  }

  /** Time source for session leases; {@link Ticker#system()} by default. */
  public Ticker ticker() {
    return ticker;
  }

  /**
   * The wall clock that dates the writes of the audit ({@link Registry#audit}); only shown, never
   * decides anything. {@link java.time.Clock#systemUTC()} by default.
   */
  public java.time.Clock clock() {
    return clock;
  }

  /** How long a session whose stream broke waits to be resumed before it closes; 0 by default. */
  public Duration detachGrace() {
    return detachGrace;
  }

  /** How often expired sessions are looked for; 100 ms by default. */
  public Duration sessionSweepInterval() {
    return sessionSweepInterval;
  }

  /** Events one watcher may have queued before it is resynced with a snapshot; 1024 by default. */
  public int watchBufferEvents() {
    return watchBufferEvents;
  }

  /**
   * Most events the watch history keeps, across services, for watches that resume from a revision
   * (decision 0120); 10,000 by default, 0 keeps none. The oldest go first.
   */
  public int watchHistoryEvents() {
    return watchHistoryEvents;
  }

  /**
   * Most heap the watch history may hold, in bytes, as estimated from its events' instances; 8 MiB
   * by default. The oldest events go first.
   */
  public long watchHistoryBytes() {
    return watchHistoryBytes;
  }

  /** Most commands batched into one log entry; 512 by default. */
  public int maxCommandsPerEntry() {
    return maxCommandsPerEntry;
  }

  /**
   * Most log entries appended and not yet applied; 1 by default, on a single node and on a cluster:
   * every entry costs a chain of thread hand-offs (the log worker, the commit, the state-machine
   * updater; on a cluster every member's), so fewer, fuller entries are cheaper and, with blocking
   * callers, faster (decision 0113). Entries are appended in submission order either way.
   */
  public int maxEntriesInFlight() {
    return maxEntriesInFlight;
  }

  /**
   * On a cluster member that does not lead, most batches sent to the leader and not yet answered; 8
   * by default. A forwarded batch is no entry of its own (the leader merges it into its entries,
   * decision 0107), so more in flight cost no extra entries and keep a follower's clients from
   * waiting behind a whole round trip to the leader.
   */
  public int maxForwardsInFlight() {
    return maxForwardsInFlight;
  }

  /**
   * Whether a background task expires sessions every {@link #sessionSweepInterval()}; true by
   * default. Tests that drive a fake ticker turn it off and call the sweep themselves.
   */
  public boolean autoExpireSessions() {
    return autoExpireSessions;
  }

  /**
   * What the registry reports its work to, for metrics; {@link RegistryMonitor#NONE} by default.
   */
  public RegistryMonitor monitor() {
    return monitor;
  }

  /**
   * Runs the probes of HTTP, TCP and gRPC health checks; null by default, and then only TTL checks
   * run (the server sets its network probe).
   */
  public HealthProbe healthProbe() {
    return healthProbe;
  }

  /** Most health probes running at once; more wait for a free slot. 1024 by default. */
  public int maxConcurrentProbes() {
    return maxConcurrentProbes;
  }

  /**
   * Half-life of the flap penalty of a health check: each health change adds 1, and an instance
   * whose penalty passes 3.5 is held critical until it decays below 1.5. 60 s by default; 0 turns
   * flap damping off.
   */
  public Duration flapHalfLife() {
    return flapHalfLife;
  }

  /**
   * The protection threshold of services that set none: when fewer than this share (0..1) of a
   * service's instances are healthy, healthy-only reads return all of them. 0 (off) by default.
   */
  public double protectionThreshold() {
    return protectionThreshold;
  }

  /**
   * The share of sessions (0..1] that, expiring within {@link #selfPreservationWindow()}, pauses
   * session expiry; 0.5 by default; 0 turns self-preservation off.
   */
  public double selfPreservationThreshold() {
    return selfPreservationThreshold;
  }

  /** The window over which expiring sessions are counted; 30 s by default. */
  public Duration selfPreservationWindow() {
    return selfPreservationWindow;
  }

  /** Fewest sessions for self-preservation to apply; 10 by default. */
  public int selfPreservationMinSessions() {
    return selfPreservationMinSessions;
  }

  /** Longest pause of session expiry; then overdue sessions expire. 5 minutes by default. */
  public Duration selfPreservationMaxPause() {
    return selfPreservationMaxPause;
  }

  /** Builds {@link RegistryOptions}. */
  public static final class Builder {
    private Ticker ticker = Ticker.system();
    private java.time.Clock clock = java.time.Clock.systemUTC();
    private Duration detachGrace = Duration.ZERO;
    private Duration sessionSweepInterval = Duration.ofMillis(100);
    private int watchBufferEvents = 1024;
    private int watchHistoryEvents = 10_000;
    private long watchHistoryBytes = 8L << 20;
    private int maxCommandsPerEntry = 512;
    private int maxEntriesInFlight = 1;
    private int maxForwardsInFlight = 8;
    private boolean autoExpireSessions = true;
    private RegistryMonitor monitor = RegistryMonitor.NONE;
    private HealthProbe healthProbe;
    private int maxConcurrentProbes = 1024;
    private Duration flapHalfLife = Duration.ofSeconds(60);
    private double protectionThreshold;
    private double selfPreservationThreshold = 0.5;
    private Duration selfPreservationWindow = Duration.ofSeconds(30);
    private int selfPreservationMinSessions = 10;
    private Duration selfPreservationMaxPause = Duration.ofMinutes(5);

    private Builder() {}

    public Builder monitor(RegistryMonitor monitor) {
      this.monitor = requireNonNull(monitor, "monitor");
      return this;
    }

    public Builder ticker(Ticker ticker) {
      this.ticker = requireNonNull(ticker, "ticker");
      return this;
    }

    public Builder clock(java.time.Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    public Builder detachGrace(Duration detachGrace) {
      this.detachGrace = requireNonNull(detachGrace, "detachGrace");
      return this;
    }

    public Builder sessionSweepInterval(Duration sessionSweepInterval) {
      this.sessionSweepInterval = requireNonNull(sessionSweepInterval, "sessionSweepInterval");
      return this;
    }

    public Builder watchBufferEvents(int watchBufferEvents) {
      this.watchBufferEvents = watchBufferEvents;
      return this;
    }

    /** The watch history's bounds: most events and most estimated bytes. */
    public Builder watchHistory(int maxEvents, long maxBytes) {
      this.watchHistoryEvents = maxEvents;
      this.watchHistoryBytes = maxBytes;
      return this;
    }

    public Builder maxCommandsPerEntry(int maxCommandsPerEntry) {
      this.maxCommandsPerEntry = maxCommandsPerEntry;
      return this;
    }

    public Builder maxForwardsInFlight(int maxForwardsInFlight) {
      this.maxForwardsInFlight = maxForwardsInFlight;
      return this;
    }

    /** Most log entries in flight, at least 1; 1 by default (see the getter). */
    public Builder maxEntriesInFlight(int maxEntriesInFlight) {
      this.maxEntriesInFlight = maxEntriesInFlight;
      return this;
    }

    public Builder autoExpireSessions(boolean autoExpireSessions) {
      this.autoExpireSessions = autoExpireSessions;
      return this;
    }

    /** The probe of network health checks; null runs TTL checks only. */
    public Builder healthProbe(HealthProbe healthProbe) {
      this.healthProbe = healthProbe;
      return this;
    }

    public Builder maxConcurrentProbes(int maxConcurrentProbes) {
      this.maxConcurrentProbes = maxConcurrentProbes;
      return this;
    }

    public Builder flapHalfLife(Duration flapHalfLife) {
      this.flapHalfLife = requireNonNull(flapHalfLife, "flapHalfLife");
      return this;
    }

    public Builder protectionThreshold(double protectionThreshold) {
      this.protectionThreshold = protectionThreshold;
      return this;
    }

    public Builder selfPreservationThreshold(double selfPreservationThreshold) {
      this.selfPreservationThreshold = selfPreservationThreshold;
      return this;
    }

    public Builder selfPreservationWindow(Duration selfPreservationWindow) {
      this.selfPreservationWindow =
          requireNonNull(selfPreservationWindow, "selfPreservationWindow");
      return this;
    }

    public Builder selfPreservationMinSessions(int selfPreservationMinSessions) {
      this.selfPreservationMinSessions = selfPreservationMinSessions;
      return this;
    }

    public Builder selfPreservationMaxPause(Duration selfPreservationMaxPause) {
      this.selfPreservationMaxPause =
          requireNonNull(selfPreservationMaxPause, "selfPreservationMaxPause");
      return this;
    }

    /** Checks the values and returns the options. */
    public RegistryOptions build() {
      if (detachGrace.isNegative()) {
        throw new IllegalArgumentException("detachGrace: " + detachGrace + " (expected: >= 0)");
      }
      if (sessionSweepInterval.isNegative() || sessionSweepInterval.isZero()) {
        throw new IllegalArgumentException(
            "sessionSweepInterval: " + sessionSweepInterval + " (expected: > 0)");
      }
      if (watchBufferEvents < 1) {
        throw new IllegalArgumentException(
            "watchBufferEvents: " + watchBufferEvents + " (expected: >= 1)");
      }
      if (watchHistoryEvents < 0) {
        throw new IllegalArgumentException(
            "watchHistoryEvents: " + watchHistoryEvents + " (expected: >= 0)");
      }
      if (watchHistoryBytes < 0) {
        throw new IllegalArgumentException(
            "watchHistoryBytes: " + watchHistoryBytes + " (expected: >= 0)");
      }
      if (maxCommandsPerEntry < 1) {
        throw new IllegalArgumentException(
            "maxCommandsPerEntry: " + maxCommandsPerEntry + " (expected: >= 1)");
      }
      if (maxForwardsInFlight < 1) {
        throw new IllegalArgumentException(
            "maxForwardsInFlight: " + maxForwardsInFlight + " (expected: >= 1)");
      }
      if (maxEntriesInFlight < 1) {
        throw new IllegalArgumentException(
            "maxEntriesInFlight: " + maxEntriesInFlight + " (expected: >= 1)");
      }
      if (maxConcurrentProbes < 1) {
        throw new IllegalArgumentException(
            "maxConcurrentProbes: " + maxConcurrentProbes + " (expected: >= 1)");
      }
      if (flapHalfLife.isNegative()) {
        throw new IllegalArgumentException("flapHalfLife: " + flapHalfLife + " (expected: >= 0)");
      }
      if (!(protectionThreshold >= 0 && protectionThreshold <= 1)) {
        throw new IllegalArgumentException(
            "protectionThreshold: " + protectionThreshold + " (expected: 0..1)");
      }
      if (!(selfPreservationThreshold >= 0 && selfPreservationThreshold <= 1)) {
        throw new IllegalArgumentException(
            "selfPreservationThreshold: " + selfPreservationThreshold + " (expected: 0..1)");
      }
      if (selfPreservationWindow.isNegative() || selfPreservationWindow.isZero()) {
        throw new IllegalArgumentException(
            "selfPreservationWindow: " + selfPreservationWindow + " (expected: > 0)");
      }
      if (selfPreservationMinSessions < 1) {
        throw new IllegalArgumentException(
            "selfPreservationMinSessions: " + selfPreservationMinSessions + " (expected: >= 1)");
      }
      if (selfPreservationMaxPause.isNegative() || selfPreservationMaxPause.isZero()) {
        throw new IllegalArgumentException(
            "selfPreservationMaxPause: " + selfPreservationMaxPause + " (expected: > 0)");
      }
      return new RegistryOptions(this);
    }
  }
}
