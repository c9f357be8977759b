package dev.cairn.client.lb;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * When the {@link Balancer} ejects an endpoint (takes it out of picking for a while). Defaults
 * follow Envoy's outlier detection. Immutable.
 *
 * <table>
 *   <caption>Settings and defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>consecutiveFailures</td><td>5</td><td>failures in a row that eject; 0 disables</td></tr>
 *   <tr><td>interval</td><td>10 s</td><td>how often success rates are compared</td></tr>
 *   <tr><td>baseEjectionTime</td><td>30 s</td><td>ejection lasts this × times ejected</td></tr>
 *   <tr><td>maxEjectionTime</td><td>300 s</td><td>cap on one ejection</td></tr>
 *   <tr><td>maxEjectionPercent</td><td>10</td><td>share of endpoints ejected at once, at least
 *       one</td></tr>
 *   <tr><td>successRateMinimumHosts</td><td>5</td><td>endpoints with enough calls needed to compare
 *       success rates</td></tr>
 *   <tr><td>successRateRequestVolume</td><td>100</td><td>calls in an interval for an endpoint to
 *       count</td></tr>
 *   <tr><td>successRateStdevFactor</td><td>1.9</td><td>eject below mean − factor × stdev</td></tr>
 *   <tr><td>ejectOnRefused</td><td>true</td><td>a refused connection ejects at once</td></tr>
 * </table>
 */
public final class OutlierDetection {

  private static final OutlierDetection DEFAULTS = builder().build();

  private final int consecutiveFailures;
  private final Duration interval;
  private final Duration baseEjectionTime;
  private final Duration maxEjectionTime;
  private final int maxEjectionPercent;
  private final int successRateMinimumHosts;
  private final int successRateRequestVolume;
  private final double successRateStdevFactor;
  private final boolean ejectOnRefused;

  private OutlierDetection(Builder b) {
    this.consecutiveFailures = b.consecutiveFailures;
    this.interval = b.interval;
    this.baseEjectionTime = b.baseEjectionTime;
    this.maxEjectionTime = b.maxEjectionTime;
    this.maxEjectionPercent = b.maxEjectionPercent;
    this.successRateMinimumHosts = b.successRateMinimumHosts;
    this.successRateRequestVolume = b.successRateRequestVolume;
    this.successRateStdevFactor = b.successRateStdevFactor;
    this.ejectOnRefused = b.ejectOnRefused;
  }

  /** The defaults in the table above. */
  public static OutlierDetection defaults() {
    return DEFAULTS;
  }

  /** No ejection at all. */
  public static OutlierDetection disabled() {
    return builder()
        .consecutiveFailures(0)
        .successRateMinimumHosts(0)
        .ejectOnRefused(false)
        .build();
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  public int consecutiveFailures() {
    return consecutiveFailures;
  }

  public Duration interval() {
    return interval;
  }

  public Duration baseEjectionTime() {
    return baseEjectionTime;
  }

  public Duration maxEjectionTime() {
    return maxEjectionTime;
  }

  public int maxEjectionPercent() {
    return maxEjectionPercent;
  }

  public int successRateMinimumHosts() {
    return successRateMinimumHosts;
  }

  public int successRateRequestVolume() {
    return successRateRequestVolume;
  }

  public double successRateStdevFactor() {
    return successRateStdevFactor;
  }

  public boolean ejectOnRefused() {
    return ejectOnRefused;
  }

  /** How many of {@code endpoints} may be ejected at once: the percentage, at least one. */
  int maxEjected(int endpoints) {
    return Math.max(1, endpoints * maxEjectionPercent / 100);
  }

  /** Builds {@link OutlierDetection}; {@link #build()} checks every field. */
  public static final class Builder {
    private int consecutiveFailures = 5;
    private Duration interval = Duration.ofSeconds(10);
    private Duration baseEjectionTime = Duration.ofSeconds(30);
    private Duration maxEjectionTime = Duration.ofSeconds(300);
    private int maxEjectionPercent = 10;
    private int successRateMinimumHosts = 5;
    private int successRateRequestVolume = 100;
    private double successRateStdevFactor = 1.9;
    private boolean ejectOnRefused = true;

    private Builder() {}

    /** Failures in a row that eject; 0 disables; default 5. */
    public Builder consecutiveFailures(int consecutiveFailures) {
      this.consecutiveFailures = consecutiveFailures;
      return this;
    }

    /** How often success rates are compared and ejections expire; default 10 s. */
    public Builder interval(Duration interval) {
      this.interval = requireNonNull(interval, "interval");
      return this;
    }

    /** Ejection lasts this × the times the endpoint was ejected; default 30 s. */
    public Builder baseEjectionTime(Duration baseEjectionTime) {
      this.baseEjectionTime = requireNonNull(baseEjectionTime, "baseEjectionTime");
      return this;
    }

    /** Cap on one ejection; default 300 s. */
    public Builder maxEjectionTime(Duration maxEjectionTime) {
      this.maxEjectionTime = requireNonNull(maxEjectionTime, "maxEjectionTime");
      return this;
    }

    /** Share of endpoints (0..100) that may be ejected at once, at least one; default 10. */
    public Builder maxEjectionPercent(int maxEjectionPercent) {
      this.maxEjectionPercent = maxEjectionPercent;
      return this;
    }

    /** Endpoints with enough calls needed to compare success rates; 0 disables; default 5. */
    public Builder successRateMinimumHosts(int successRateMinimumHosts) {
      this.successRateMinimumHosts = successRateMinimumHosts;
      return this;
    }

    /** Calls in an interval for an endpoint to take part; default 100. */
    public Builder successRateRequestVolume(int successRateRequestVolume) {
      this.successRateRequestVolume = successRateRequestVolume;
      return this;
    }

    /** Endpoints below mean − factor × stdev are ejected; default 1.9. */
    public Builder successRateStdevFactor(double successRateStdevFactor) {
      this.successRateStdevFactor = successRateStdevFactor;
      return this;
    }

    /** Whether a refused connection ejects at once; default true. */
    public Builder ejectOnRefused(boolean ejectOnRefused) {
      this.ejectOnRefused = ejectOnRefused;
      return this;
    }

    /**
     * The settings.
     *
     * @throws IllegalArgumentException naming the first field out of range
     */
    public OutlierDetection build() {
      Checks.atLeast("consecutiveFailures", consecutiveFailures, 0);
      Checks.positive("interval", interval);
      Checks.positive("baseEjectionTime", baseEjectionTime);
      Checks.positive("maxEjectionTime", maxEjectionTime);
      if (maxEjectionTime.compareTo(baseEjectionTime) < 0) {
        throw new IllegalArgumentException(
            "maxEjectionTime: " + maxEjectionTime + " (expected: >= baseEjectionTime)");
      }
      Checks.range("maxEjectionPercent", maxEjectionPercent, 0, 100);
      Checks.atLeast("successRateMinimumHosts", successRateMinimumHosts, 0);
      Checks.atLeast("successRateRequestVolume", successRateRequestVolume, 1);
      Checks.range("successRateStdevFactor", successRateStdevFactor, 0, 100);
      return new OutlierDetection(this);
    }
  }
}
