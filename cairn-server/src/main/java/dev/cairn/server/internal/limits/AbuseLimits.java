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
 * @param watchesPerToken watches (HTTP and gRPC, across connections) one ACL token may hold open; 0
 *     for no limit (the default)
 * @param sessionsPerToken sessions (opened over HTTP and still open, gRPC session streams, Eureka
 *     leases) one ACL token may hold open; 0 for no limit (the default)
 */
public record AbuseLimits(
    int watchesPerClient,
    int connectionsPerClient,
    int sessionsPerClient,
    double requestsPerSecond,
    int requestBurst,
    int watchesPerToken,
    int sessionsPerToken) {

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
          0,
          0,
          0);

  /** Without per-token limits on what is held open. */
  public AbuseLimits(
      int watchesPerClient,
      int connectionsPerClient,
      int sessionsPerClient,
      double requestsPerSecond,
      int requestBurst) {
    this(
        watchesPerClient,
        connectionsPerClient,
        sessionsPerClient,
        requestsPerSecond,
        requestBurst,
        0,
        0);
  }

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
    if (watchesPerToken < 0) {
      throw new IllegalArgumentException(
          "watchesPerToken: " + watchesPerToken + " (expected: >= 0, 0 for no limit)");
    }
    if (sessionsPerToken < 0) {
      throw new IllegalArgumentException(
          "sessionsPerToken: " + sessionsPerToken + " (expected: >= 0, 0 for no limit)");
    }
  }

  /** The per-token watch count, or null when there is no limit. */
  public TokenQuota watchTokenQuota() {
    return watchesPerToken == 0 ? null : new TokenQuota(watchesPerToken);
  }

  /** The per-token session count, or null when there is no limit. */
  public TokenQuota sessionTokenQuota() {
    return sessionsPerToken == 0 ? null : new TokenQuota(sessionsPerToken);
  }

  /** These limits with {@code watches}, {@code connections} and {@code sessions} per client. */
  public AbuseLimits withPerClient(int watches, int connections, int sessions) {
    return new AbuseLimits(
        watches,
        connections,
        sessions,
        requestsPerSecond,
        requestBurst,
        watchesPerToken,
        sessionsPerToken);
  }

  /** These limits with a request rate of {@code perSecond} (0: no limit) and {@code burst}. */
  public AbuseLimits withRate(double perSecond, int burst) {
    return new AbuseLimits(
        watchesPerClient,
        connectionsPerClient,
        sessionsPerClient,
        perSecond,
        burst,
        watchesPerToken,
        sessionsPerToken);
  }

  /** These limits with {@code watches} and {@code sessions} per token (0: no limit). */
  public AbuseLimits withPerToken(int watches, int sessions) {
    return new AbuseLimits(
        watchesPerClient,
        connectionsPerClient,
        sessionsPerClient,
        requestsPerSecond,
        requestBurst,
        watches,
        sessions);
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
