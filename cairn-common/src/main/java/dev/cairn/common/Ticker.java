package dev.cairn.common;

/**
 * A source of monotonic time in nanoseconds, injected wherever time decides behaviour (leases,
 * TTLs, backoff) so that tests can drive it.
 */
@FunctionalInterface
public interface Ticker {

  /** Nanoseconds from an arbitrary origin; only differences are meaningful. */
  long nanos();

  /** The system ticker, backed by {@link System#nanoTime()}. */
  static Ticker system() {
    return System::nanoTime;
  }
}
