package dev.cairn.server.core;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Ticker;
import java.time.Duration;

/** Tunables of a {@link Registry}. Immutable; every knob has a documented default. */
public final class RegistryOptions {

  private final Ticker ticker;
  private final Duration detachGrace;
  private final Duration sessionSweepInterval;
  private final int watchBufferEvents;
  private final int maxCommandsPerEntry;
  private final int maxEntriesInFlight;
  private final boolean autoExpireSessions;
  private final RegistryMonitor monitor;

  private RegistryOptions(Builder b) {
    this.ticker = b.ticker;
    this.detachGrace = b.detachGrace;
    this.sessionSweepInterval = b.sessionSweepInterval;
    this.watchBufferEvents = b.watchBufferEvents;
    this.maxCommandsPerEntry = b.maxCommandsPerEntry;
    this.maxEntriesInFlight = b.maxEntriesInFlight;
    this.autoExpireSessions = b.autoExpireSessions;
    this.monitor = b.monitor;
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
        .detachGrace(detachGrace)
        .sessionSweepInterval(sessionSweepInterval)
        .watchBufferEvents(watchBufferEvents)
        .maxCommandsPerEntry(maxCommandsPerEntry)
        .maxEntriesInFlight(maxEntriesInFlight)
        .autoExpireSessions(autoExpireSessions)
        .monitor(monitor);
  }

  /** Time source for session leases; {@link Ticker#system()} by default. */
  public Ticker ticker() {
    return ticker;
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

  /** Most commands batched into one log entry; 512 by default. */
  public int maxCommandsPerEntry() {
    return maxCommandsPerEntry;
  }

  /**
   * Most log entries appended and not yet applied; 2 by default, so one entry is made durable while
   * the previous one is applied. Entries are appended in submission order either way.
   */
  public int maxEntriesInFlight() {
    return maxEntriesInFlight;
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

  /** Builds {@link RegistryOptions}. */
  public static final class Builder {
    private Ticker ticker = Ticker.system();
    private Duration detachGrace = Duration.ZERO;
    private Duration sessionSweepInterval = Duration.ofMillis(100);
    private int watchBufferEvents = 1024;
    private int maxCommandsPerEntry = 512;
    private int maxEntriesInFlight = 2;
    private boolean autoExpireSessions = true;
    private RegistryMonitor monitor = RegistryMonitor.NONE;

    private Builder() {}

    public Builder monitor(RegistryMonitor monitor) {
      this.monitor = requireNonNull(monitor, "monitor");
      return this;
    }

    public Builder ticker(Ticker ticker) {
      this.ticker = requireNonNull(ticker, "ticker");
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

    public Builder maxCommandsPerEntry(int maxCommandsPerEntry) {
      this.maxCommandsPerEntry = maxCommandsPerEntry;
      return this;
    }

    public Builder maxEntriesInFlight(int maxEntriesInFlight) {
      this.maxEntriesInFlight = maxEntriesInFlight;
      return this;
    }

    public Builder autoExpireSessions(boolean autoExpireSessions) {
      this.autoExpireSessions = autoExpireSessions;
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
      if (maxCommandsPerEntry < 1) {
        throw new IllegalArgumentException(
            "maxCommandsPerEntry: " + maxCommandsPerEntry + " (expected: >= 1)");
      }
      if (maxEntriesInFlight < 1) {
        throw new IllegalArgumentException(
            "maxEntriesInFlight: " + maxEntriesInFlight + " (expected: >= 1)");
      }
      return new RegistryOptions(this);
    }
  }
}
