package dev.cairn.amqp;

import static java.util.Objects.requireNonNull;

import dev.cairn.amqp.internal.Checks;
import java.time.Duration;
import java.util.List;

/**
 * How a {@link WorkQueue} retries messages whose handler threw: the delay tiers (one broker queue
 * per tier, holding the message for the tier's delay before it returns to the main queue) and the
 * number of attempts after which a message is parked in the dead-letter queue.
 *
 * <p>Attempt {@code n} that fails waits in tier {@code min(n, tiers) - 1}: with tiers {@code [1s,
 * 5s, 30s]} and 5 attempts, the delays between attempts are 1s, 5s, 30s, 30s, then the message is
 * parked. Immutable.
 */
public final class RetryPolicy {

  /** Most tiers per queue. */
  public static final int MAX_TIERS = 10;

  /** Most attempts per message. */
  public static final int MAX_ATTEMPTS = 100;

  private static final RetryPolicy DEFAULT =
      new RetryPolicy(
          List.of(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30)), 5);

  private final List<Duration> delays;
  private final int maxAttempts;

  private RetryPolicy(List<Duration> delays, int maxAttempts) {
    this.delays = delays;
    this.maxAttempts = maxAttempts;
  }

  /** Tiers of 1s, 5s and 30s; 5 attempts. */
  public static RetryPolicy defaults() {
    return DEFAULT;
  }

  /**
   * Delay tiers (1..10, each 1 ms..24 h, non-decreasing) and attempts (1..100; 1 = no retry).
   *
   * @throws IllegalArgumentException naming the offending argument
   */
  public static RetryPolicy of(List<Duration> delays, int maxAttempts) {
    requireNonNull(delays, "delays");
    if (delays.isEmpty() || delays.size() > MAX_TIERS) {
      throw new IllegalArgumentException(
          "delays: " + delays + " (expected: 1.." + MAX_TIERS + " tiers)");
    }
    Duration previous = Duration.ZERO;
    for (Duration d : delays) {
      Checks.positive("delays", d);
      if (d.compareTo(Duration.ofHours(24)) > 0 || d.compareTo(previous) < 0) {
        throw new IllegalArgumentException(
            "delays: " + delays + " (expected: non-decreasing, each 1ms..PT24H)");
      }
      previous = d;
    }
    Checks.range("maxAttempts", maxAttempts, 1, MAX_ATTEMPTS);
    return new RetryPolicy(List.copyOf(delays), maxAttempts);
  }

  /** The delay of each tier, shortest first. */
  public List<Duration> delays() {
    return delays;
  }

  /** Attempts before a message is parked, counting the first delivery. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** The tier (0-based) a message waits in after its attempt {@code attempt} (1-based) failed. */
  public int tierAfter(int attempt) {
    return Math.min(Math.max(attempt, 1), delays.size()) - 1;
  }

  @Override
  public String toString() {
    return "RetryPolicy(delays=" + delays + ", maxAttempts=" + maxAttempts + ")";
  }
}
