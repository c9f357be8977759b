package dev.cairn.amqp;

import dev.cairn.amqp.internal.Checks;

/**
 * How one consumer reads its queue: prefetch (unacknowledged messages the broker pushes ahead per
 * channel) and concurrency (channels, each handling its messages one at a time). Immutable.
 */
public final class ConsumerOptions {

  /** Default prefetch per channel. */
  public static final int DEFAULT_PREFETCH = 200;

  private static final ConsumerOptions DEFAULTS = new ConsumerOptions(DEFAULT_PREFETCH, 1);

  private final int prefetch;
  private final int concurrency;

  private ConsumerOptions(int prefetch, int concurrency) {
    this.prefetch = prefetch;
    this.concurrency = concurrency;
  }

  /** Prefetch {@value #DEFAULT_PREFETCH}, one channel. */
  public static ConsumerOptions defaults() {
    return DEFAULTS;
  }

  /**
   * Prefetch per channel (1..65535) and channels (1..64).
   *
   * @throws IllegalArgumentException naming the offending argument
   */
  public static ConsumerOptions of(int prefetch, int concurrency) {
    return new ConsumerOptions(
        Checks.range("prefetch", prefetch, 1, 65535),
        Checks.range("concurrency", concurrency, 1, 64));
  }

  public int prefetch() {
    return prefetch;
  }

  public int concurrency() {
    return concurrency;
  }

  @Override
  public String toString() {
    return "ConsumerOptions(prefetch=" + prefetch + ", concurrency=" + concurrency + ")";
  }
}
