package dev.cairn.spring;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Ticker;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * When this application last received a request, stamped by a web filter. The drain uses it for its
 * quiet period: once every watcher has the removal, a caller may still have picked this instance
 * just before, with its request on the way; the drain waits until no request arrived for the quiet
 * period (bounded by what is left of the drain timeout), so those are served too. Thread-safe;
 * stamping is one volatile write.
 */
public final class RequestActivity {

  private final Ticker ticker;
  private volatile long lastNanos;

  public RequestActivity(Ticker ticker) {
    this.ticker = requireNonNull(ticker, "ticker");
    this.lastNanos = ticker.nanos();
  }

  /** Called by the web filters as each request arrives. */
  public void arrived() {
    lastNanos = ticker.nanos();
  }

  /** How long no request has arrived. */
  public Duration idle() {
    return Duration.ofNanos(ticker.nanos() - lastNanos);
  }

  /**
   * Blocks until no request arrived for {@code quiet}, or {@code max} passed; returns how long it
   * waited.
   */
  public Duration awaitQuiet(Duration quiet, Duration max) throws InterruptedException {
    long start = ticker.nanos();
    long end = start + max.toNanos();
    while (true) {
      long now = ticker.nanos();
      long left = lastNanos + quiet.toNanos() - now;
      if (left <= 0 || now >= end) {
        return Duration.ofNanos(now - start);
      }
      TimeUnit.NANOSECONDS.sleep(Math.min(left, end - now));
    }
  }
}
