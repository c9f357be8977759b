package dev.cairn.client.resilience;

import static java.util.Objects.requireNonNull;

import dev.cairn.client.lb.Balancer;
import dev.cairn.client.lb.LoadBalancingPolicy;
import dev.cairn.client.lb.LoadBalancingPolicyRegistry;
import dev.cairn.client.lb.OutlierDetection;
import dev.cairn.client.lb.PeakEwma;
import dev.cairn.client.lb.Selector;
import dev.cairn.common.Instance;
import dev.cairn.common.Ticker;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.function.Function;

/**
 * How calls to one target service are made: balancing, deadline, retries, retry budget, outlier
 * ejection, circuit breaker and bulkhead. Immutable; built with {@link #builder()}, whose {@link
 * Builder#build()} names the first invalid field. Every setting has a default:
 *
 * <table>
 *   <caption>Settings and defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>loadBalancing</td><td>p2c_ewma</td><td>policy name in {@link
 *       LoadBalancingPolicyRegistry}</td></tr>
 *   <tr><td>deadline</td><td>10 s</td><td>per call, all attempts included, unless the call sets
 *       its own</td></tr>
 *   <tr><td>maxAttempts</td><td>3</td><td>attempts per call, first included (1..10); retries only
 *       for idempotent calls or attempts never sent</td></tr>
 *   <tr><td>backoffInitial / backoffMax</td><td>25 ms / 1 s</td><td>exponential backoff between
 *       retries</td></tr>
 *   <tr><td>backoffMultiplier / backoffJitter</td><td>2.0 / 0.2</td><td>growth and ± random
 *       share</td></tr>
 *   <tr><td>retryBudgetRatio</td><td>0.2</td><td>extra attempts per call, over the window</td></tr>
 *   <tr><td>retryBudgetMinPerSecond</td><td>10</td><td>extra attempts always allowed per second
 *       </td></tr>
 *   <tr><td>retryBudgetWindow</td><td>10 s</td><td>whole seconds, 1..60</td></tr>
 *   <tr><td>outlierDetection</td><td>{@link OutlierDetection#defaults()}</td><td>Envoy-like
 *       ejection</td></tr>
 *   <tr><td>peakEwma</td><td>{@link PeakEwma#defaults()}</td><td>latency estimate</td></tr>
 *   <tr><td>subset</td><td>all</td><td>only instances matching this selector</td></tr>
 *   <tr><td>localZone / panicThreshold</td><td>none / 0.5</td><td>zone preference and the usable
 *       share below which the choice widens</td></tr>
 *   <tr><td>circuitBreakerFailureRate</td><td>50</td><td>percent of failed calls that opens the
 *       breaker</td></tr>
 *   <tr><td>circuitBreakerWindow</td><td>100</td><td>calls in the sliding window</td></tr>
 *   <tr><td>circuitBreakerMinimumCalls</td><td>20</td><td>calls before the rate counts</td></tr>
 *   <tr><td>circuitBreakerOpenDuration</td><td>30 s</td><td>open time before probing</td></tr>
 *   <tr><td>bulkheadMaxConcurrentCalls</td><td>256</td><td>calls in flight to the service; more
 *       fail at once</td></tr>
 * </table>
 */
public final class CallPolicy {

  private static final CallPolicy DEFAULTS = builder().build();

  private final String loadBalancing;
  private final Duration deadline;
  private final int maxAttempts;
  private final Backoff backoff;
  private final double retryBudgetRatio;
  private final int retryBudgetMinPerSecond;
  private final Duration retryBudgetWindow;
  private final OutlierDetection outlierDetection;
  private final PeakEwma peakEwma;
  private final Selector subset;
  private final String localZone;
  private final double panicThreshold;
  private final int circuitBreakerFailureRate;
  private final int circuitBreakerWindow;
  private final int circuitBreakerMinimumCalls;
  private final Duration circuitBreakerOpenDuration;
  private final int bulkheadMaxConcurrentCalls;

  private CallPolicy(Builder b) {
    this.loadBalancing = b.loadBalancing;
    this.deadline = b.deadline;
    this.maxAttempts = b.maxAttempts;
    this.backoff =
        new Backoff(b.backoffInitial, b.backoffMax, b.backoffMultiplier, b.backoffJitter);
    this.retryBudgetRatio = b.retryBudgetRatio;
    this.retryBudgetMinPerSecond = b.retryBudgetMinPerSecond;
    this.retryBudgetWindow = b.retryBudgetWindow;
    this.outlierDetection = b.outlierDetection;
    this.peakEwma = b.peakEwma;
    this.subset = b.subset;
    this.localZone = b.localZone;
    this.panicThreshold = b.panicThreshold;
    this.circuitBreakerFailureRate = b.circuitBreakerFailureRate;
    this.circuitBreakerWindow = b.circuitBreakerWindow;
    this.circuitBreakerMinimumCalls = b.circuitBreakerMinimumCalls;
    this.circuitBreakerOpenDuration = b.circuitBreakerOpenDuration;
    this.bulkheadMaxConcurrentCalls = b.bulkheadMaxConcurrentCalls;
  }

  /** The defaults in the table above. */
  public static CallPolicy defaults() {
    return DEFAULTS;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this policy's settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.loadBalancing = loadBalancing;
    b.deadline = deadline;
    b.maxAttempts = maxAttempts;
    b.backoffInitial = backoff.initial();
    b.backoffMax = backoff.max();
    b.backoffMultiplier = backoff.multiplier();
    b.backoffJitter = backoff.jitter();
    b.retryBudgetRatio = retryBudgetRatio;
    b.retryBudgetMinPerSecond = retryBudgetMinPerSecond;
    b.retryBudgetWindow = retryBudgetWindow;
    b.outlierDetection = outlierDetection;
    b.peakEwma = peakEwma;
    b.subset = subset;
    b.localZone = localZone;
    b.panicThreshold = panicThreshold;
    b.circuitBreakerFailureRate = circuitBreakerFailureRate;
    b.circuitBreakerWindow = circuitBreakerWindow;
    b.circuitBreakerMinimumCalls = circuitBreakerMinimumCalls;
    b.circuitBreakerOpenDuration = circuitBreakerOpenDuration;
    b.bulkheadMaxConcurrentCalls = bulkheadMaxConcurrentCalls;
    return b;
  }

  public String loadBalancing() {
    return loadBalancing;
  }

  /** The policy named by {@link #loadBalancing()}. */
  public LoadBalancingPolicy loadBalancingPolicy() {
    return LoadBalancingPolicyRegistry.getDefault().get(loadBalancing);
  }

  public Duration deadline() {
    return deadline;
  }

  public int maxAttempts() {
    return maxAttempts;
  }

  public Backoff backoff() {
    return backoff;
  }

  public double retryBudgetRatio() {
    return retryBudgetRatio;
  }

  public int retryBudgetMinPerSecond() {
    return retryBudgetMinPerSecond;
  }

  public Duration retryBudgetWindow() {
    return retryBudgetWindow;
  }

  public OutlierDetection outlierDetection() {
    return outlierDetection;
  }

  public PeakEwma peakEwma() {
    return peakEwma;
  }

  public Selector subset() {
    return subset;
  }

  /** The preferred zone, or null. */
  public String localZone() {
    return localZone;
  }

  public double panicThreshold() {
    return panicThreshold;
  }

  public int circuitBreakerFailureRate() {
    return circuitBreakerFailureRate;
  }

  public int circuitBreakerWindow() {
    return circuitBreakerWindow;
  }

  public int circuitBreakerMinimumCalls() {
    return circuitBreakerMinimumCalls;
  }

  public Duration circuitBreakerOpenDuration() {
    return circuitBreakerOpenDuration;
  }

  public int bulkheadMaxConcurrentCalls() {
    return bulkheadMaxConcurrentCalls;
  }

  /**
   * A balancer builder set up from this policy (policy, ticker, latency estimate, ejection, subset,
   * zone); the transport adds its release callback and splits.
   */
  public <T> Balancer.Builder<T> balancer(Function<Instance, T> targets, Ticker ticker) {
    Balancer.Builder<T> b =
        Balancer.builder(targets)
            .policy(loadBalancingPolicy())
            .ticker(ticker)
            .peakEwma(peakEwma)
            .outlierDetection(outlierDetection)
            .subset(subset)
            .panicThreshold(panicThreshold);
    return localZone == null ? b : b.localZone(localZone);
  }

  /** A Resilience4j circuit breaker named {@code service}, counting calls (not attempts). */
  public CircuitBreaker newCircuitBreaker(String service) {
    return CircuitBreaker.of(
        service,
        CircuitBreakerConfig.custom()
            .failureRateThreshold(circuitBreakerFailureRate)
            .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .slidingWindowSize(circuitBreakerWindow)
            .minimumNumberOfCalls(circuitBreakerMinimumCalls)
            .waitDurationInOpenState(circuitBreakerOpenDuration)
            .permittedNumberOfCallsInHalfOpenState(Math.min(10, circuitBreakerMinimumCalls))
            .build());
  }

  /** A Resilience4j bulkhead named {@code service} that refuses at once when full. */
  public Bulkhead newBulkhead(String service) {
    return Bulkhead.of(
        service,
        BulkheadConfig.custom()
            .maxConcurrentCalls(bulkheadMaxConcurrentCalls)
            .maxWaitDuration(Duration.ZERO)
            .build());
  }

  @Override
  public String toString() {
    return "CallPolicy{"
        + loadBalancing
        + ", deadline="
        + deadline
        + ", maxAttempts="
        + maxAttempts
        + ", "
        + backoff
        + '}';
  }

  /**
   * Builds a {@link CallPolicy}; {@link #build()} checks every field and names the first bad one.
   */
  public static final class Builder {
    private String loadBalancing = "p2c_ewma";
    private Duration deadline = Duration.ofSeconds(10);
    private int maxAttempts = 3;
    private Duration backoffInitial = Duration.ofMillis(25);
    private Duration backoffMax = Duration.ofSeconds(1);
    private double backoffMultiplier = 2.0;
    private double backoffJitter = 0.2;
    private double retryBudgetRatio = 0.2;
    private int retryBudgetMinPerSecond = 10;
    private Duration retryBudgetWindow = Duration.ofSeconds(10);
    private OutlierDetection outlierDetection = OutlierDetection.defaults();
    private PeakEwma peakEwma = PeakEwma.defaults();
    private Selector subset = Selector.all();
    private String localZone;
    private double panicThreshold = Balancer.DEFAULT_PANIC_THRESHOLD;
    private int circuitBreakerFailureRate = 50;
    private int circuitBreakerWindow = 100;
    private int circuitBreakerMinimumCalls = 20;
    private Duration circuitBreakerOpenDuration = Duration.ofSeconds(30);
    private int bulkheadMaxConcurrentCalls = 256;

    private Builder() {}

    public Builder loadBalancing(String loadBalancing) {
      this.loadBalancing = requireNonNull(loadBalancing, "loadBalancing");
      return this;
    }

    public Builder deadline(Duration deadline) {
      this.deadline = requireNonNull(deadline, "deadline");
      return this;
    }

    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    public Builder backoffInitial(Duration backoffInitial) {
      this.backoffInitial = requireNonNull(backoffInitial, "backoffInitial");
      return this;
    }

    public Builder backoffMax(Duration backoffMax) {
      this.backoffMax = requireNonNull(backoffMax, "backoffMax");
      return this;
    }

    public Builder backoffMultiplier(double backoffMultiplier) {
      this.backoffMultiplier = backoffMultiplier;
      return this;
    }

    public Builder backoffJitter(double backoffJitter) {
      this.backoffJitter = backoffJitter;
      return this;
    }

    public Builder retryBudgetRatio(double retryBudgetRatio) {
      this.retryBudgetRatio = retryBudgetRatio;
      return this;
    }

    public Builder retryBudgetMinPerSecond(int retryBudgetMinPerSecond) {
      this.retryBudgetMinPerSecond = retryBudgetMinPerSecond;
      return this;
    }

    public Builder retryBudgetWindow(Duration retryBudgetWindow) {
      this.retryBudgetWindow = requireNonNull(retryBudgetWindow, "retryBudgetWindow");
      return this;
    }

    public Builder outlierDetection(OutlierDetection outlierDetection) {
      this.outlierDetection = requireNonNull(outlierDetection, "outlierDetection");
      return this;
    }

    public Builder peakEwma(PeakEwma peakEwma) {
      this.peakEwma = requireNonNull(peakEwma, "peakEwma");
      return this;
    }

    public Builder subset(Selector subset) {
      this.subset = requireNonNull(subset, "subset");
      return this;
    }

    public Builder localZone(String localZone) {
      this.localZone = localZone;
      return this;
    }

    public Builder panicThreshold(double panicThreshold) {
      this.panicThreshold = panicThreshold;
      return this;
    }

    public Builder circuitBreakerFailureRate(int circuitBreakerFailureRate) {
      this.circuitBreakerFailureRate = circuitBreakerFailureRate;
      return this;
    }

    public Builder circuitBreakerWindow(int circuitBreakerWindow) {
      this.circuitBreakerWindow = circuitBreakerWindow;
      return this;
    }

    public Builder circuitBreakerMinimumCalls(int circuitBreakerMinimumCalls) {
      this.circuitBreakerMinimumCalls = circuitBreakerMinimumCalls;
      return this;
    }

    public Builder circuitBreakerOpenDuration(Duration circuitBreakerOpenDuration) {
      this.circuitBreakerOpenDuration =
          requireNonNull(circuitBreakerOpenDuration, "circuitBreakerOpenDuration");
      return this;
    }

    public Builder bulkheadMaxConcurrentCalls(int bulkheadMaxConcurrentCalls) {
      this.bulkheadMaxConcurrentCalls = bulkheadMaxConcurrentCalls;
      return this;
    }

    /**
     * The policy.
     *
     * @throws IllegalArgumentException {@code "field: value (expected: ...)"} for the first bad one
     */
    public CallPolicy build() {
      LoadBalancingPolicyRegistry.getDefault().get(loadBalancing);
      positive("deadline", deadline);
      range("maxAttempts", maxAttempts, 1, 10);
      positive("backoffInitial", backoffInitial);
      positive("backoffMax", backoffMax);
      if (backoffMax.compareTo(backoffInitial) < 0) {
        throw new IllegalArgumentException(
            "backoffMax: " + backoffMax + " (expected: >= backoffInitial " + backoffInitial + ")");
      }
      range("backoffMultiplier", backoffMultiplier, 1, 10);
      range("backoffJitter", backoffJitter, 0, 1);
      range("retryBudgetRatio", retryBudgetRatio, 0, 10);
      range("retryBudgetMinPerSecond", retryBudgetMinPerSecond, 0, 100_000);
      positive("retryBudgetWindow", retryBudgetWindow);
      if (retryBudgetWindow.toNanos() % 1_000_000_000L != 0 || retryBudgetWindow.toSeconds() > 60) {
        throw new IllegalArgumentException(
            "retryBudgetWindow: " + retryBudgetWindow + " (expected: whole seconds, 1..60)");
      }
      if (localZone != null && localZone.isEmpty()) {
        throw new IllegalArgumentException("localZone: \"\" (expected: a zone name or null)");
      }
      range("panicThreshold", panicThreshold, 0, 1);
      range("circuitBreakerFailureRate", circuitBreakerFailureRate, 1, 100);
      range("circuitBreakerWindow", circuitBreakerWindow, 1, 100_000);
      range("circuitBreakerMinimumCalls", circuitBreakerMinimumCalls, 1, 100_000);
      positive("circuitBreakerOpenDuration", circuitBreakerOpenDuration);
      range("bulkheadMaxConcurrentCalls", bulkheadMaxConcurrentCalls, 1, 1_000_000);
      return new CallPolicy(this);
    }

    private static void positive(String field, Duration value) {
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(field + ": " + value + " (expected: > 0)");
      }
    }

    private static void range(String field, double value, double min, double max) {
      if (!(value >= min && value <= max)) {
        throw new IllegalArgumentException(
            field + ": " + fmt(value) + " (expected: " + fmt(min) + ".." + fmt(max) + ")");
      }
    }

    private static String fmt(double d) {
      return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
  }
}
