package dev.cairn.client.resilience;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter, as gRPC's retry policy: the wait before retry {@code n} (1
 * based) is {@code min(initial × multiplier^(n-1), max)} scaled by a random factor in {@code [1 -
 * jitter, 1 + jitter]}. Immutable. The one backoff of the SDK: call retries ({@link
 * CallPolicy#backoff()}) and the client's reconnects to the registry use it.
 */
public final class Backoff {

  private final Duration initial;
  private final Duration max;
  private final double multiplier;
  private final double jitter;

  Backoff(Duration initial, Duration max, double multiplier, double jitter) {
    this.initial = requireNonNull(initial, "initial");
    this.max = requireNonNull(max, "max");
    this.multiplier = multiplier;
    this.jitter = jitter;
  }

  /**
   * A backoff from {@code initial} growing by {@code multiplier} up to {@code max}, each wait
   * scaled by a random factor in {@code [1 - jitter, 1 + jitter]}.
   *
   * @throws IllegalArgumentException when {@code initial} is not positive, {@code max} is below it,
   *     {@code multiplier} is outside 1..10 or {@code jitter} outside 0..1
   */
  public static Backoff of(Duration initial, Duration max, double multiplier, double jitter) {
    requireNonNull(initial, "initial");
    requireNonNull(max, "max");
    if (initial.isNegative() || initial.isZero()) {
      throw new IllegalArgumentException("initial: " + initial + " (expected: > 0)");
    }
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("max: " + max + " (expected: >= initial " + initial + ")");
    }
    if (!(multiplier >= 1 && multiplier <= 10)) {
      throw new IllegalArgumentException("multiplier: " + multiplier + " (expected: 1..10)");
    }
    if (!(jitter >= 0 && jitter <= 1)) {
      throw new IllegalArgumentException("jitter: " + jitter + " (expected: 0..1)");
    }
    return new Backoff(initial, max, multiplier, jitter);
  }

  /**
   * The wait in nanoseconds before retry {@code retry} (1 for the first retry), given {@code
   * random} uniform in {@code [0, 1)}.
   */
  public long delayNanos(int retry, double random) {
    double base = initial.toNanos() * Math.pow(multiplier, Math.max(0, retry - 1));
    base = Math.min(base, max.toNanos());
    return (long) (base * (1 - jitter + 2 * jitter * random));
  }

  /** Like {@link #delayNanos(int, double)}, with a random number of this thread's generator. */
  public long delayNanos(int retry) {
    return delayNanos(retry, ThreadLocalRandom.current().nextDouble());
  }

  public Duration initial() {
    return initial;
  }

  public Duration max() {
    return max;
  }

  public double multiplier() {
    return multiplier;
  }

  public double jitter() {
    return jitter;
  }

  @Override
  public String toString() {
    return "Backoff{" + initial + ".." + max + " x" + multiplier + " ±" + jitter + '}';
  }
}
