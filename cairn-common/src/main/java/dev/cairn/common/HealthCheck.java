package dev.cairn.common;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Locale;

/**
 * A health check the registry runs for an instance, part of its registration. Immutable; built with
 * {@link #builder(Type)}, whose {@link Builder#build()} checks every field against the bounds below
 * ({@link Instance.Builder#build()} also checks that {@link #port()} names one of the instance's
 * ports).
 *
 * <ul>
 *   <li>{@link Type#HTTP}: {@code GET http://<address>:<port><path>}; 2xx is passing, 429 warning,
 *       anything else, a connection failure or no full answer within the timeout critical.
 *   <li>{@link Type#TCP}: a TCP connect to {@code <address>:<port>} within the timeout.
 *   <li>{@link Type#GRPC}: {@code grpc.health.v1.Health/Check} for the service named by {@link
 *       #path()} (empty: the whole server); SERVING is passing, anything else critical.
 *   <li>{@link Type#TTL}: the instance reports its health itself; when no report comes within
 *       {@link #interval()} it turns critical.
 * </ul>
 *
 * <p>A result that differs from the instance's health must repeat {@link #rise()} times in a row
 * (towards passing) or {@link #fall()} times (towards warning or critical) before the health
 * changes.
 */
public final class HealthCheck {

  /** Shortest interval between two runs of a check (also the shortest TTL). */
  public static final Duration MIN_INTERVAL = Duration.ofMillis(100);

  /** Longest interval between two runs of a check (also the longest TTL). */
  public static final Duration MAX_INTERVAL = Duration.ofHours(1);

  /** Shortest probe timeout. */
  public static final Duration MIN_TIMEOUT = Duration.ofMillis(10);

  /** Longest probe timeout; never longer than the interval either. */
  public static final Duration MAX_TIMEOUT = Duration.ofMinutes(1);

  /** Largest {@link #rise()} and {@link #fall()}. */
  public static final int MAX_THRESHOLD = 10;

  /** Longest HTTP path or gRPC service name. */
  public static final int MAX_PATH_LENGTH = 512;

  /** Defaults: every 10 s, 2 s timeout, rise 2, fall 3. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
  public static final int DEFAULT_RISE = 2;
  public static final int DEFAULT_FALL = 3;

  /** What a check does. */
  public enum Type {
    HTTP,
    TCP,
    GRPC,
    TTL;

    /** The lower-case name used by the HTTP API and the command line. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Type type;
  private final String port;
  private final String path;
  private final long intervalMillis;
  private final long timeoutMillis;
  private final int rise;
  private final int fall;

  private HealthCheck(Builder b) {
    this.type = b.type;
    this.port = b.port;
    this.path = b.path;
    this.intervalMillis = b.interval.toMillis();
    this.timeoutMillis = b.timeout.toMillis();
    this.rise = b.rise;
    this.fall = b.fall;
  }

  /** A builder for a check of {@code type} with the defaults. */
  public static Builder builder(Type type) {
    return new Builder(requireNonNull(type, "type"));
  }

  public Type type() {
    return type;
  }

  /**
   * The name of the instance port probed (HTTP, TCP, gRPC); empty for TTL checks, or to mean the
   * instance's only port.
   */
  public String port() {
    return port;
  }

  /** The HTTP path ({@code /} by default) or the gRPC service name (empty by default). */
  public String path() {
    return path;
  }

  /** Time between two runs; for TTL checks, the longest silence before critical. */
  public Duration interval() {
    return Duration.ofMillis(intervalMillis);
  }

  public long intervalMillis() {
    return intervalMillis;
  }

  /** How long one probe may take before it counts as critical; not used by TTL checks. */
  public Duration timeout() {
    return Duration.ofMillis(timeoutMillis);
  }

  public long timeoutMillis() {
    return timeoutMillis;
  }

  /** Passing results in a row that make an unhealthy instance passing. */
  public int rise() {
    return rise;
  }

  /** Failing results in a row that make a passing instance warning or critical. */
  public int fall() {
    return fall;
  }

  /** A builder holding this check's fields. */
  public Builder toBuilder() {
    return builder(type)
        .port(port)
        .path(path)
        .interval(interval())
        .timeout(timeout())
        .rise(rise)
        .fall(fall);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof HealthCheck)) {
      return false;
    }
    HealthCheck c = (HealthCheck) o;
    return type == c.type
        && port.equals(c.port)
        && path.equals(c.path)
        && intervalMillis == c.intervalMillis
        && timeoutMillis == c.timeoutMillis
        && rise == c.rise
        && fall == c.fall;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(type, port, path, intervalMillis, timeoutMillis, rise, fall);
  }

  @Override
  public String toString() {
    return type.label()
        + (port.isEmpty() ? "" : " port=" + port)
        + (path.isEmpty() ? "" : " path=" + path)
        + " every "
        + Durations.format(interval())
        + (type == Type.TTL ? "" : " timeout " + Durations.format(timeout()))
        + " rise "
        + rise
        + " fall "
        + fall;
  }

  /** Builds a {@link HealthCheck}; not thread-safe. */
  public static final class Builder {
    private final Type type;
    private String port = "";
    private String path;
    private Duration interval = DEFAULT_INTERVAL;
    private Duration timeout;
    private int rise = DEFAULT_RISE;
    private int fall = DEFAULT_FALL;

    private Builder(Type type) {
      this.type = type;
    }

    /** The instance port to probe, by name; empty for the instance's only port. */
    public Builder port(String port) {
      this.port = requireNonNull(port, "port");
      return this;
    }

    /** The HTTP path (starting with {@code /}) or the gRPC service name. */
    public Builder path(String path) {
      this.path = requireNonNull(path, "path");
      return this;
    }

    /** Time between runs, or the TTL of a TTL check; 10 s by default. */
    public Builder interval(Duration interval) {
      this.interval = requireNonNull(interval, "interval");
      return this;
    }

    /** Probe timeout; 2 s or the interval, whichever is shorter, by default. */
    public Builder timeout(Duration timeout) {
      this.timeout = requireNonNull(timeout, "timeout");
      return this;
    }

    public Builder rise(int rise) {
      this.rise = rise;
      return this;
    }

    public Builder fall(int fall) {
      this.fall = fall;
      return this;
    }

    /**
     * Checks every field and returns the check.
     *
     * @throws CairnException {@link ErrorCode#INVALID_ARGUMENT} naming the first bad field, as
     *     {@code check.<field>}
     */
    public HealthCheck build() {
      if (interval.compareTo(MIN_INTERVAL) < 0 || interval.compareTo(MAX_INTERVAL) > 0) {
        throw CairnException.invalid(
            "check.interval",
            Durations.format(interval),
            Durations.format(MIN_INTERVAL) + ".." + Durations.format(MAX_INTERVAL));
      }
      if (timeout == null) {
        timeout = DEFAULT_TIMEOUT.compareTo(interval) < 0 ? DEFAULT_TIMEOUT : interval;
      }
      Duration maxTimeout = MAX_TIMEOUT.compareTo(interval) < 0 ? MAX_TIMEOUT : interval;
      if (timeout.compareTo(MIN_TIMEOUT) < 0 || timeout.compareTo(maxTimeout) > 0) {
        throw CairnException.invalid(
            "check.timeout",
            Durations.format(timeout),
            Durations.format(MIN_TIMEOUT)
                + ".."
                + Durations.format(maxTimeout)
                + " (at most the interval)");
      }
      checkThreshold("check.rise", rise);
      checkThreshold("check.fall", fall);
      if (!port.isEmpty()) {
        Names.checkLabel("check.port", port);
      }
      if (type == Type.TTL && !port.isEmpty()) {
        throw CairnException.invalid("check.port", port, "no port for a ttl check");
      }
      if (path == null) {
        path = type == Type.HTTP ? "/" : "";
      }
      if (path.length() > MAX_PATH_LENGTH) {
        throw CairnException.invalid(
            "check.path", path.length() + " chars", "<= " + MAX_PATH_LENGTH + " chars");
      }
      for (int i = 0; i < path.length(); i++) {
        char c = path.charAt(i);
        if (c <= ' ' || c >= 0x7f) {
          throw CairnException.invalid("check.path", path, "printable ASCII without spaces");
        }
      }
      if (type == Type.HTTP && !path.startsWith("/")) {
        throw CairnException.invalid("check.path", path, "an HTTP path starting with /");
      }
      if ((type == Type.TCP || type == Type.TTL) && !path.isEmpty()) {
        throw CairnException.invalid(
            "check.path", path, "no path for a " + type.label() + " check");
      }
      return new HealthCheck(this);
    }

    private static void checkThreshold(String field, int value) {
      if (value < 1 || value > MAX_THRESHOLD) {
        throw CairnException.invalid(field, value, "1.." + MAX_THRESHOLD);
      }
    }
  }
}
