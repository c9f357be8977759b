package dev.cairn.server.internal.http;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Limits;
import java.time.Clock;
import java.time.Duration;

/**
 * Tunables of the HTTP API that tests shorten: how often event streams send a keep-alive comment,
 * how many watches and connections one client address may hold, how long a request may take to
 * arrive and a connection may stay idle, the clock for uptime, and the number of I/O threads.
 */
record HttpApiSettings(
    Duration sseKeepAlive,
    int maxWatchesPerClient,
    Clock clock,
    int ioThreads,
    int maxConnectionsPerClient,
    Duration requestTimeout,
    Duration idleTimeout) {

  /** Most connections one client address may hold open. */
  static final int DEFAULT_MAX_CONNECTIONS_PER_CLIENT = 1_024;

  /** How long a request may take to arrive, from its first byte to its last. */
  static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

  /** How long a connection may wait for its next request once every answer is sent. */
  static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(120);

  HttpApiSettings {
    requireNonNull(sseKeepAlive, "sseKeepAlive");
    requireNonNull(clock, "clock");
    requireNonNull(requestTimeout, "requestTimeout");
    requireNonNull(idleTimeout, "idleTimeout");
    positive("sseKeepAlive", sseKeepAlive);
    positive("requestTimeout", requestTimeout);
    positive("idleTimeout", idleTimeout);
    if (maxWatchesPerClient < 1) {
      throw new IllegalArgumentException(
          "maxWatchesPerClient: " + maxWatchesPerClient + " (expected: >= 1)");
    }
    if (maxConnectionsPerClient < 1) {
      throw new IllegalArgumentException(
          "maxConnectionsPerClient: " + maxConnectionsPerClient + " (expected: >= 1)");
    }
    if (ioThreads < 1) {
      throw new IllegalArgumentException("ioThreads: " + ioThreads + " (expected: >= 1)");
    }
  }

  /**
   * 15 s keep-alives, {@link Limits#MAX_WATCHES_PER_CONNECTION} watches and {@value
   * #DEFAULT_MAX_CONNECTIONS_PER_CLIENT} connections per client address, 30 s to receive a request,
   * 120 s idle, the UTC clock, one thread per core.
   */
  static HttpApiSettings defaults() {
    return new HttpApiSettings(
        Duration.ofSeconds(15),
        Limits.MAX_WATCHES_PER_CONNECTION,
        Clock.systemUTC(),
        Math.max(2, Runtime.getRuntime().availableProcessors()),
        DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
        DEFAULT_REQUEST_TIMEOUT,
        DEFAULT_IDLE_TIMEOUT);
  }

  HttpApiSettings withSseKeepAlive(Duration d) {
    return new HttpApiSettings(
        d,
        maxWatchesPerClient,
        clock,
        ioThreads,
        maxConnectionsPerClient,
        requestTimeout,
        idleTimeout);
  }

  HttpApiSettings withMaxWatchesPerClient(int n) {
    return new HttpApiSettings(
        sseKeepAlive, n, clock, ioThreads, maxConnectionsPerClient, requestTimeout, idleTimeout);
  }

  HttpApiSettings withClock(Clock c) {
    return new HttpApiSettings(
        sseKeepAlive,
        maxWatchesPerClient,
        c,
        ioThreads,
        maxConnectionsPerClient,
        requestTimeout,
        idleTimeout);
  }

  HttpApiSettings withMaxConnectionsPerClient(int n) {
    return new HttpApiSettings(
        sseKeepAlive, maxWatchesPerClient, clock, ioThreads, n, requestTimeout, idleTimeout);
  }

  HttpApiSettings withRequestTimeout(Duration d) {
    return new HttpApiSettings(
        sseKeepAlive,
        maxWatchesPerClient,
        clock,
        ioThreads,
        maxConnectionsPerClient,
        d,
        idleTimeout);
  }

  HttpApiSettings withIdleTimeout(Duration d) {
    return new HttpApiSettings(
        sseKeepAlive,
        maxWatchesPerClient,
        clock,
        ioThreads,
        maxConnectionsPerClient,
        requestTimeout,
        d);
  }

  private static void positive(String name, Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
    }
  }
}
