package dev.cairn.client.lb;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Settings of the per-endpoint peak-EWMA latency estimate that latency-aware policies read.
 * Immutable.
 *
 * <table>
 *   <caption>Settings and defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>decay</td><td>2 s</td><td>time constant: older samples weigh {@code e^(-t/decay)}
 *       (Finagle and Linkerd use 10 s; see decision 0017)</td></tr>
 *   <tr><td>initialLatency</td><td>1 ms</td><td>estimate of an endpoint before its first answer
 *       </td></tr>
 *   <tr><td>failurePenalty</td><td>100 ms</td><td>failures and overload answers count as at least
 *       this slow, so a fast-failing endpoint does not attract traffic</td></tr>
 * </table>
 */
public final class PeakEwma {

  private static final PeakEwma DEFAULTS = builder().build();

  private final Duration decay;
  private final Duration initialLatency;
  private final Duration failurePenalty;
  private final double inverseDecayNanos;

  private PeakEwma(Builder b) {
    this.decay = b.decay;
    this.initialLatency = b.initialLatency;
    this.failurePenalty = b.failurePenalty;
    this.inverseDecayNanos = 1.0 / decay.toNanos();
  }

  /** The defaults in the table above. */
  public static PeakEwma defaults() {
    return DEFAULTS;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The decay time constant. */
  public Duration decay() {
    return decay;
  }

  /** The estimate before the first answer. */
  public Duration initialLatency() {
    return initialLatency;
  }

  /** The least latency a failure or overload answer counts as. */
  public Duration failurePenalty() {
    return failurePenalty;
  }

  long initialLatencyNanos() {
    return initialLatency.toNanos();
  }

  long failurePenaltyNanos() {
    return failurePenalty.toNanos();
  }

  double inverseDecayNanos() {
    return inverseDecayNanos;
  }

  /** Builds {@link PeakEwma} settings; {@link #build()} checks them. */
  public static final class Builder {
    private Duration decay = Duration.ofSeconds(2);
    private Duration initialLatency = Duration.ofMillis(1);
    private Duration failurePenalty = Duration.ofMillis(100);

    private Builder() {}

    /** The decay time constant; &gt; 0. */
    public Builder decay(Duration decay) {
      this.decay = requireNonNull(decay, "decay");
      return this;
    }

    /** The estimate before the first answer; &gt; 0. */
    public Builder initialLatency(Duration initialLatency) {
      this.initialLatency = requireNonNull(initialLatency, "initialLatency");
      return this;
    }

    /** The least latency a failure counts as; &gt;= 0. */
    public Builder failurePenalty(Duration failurePenalty) {
      this.failurePenalty = requireNonNull(failurePenalty, "failurePenalty");
      return this;
    }

    /**
     * The settings.
     *
     * @throws IllegalArgumentException naming the first field out of range
     */
    public PeakEwma build() {
      Checks.positive("decay", decay);
      Checks.positive("initialLatency", initialLatency);
      Checks.notNegative("failurePenalty", failurePenalty);
      return new PeakEwma(this);
    }
  }
}
