package dev.cairn.server.internal.limits;

import dev.cairn.common.Limits;

/**
 * What one client may hold open and how fast it may ask (issue 13, item 7; decision 0170): the
 * server's flags, shared by the HTTP and gRPC listeners. Over a limit the answer is 429 / {@code
 * RESOURCE_EXHAUSTED}, with {@code Retry-After} (HTTP) or {@code retry-after} trailer (gRPC).
 *
 * @param watchesPerClient event streams (HTTP, per client address) and watches (gRPC, per
 *     connection) open at once
 * @param connectionsPerClient HTTP connections per client address
 * @param sessionsPerClient sessions opened over HTTP and still open, per client address; session
 *     streams open at once per gRPC connection
 * @param requestsPerSecond requests a second per ACL token (per client address for requests without
 *     a known token), HTTP and gRPC together counted per listener; 0 for no limit (the default)
 * @param requestBurst the largest burst of requests over {@code requestsPerSecond}
 */
public record AbuseLimits(
    int watchesPerClient,
    int connectionsPerClient,
    int sessionsPerClient,
    double requestsPerSecond,
    int requestBurst) {

  /** HTTP connections per client address by default. */
  public static final int DEFAULT_CONNECTIONS_PER_CLIENT = 1_024;

  /** Open sessions per client address (HTTP) or connection (gRPC) by default. */
  public static final int DEFAULT_SESSIONS_PER_CLIENT = 1_000;

  /** The defaults: generous; no request-rate limit. */
  public static final AbuseLimits DEFAULTS =
      new AbuseLimits(
          Limits.MAX_WATCHES_PER_CONNECTION,
          DEFAULT_CONNECTIONS_PER_CLIENT,
          DEFAULT_SESSIONS_PER_CLIENT,
          0,
          0);

  /**
   * @throws IllegalArgumentException naming the first value out of range
   */
  public AbuseLimits {
    atLeastOne("watchesPerClient", watchesPerClient);
    atLeastOne("connectionsPerClient", connectionsPerClient);
    atLeastOne("sessionsPerClient", sessionsPerClient);
    if (!(requestsPerSecond >= 0) || Double.isInfinite(requestsPerSecond)) {
      throw new IllegalArgumentException(
          "requestsPerSecond: " + requestsPerSecond + " (expected: >= 0, 0 for no limit)");
    }
    if (requestBurst < 0) {
      throw new IllegalArgumentException("requestBurst: " + requestBurst + " (expected: >= 0)");
    }
  }

  /** The burst of the request-rate limit: as given, else one second's worth (at least 1). */
  public int effectiveBurst() {
    return requestBurst > 0 ? requestBurst : (int) Math.max(1, Math.ceil(requestsPerSecond));
  }

  /** The request-rate limit, or null when there is none. */
  public RequestRateLimit requestRateLimit(dev.cairn.common.Ticker ticker) {
    return requestsPerSecond == 0
        ? null
        : new RequestRateLimit(requestsPerSecond, effectiveBurst(), ticker);
  }

  private static void atLeastOne(String name, int n) {
    if (n < 1) {
      throw new IllegalArgumentException(name + ": " + n + " (expected: >= 1)");
    }
  }
}
