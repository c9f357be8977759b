package dev.cairn.server;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Ticker;
import dev.cairn.server.core.Acls;
import dev.cairn.server.core.acl.Authorizer;
import dev.cairn.server.internal.http.HostAllowList;
import dev.cairn.server.internal.limits.AbuseLimits;
import dev.cairn.server.internal.limits.RequestRateLimit;
import io.netty.handler.ssl.SslContext;
import java.net.InetAddress;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a {@link FrontDoor} enforces so that it is as secure as the server's own API (decision
 * 0174): the server's TLS (the same rotating certificate and client CA), its ACL tokens, its {@code
 * Host} allow-list and its per-client abuse limits. A {@link CairnServer} makes one per front door;
 * each front door maps its protocol's token, refusals and watches onto it.
 *
 * <p>Thread-safe; nothing here blocks.
 */
public final class FrontDoorSecurity {

  private static final FrontDoorSecurity NONE =
      new FrontDoorSecurity(null, null, false, null, HostAllowList.ANY, AbuseLimits.DEFAULTS, null);

  private final SslContext http;
  private final SslContext grpc;
  private final boolean mutual;
  private final Acls acls; // null: ACLs off
  private final HostAllowList hosts;
  private final AbuseLimits limits;
  private final RequestRateLimit rate; // null: no limit

  private FrontDoorSecurity(
      SslContext http,
      SslContext grpc,
      boolean mutual,
      Acls acls,
      HostAllowList hosts,
      AbuseLimits limits,
      RequestRateLimit rate) {
    this.http = http;
    this.grpc = grpc;
    this.mutual = mutual;
    this.acls = acls;
    this.hosts = hosts;
    this.limits = limits;
    this.rate = rate;
  }

  /**
   * No security: plaintext, no tokens, any {@code Host}, the default limits. For a front door
   * started outside a {@link CairnServer} (tests, embedding on loopback).
   */
  public static FrontDoorSecurity none() {
    return NONE;
  }

  /** Made by {@link CairnServer#start()}: one per front door (its request rate is its own). */
  static FrontDoorSecurity of(
      SslContext http,
      SslContext grpc,
      boolean mutual,
      Acls acls,
      HostAllowList hosts,
      AbuseLimits limits,
      Ticker ticker) {
    return new FrontDoorSecurity(
        http,
        grpc,
        mutual,
        acls,
        requireNonNull(hosts, "hosts"),
        requireNonNull(limits, "limits"),
        limits.requestRateLimit(ticker));
  }

  /**
   * The server's TLS for an HTTP/1.1 listener (no ALPN); empty when the server has no certificate.
   * With {@link #mutualTls()}, the context requires a client certificate its CA signed.
   */
  public Optional<SslContext> httpTls() {
    return Optional.ofNullable(http);
  }

  /** The server's TLS for a gRPC listener (HTTP/2 by ALPN); empty without a certificate. */
  public Optional<SslContext> grpcTls() {
    return Optional.ofNullable(grpc);
  }

  /** Whether clients must present a certificate (the server has a client CA). */
  public boolean mutualTls() {
    return mutual;
  }

  /** Whether ACL tokens are enforced ({@code --acl}). */
  public boolean aclEnforced() {
    return acls != null;
  }

  /**
   * What the caller with token {@code secret} (null or empty: none, the anonymous policy) may do:
   * {@link Authorizer#ALL} with ACLs off; of {@link Authorizer.Kind#UNKNOWN} for a secret this
   * registry did not issue. Compiled once per token by the core; a known token costs a map lookup.
   */
  public Authorizer authorizer(String secret) {
    return acls == null ? Authorizer.ALL : acls.authorizer(secret);
  }

  /** Whether a request whose {@code Host} header is {@code host} (null: none) is served. */
  public boolean allowsHost(String host) {
    return hosts.allows(host);
  }

  /** The hosts served, for a refusal's message. */
  public String expectedHosts() {
    return hosts.toString();
  }

  /** Connections one client address may hold open ({@code --max-connections-per-client}). */
  public int maxConnectionsPerClient() {
    return limits.connectionsPerClient();
  }

  /**
   * Watches one client address may hold open ({@code --max-watches-per-client}): blocking queries
   * waiting at once, discovery streams.
   */
  public int maxWatchesPerClient() {
    return limits.watchesPerClient();
  }

  /**
   * Takes one request for {@code caller} (an ACL token's accessor id, else the client's address)
   * from the request rate ({@code --rate-limit}): 0 when it may go on, else the nanoseconds until
   * it may send the next. Always 0 without a limit.
   */
  public long acquireRequest(Object caller) {
    return rate == null ? 0 : rate.acquire(requireNonNull(caller, "caller"));
  }

  /** Whole seconds for a {@code Retry-After} of {@code nanos}: at least 1. */
  public static long retryAfterSeconds(long nanos) {
    return RequestRateLimit.retryAfterSeconds(nanos);
  }

  /**
   * Counts what each client address holds open (connections, watches) against a limit. Thread-safe;
   * a front door makes one per kind of thing counted.
   */
  public static final class PerClient {

    private final int max;
    private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();

    /**
     * At most {@code max} per client address.
     *
     * @throws IllegalArgumentException when {@code max} is below 1
     */
    public PerClient(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("max: " + max + " (expected: >= 1)");
      }
      this.max = max;
    }

    /** The limit. */
    public int max() {
      return max;
    }

    /** Takes one for {@code client}; false (and nothing taken) when it holds {@link #max()}. */
    public boolean tryAcquire(InetAddress client) {
      boolean[] taken = {false};
      open.compute(
          requireNonNull(client, "client"),
          (k, n) -> {
            int count = n == null ? 0 : n;
            if (count >= max) {
              return n;
            }
            taken[0] = true;
            return count + 1;
          });
      return taken[0];
    }

    /** Gives back one taken by {@link #tryAcquire}. */
    public void release(InetAddress client) {
      open.computeIfPresent(client, (k, n) -> n <= 1 ? null : n - 1);
    }
  }
}
