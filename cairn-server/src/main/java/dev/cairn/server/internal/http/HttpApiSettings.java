package dev.cairn.server.internal.http;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Limits;
import java.time.Clock;
import java.time.Duration;

/**
 * Tunables of the HTTP API that tests shorten: how often event streams send a keep-alive comment,
 * how many watches one client address may hold, the clock for uptime, and the number of I/O
 * threads.
 */
record HttpApiSettings(Duration sseKeepAlive, int maxWatchesPerClient, Clock clock, int ioThreads) {

  HttpApiSettings {
    requireNonNull(sseKeepAlive, "sseKeepAlive");
    requireNonNull(clock, "clock");
    if (sseKeepAlive.isNegative() || sseKeepAlive.isZero()) {
      throw new IllegalArgumentException("sseKeepAlive: " + sseKeepAlive + " (expected: > 0)");
    }
    if (maxWatchesPerClient < 1) {
      throw new IllegalArgumentException(
          "maxWatchesPerClient: " + maxWatchesPerClient + " (expected: >= 1)");
    }
    if (ioThreads < 1) {
      throw new IllegalArgumentException("ioThreads: " + ioThreads + " (expected: >= 1)");
    }
  }

  /**
   * 15 s keep-alives, {@link Limits#MAX_WATCHES_PER_CONNECTION}, the UTC clock, one thread per
   * core.
   */
  static HttpApiSettings defaults() {
    return new HttpApiSettings(
        Duration.ofSeconds(15),
        Limits.MAX_WATCHES_PER_CONNECTION,
        Clock.systemUTC(),
        Math.max(2, Runtime.getRuntime().availableProcessors()));
  }

  HttpApiSettings withSseKeepAlive(Duration d) {
    return new HttpApiSettings(d, maxWatchesPerClient, clock, ioThreads);
  }

  HttpApiSettings withMaxWatchesPerClient(int n) {
    return new HttpApiSettings(sseKeepAlive, n, clock, ioThreads);
  }

  HttpApiSettings withClock(Clock c) {
    return new HttpApiSettings(sseKeepAlive, maxWatchesPerClient, c, ioThreads);
  }
}
