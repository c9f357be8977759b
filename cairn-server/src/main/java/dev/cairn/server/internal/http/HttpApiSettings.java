package dev.cairn.server.internal.http;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Limits;
import dev.cairn.common.Ticker;
import dev.cairn.server.internal.limits.AbuseLimits;
import dev.cairn.server.internal.limits.RequestRateLimit;
import dev.cairn.server.internal.limits.TokenQuota;
import dev.cairn.server.internal.limits.TokenQuotas;
import java.time.Clock;
import java.time.Duration;

/**
 * Tunables of the HTTP API: how often event streams send a keep-alive comment, how many watches and
 * connections one client address may hold, how long a request may take to arrive and a connection
 * may stay idle, the clock for uptime, the number of I/O threads, and the {@code Host} names served
 * ({@link HostAllowList}). Immutable; each {@code with...} returns a copy.
 */
public final class HttpApiSettings {

  /** Most connections one client address may hold open. */
  public static final int DEFAULT_MAX_CONNECTIONS_PER_CLIENT = 1_024;

  /** How long a request may take to arrive, from its first byte to its last. */
  static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

  /** How long a connection may wait for its next request once every answer is sent. */
  static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(120);

  private Duration sseKeepAlive;
  private int maxWatchesPerClient;
  private Clock clock;
  private int ioThreads;
  private int maxConnectionsPerClient;
  private Duration requestTimeout;
  private Duration idleTimeout;
  private HostAllowList hosts;
  private int maxSessionsPerClient;
  private RequestRateLimit requestRate; // null: none
  private TokenQuota watchesPerToken; // null: none
  private TokenQuota sessionsPerToken; // null: none

  private HttpApiSettings() {}

  private HttpApiSettings copy() {
    HttpApiSettings s = new HttpApiSettings();
    s.sseKeepAlive = sseKeepAlive;
    s.maxWatchesPerClient = maxWatchesPerClient;
    s.clock = clock;
    s.ioThreads = ioThreads;
    s.maxConnectionsPerClient = maxConnectionsPerClient;
    s.requestTimeout = requestTimeout;
    s.idleTimeout = idleTimeout;
    s.hosts = hosts;
    s.maxSessionsPerClient = maxSessionsPerClient;
    s.requestRate = requestRate;
    s.watchesPerToken = watchesPerToken;
    s.sessionsPerToken = sessionsPerToken;
    return s;
  }

  /**
   * 15 s keep-alives, {@link Limits#MAX_WATCHES_PER_CONNECTION} watches and {@value
   * #DEFAULT_MAX_CONNECTIONS_PER_CLIENT} connections per client address, 30 s to receive a request,
   * 120 s idle, the UTC clock, one thread per core, any {@code Host}.
   */
  public static HttpApiSettings defaults() {
    HttpApiSettings s = new HttpApiSettings();
    s.sseKeepAlive = Duration.ofSeconds(15);
    s.maxWatchesPerClient = Limits.MAX_WATCHES_PER_CONNECTION;
    s.clock = Clock.systemUTC();
    s.ioThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
    s.maxConnectionsPerClient = DEFAULT_MAX_CONNECTIONS_PER_CLIENT;
    s.requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    s.idleTimeout = DEFAULT_IDLE_TIMEOUT;
    s.hosts = HostAllowList.ANY;
    s.maxSessionsPerClient = AbuseLimits.DEFAULT_SESSIONS_PER_CLIENT;
    return s;
  }

  Duration sseKeepAlive() {
    return sseKeepAlive;
  }

  int maxWatchesPerClient() {
    return maxWatchesPerClient;
  }

  Clock clock() {
    return clock;
  }

  int ioThreads() {
    return ioThreads;
  }

  int maxConnectionsPerClient() {
    return maxConnectionsPerClient;
  }

  Duration requestTimeout() {
    return requestTimeout;
  }

  Duration idleTimeout() {
    return idleTimeout;
  }

  HostAllowList hosts() {
    return hosts;
  }

  int maxSessionsPerClient() {
    return maxSessionsPerClient;
  }

  RequestRateLimit requestRate() {
    return requestRate;
  }

  TokenQuota watchesPerToken() {
    return watchesPerToken;
  }

  TokenQuota sessionsPerToken() {
    return sessionsPerToken;
  }

  /**
   * The abuse limits ({@code --max-watches-per-client} and the others): watches, connections and
   * sessions per client address, and the request-rate limit on the system's clock.
   */
  public HttpApiSettings withLimits(AbuseLimits limits) {
    return withLimits(limits, TokenQuotas.of(limits));
  }

  /**
   * Like {@link #withLimits(AbuseLimits)}, counting watches and sessions per token in {@code
   * perToken}, which the server's other listeners share (decision 0175).
   */
  public HttpApiSettings withLimits(AbuseLimits limits, TokenQuotas perToken) {
    HttpApiSettings s = copy();
    s.maxWatchesPerClient = limits.watchesPerClient();
    s.maxConnectionsPerClient = limits.connectionsPerClient();
    s.maxSessionsPerClient = limits.sessionsPerClient();
    s.requestRate = limits.requestRateLimit(Ticker.system());
    s.watchesPerToken = perToken.watches();
    s.sessionsPerToken = perToken.sessions();
    return s;
  }

  HttpApiSettings withMaxSessionsPerClient(int n) {
    HttpApiSettings s = copy();
    s.maxSessionsPerClient = atLeastOne("maxSessionsPerClient", n);
    return s;
  }

  HttpApiSettings withRequestRate(RequestRateLimit rate) {
    HttpApiSettings s = copy();
    s.requestRate = rate;
    return s;
  }

  HttpApiSettings withSseKeepAlive(Duration d) {
    HttpApiSettings s = copy();
    s.sseKeepAlive = positive("sseKeepAlive", d);
    return s;
  }

  /** Most event streams (watches) one client address may hold open. */
  public HttpApiSettings withMaxWatchesPerClient(int n) {
    HttpApiSettings s = copy();
    s.maxWatchesPerClient = atLeastOne("maxWatchesPerClient", n);
    return s;
  }

  HttpApiSettings withClock(Clock c) {
    HttpApiSettings s = copy();
    s.clock = requireNonNull(c, "clock");
    return s;
  }

  /** Most connections one client address may hold open. */
  public HttpApiSettings withMaxConnectionsPerClient(int n) {
    HttpApiSettings s = copy();
    s.maxConnectionsPerClient = atLeastOne("maxConnectionsPerClient", n);
    return s;
  }

  HttpApiSettings withRequestTimeout(Duration d) {
    HttpApiSettings s = copy();
    s.requestTimeout = positive("requestTimeout", d);
    return s;
  }

  HttpApiSettings withIdleTimeout(Duration d) {
    HttpApiSettings s = copy();
    s.idleTimeout = positive("idleTimeout", d);
    return s;
  }

  HttpApiSettings withIoThreads(int n) {
    HttpApiSettings s = copy();
    s.ioThreads = atLeastOne("ioThreads", n);
    return s;
  }

  /** The names a request's {@code Host} may give; any by default. */
  public HttpApiSettings withHosts(HostAllowList hosts) {
    HttpApiSettings s = copy();
    s.hosts = requireNonNull(hosts, "hosts");
    return s;
  }

  private static int atLeastOne(String name, int n) {
    if (n < 1) {
      throw new IllegalArgumentException(name + ": " + n + " (expected: >= 1)");
    }
    return n;
  }

  private static Duration positive(String name, Duration d) {
    requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
    }
    return d;
  }
}
