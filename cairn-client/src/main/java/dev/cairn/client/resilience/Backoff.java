package dev.cairn.client.resilience;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Exponential backoff with jitter, as gRPC's retry policy: the wait before retry {@code n} (1
 * based) is {@code min(initial × multiplier^(n-1), max)} scaled by a random factor in {@code [1 -
 * jitter, 1 + jitter]}. Immutable.
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
   * The wait in nanoseconds before retry {@code retry} (1 for the first retry), given {@code
   * random} uniform in {@code [0, 1)}.
   */
  public long delayNanos(int retry, double random) {
    double base = initial.toNanos() * Math.pow(multiplier, Math.max(0, retry - 1));
    base = Math.min(base, max.toNanos());
    return (long) (base * (1 - jitter + 2 * jitter * random));
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
