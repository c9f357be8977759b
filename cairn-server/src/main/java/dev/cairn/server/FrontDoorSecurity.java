package dev.cairn.server;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Ticker;
import dev.cairn.server.core.Acls;
import dev.cairn.server.core.acl.Authorizer;
import dev.cairn.server.internal.http.HostAllowList;
import dev.cairn.server.internal.http.Origins;
import dev.cairn.server.internal.limits.AbuseLimits;
import dev.cairn.server.internal.limits.Quota;
import dev.cairn.server.internal.limits.RequestRateLimit;
import dev.cairn.server.internal.limits.TokenQuota;
import dev.cairn.server.internal.limits.TokenQuotas;
import io.netty.handler.ssl.SslContext;
import java.net.InetAddress;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What a {@link FrontDoor} enforces so that it is as secure as the server's own API (decision
 * 0174): the server's TLS (the same rotating certificate and client CA), its ACL tokens, its {@code
 * Host} allow-list and its abuse limits — per client address on this front door, and per token
 * across the server ({@link #openWatch}, {@link #openSession}, decisions 0175 and 0177). A {@link
 * CairnServer} makes one per front door; each front door maps its protocol's token, refusals and
 * watches onto it.
 *
 * <p>Thread-safe; nothing here blocks.
 */
public final class FrontDoorSecurity {

  private final SslContext http;
  private final SslContext grpc;
  private final boolean mutual;
  private final Acls acls; // null: ACLs off
  private final dev.cairn.server.internal.auth.AclGuard guard; // reads the token headers
  private final HostAllowList hosts;
  private final AbuseLimits limits;
  private final RequestRateLimit rate; // null: no limit
  // This front door's own counts per client address; the per-token count is the server's.
  private final Quota<InetAddress> connections;
  private final Quota<InetAddress> watches;
  private final TokenQuota watchesPerToken; // null: no limit per token
  private final TokenQuota sessionsPerToken; // null: no limit per token

  private FrontDoorSecurity(
      SslContext http,
      SslContext grpc,
      boolean mutual,
      Acls acls,
      HostAllowList hosts,
      AbuseLimits limits,
      RequestRateLimit rate,
      TokenQuota watchesPerToken,
      TokenQuota sessionsPerToken) {
    this.http = http;
    this.grpc = grpc;
    this.mutual = mutual;
    this.acls = acls;
    this.guard = new dev.cairn.server.internal.auth.AclGuard(acls, acls != null);
    this.hosts = hosts;
    this.limits = limits;
    this.rate = rate;
    this.connections = new Quota<>(limits.connectionsPerClient());
    this.watches = new Quota<>(limits.watchesPerClient());
    this.watchesPerToken = watchesPerToken;
    this.sessionsPerToken = sessionsPerToken;
  }

  /**
   * No security: plaintext, no tokens, any {@code Host}, the default limits (counted for this
   * instance alone). For a front door started outside a {@link CairnServer} (tests, embedding on
   * loopback).
   */
  public static FrontDoorSecurity none() {
    return new FrontDoorSecurity(
        null, null, false, null, HostAllowList.ANY, AbuseLimits.DEFAULTS, null, null, null);
  }

  /**
   * Made by {@link CairnServer#start()}: one per front door (its request rate and per-client counts
   * are its own; {@code perToken} is the server's, shared with its API).
   */
  static FrontDoorSecurity of(
      SslContext http,
      SslContext grpc,
      boolean mutual,
      Acls acls,
      HostAllowList hosts,
      AbuseLimits limits,
      TokenQuotas perToken,
      Ticker ticker) {
    return new FrontDoorSecurity(
        http,
        grpc,
        mutual,
        acls,
        requireNonNull(hosts, "hosts"),
        requireNonNull(limits, "limits"),
        limits.requestRateLimit(ticker),
        acls == null ? null : requireNonNull(perToken, "perToken").watches(),
        acls == null ? null : perToken.sessions());
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

  /**
   * What the caller with these token headers may do (either null when absent): {@code
   * authorization} ({@code Bearer <secret>}) and {@code x-cairn-token}, as the server's own API
   * reads them. Two different tokens are refused, with ACLs on or off (which one acts would be a
   * guess); with ACLs on, an {@code authorization} of another scheme is refused when {@code
   * tokenHeader} carries no token. A front door that reads more forms (Consul's header, {@code
   * Basic}) checks them itself and passes the token it found to {@link #authorizer}.
   *
   * @throws dev.cairn.common.CairnException {@code INVALID_ARGUMENT} naming {@code token} for two
   *     different tokens, {@code UNAUTHENTICATED} naming {@code authorization} for another scheme
   */
  public Authorizer caller(String authorization, String tokenHeader) {
    return guard.caller(authorization, tokenHeader);
  }

  /**
   * The rights of the caller with these token headers (see {@link #caller}) as they are at each
   * call of the supplier, for what outlives the request that opened it — a discovery stream, a
   * watch: a token deleted, or a policy changed, since it began applies at the next call (decisions
   * 0217, 0232). Each call is a look-up in the core's cache of the token, which answers the same
   * {@link Authorizer} object while no token or policy changed, so an identity comparison tells a
   * stream whether it needs to check again.
   *
   * @throws dev.cairn.common.CairnException as {@link #caller}
   */
  public Supplier<Authorizer> liveCaller(String authorization, String tokenHeader) {
    guard.caller(authorization, tokenHeader);
    return guard.live(dev.cairn.server.internal.auth.AclGuard.token(authorization, tokenHeader));
  }

  /** Whether a request whose {@code Host} header is {@code host} (null: none) is served. */
  public boolean allowsHost(String host) {
    return hosts.allows(host);
  }

  /**
   * Whether a write ({@code POST}, {@code PUT}, {@code DELETE}, …) whose {@code Origin} header is
   * {@code origin} (null: none, as from every client but a browser) and whose {@code Host} is
   * {@code host} is served: a page of another origin may not write, on a front door as on the
   * server's API (issue 13).
   */
  public boolean allowsWrite(String origin, String host) {
    return Origins.allowsWrite(origin, host);
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
   * Watches one ACL token may hold open across the server ({@code --max-watches-per-token}), its
   * API's and every front door's together; 0 for no limit (and always 0 with ACLs off).
   */
  public int maxWatchesPerToken() {
    return watchesPerToken == null ? 0 : watchesPerToken.max();
  }

  /**
   * Sessions one ACL token may hold open across the server ({@code --max-sessions-per-token}), its
   * API's and every front door's together; 0 for no limit (and always 0 with ACLs off).
   */
  public int maxSessionsPerToken() {
    return sessionsPerToken == null ? 0 : sessionsPerToken.max();
  }

  /**
   * Whether the sessions {@code caller} opens through a front door count against its token's {@code
   * --max-sessions-per-token}: ACLs on, a limit set, and a known token ({@link #openSession} then
   * takes a place; otherwise it takes none).
   */
  public boolean countsSessionsOf(Authorizer caller) {
    return tokenOf(sessionsPerToken, caller) != null;
  }

  /**
   * Takes a place for a session the front door opens on behalf of {@code caller} (a Eureka lease):
   * with ACLs on and a known token, one of the {@code --max-sessions-per-token} the token may hold
   * open across the server, the same count as its sessions on the API (decision 0177). The place is
   * held while {@code open} answers true: close the answer when the session ends where the front
   * door sees it (a cancel, a registration that replaces it); one that ends unseen (a lease that
   * expires) is given back once {@code open} says so, at the latest when the token next needs the
   * place. {@code open} is asked only when the token is full, from any thread, and must not block.
   */
  public Held openSession(Authorizer caller, BooleanSupplier open) {
    requireNonNull(open, "open");
    String token = tokenOf(sessionsPerToken, caller);
    if (token == null) {
      return new Held(() -> {});
    }
    if (!sessionsPerToken.tryAcquireWhile(token, open)) {
      return Held.refused(
          "sessions: "
              + sessionsPerToken.max()
              + " open with token "
              + token
              + " (expected: at most "
              + sessionsPerToken.max()
              + " per token, the server's API and front doors together; cancel some, or let"
              + " them expire)");
    }
    return new Held(() -> sessionsPerToken.releaseWhile(token, open));
  }

  private static String tokenOf(TokenQuota quota, Authorizer caller) {
    return quota != null && caller.kind() == Authorizer.Kind.KNOWN && !caller.accessorId().isEmpty()
        ? caller.accessorId()
        : null;
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
   * Opens a connection from {@code client} (null: an address unknown, not counted): one of the
   * {@link #maxConnectionsPerClient()} it may hold open on this front door. Close the answer when
   * the connection closes.
   */
  public Held openConnection(InetAddress client) {
    if (client != null && !connections.tryAcquire(client)) {
      return Held.refused(
          "connections: "
              + connections.max()
              + " open from "
              + client.getHostAddress()
              + " (expected: at most "
              + connections.max()
              + " per client address)");
    }
    return new Held(
        () -> {
          if (client != null) {
            connections.release(client);
          }
        });
  }

  /**
   * Opens a watch (a Consul blocking query waiting, an xDS stream) for {@code caller} from {@code
   * client} (null: an address unknown, not counted per address): one of the {@link
   * #maxWatchesPerClient()} the address may hold open on this front door and, with ACLs on and a
   * known token, one of the {@code --max-watches-per-token} the token may hold open across the
   * server — its API's watches and every front door's count against the same number (decision
   * 0175). Close the answer when the watch ends, however it ends.
   */
  public Held openWatch(InetAddress client, Authorizer caller) {
    if (client != null && !watches.tryAcquire(client)) {
      return Held.refused(
          "watches: "
              + watches.max()
              + " open from "
              + client.getHostAddress()
              + " (expected: at most "
              + watches.max()
              + " per client address)");
    }
    String token = tokenOf(watchesPerToken, caller);
    if (token != null && !watchesPerToken.tryAcquire(token)) {
      if (client != null) {
        watches.release(client);
      }
      return Held.refused(
          "watches: "
              + watchesPerToken.max()
              + " open with token "
              + token
              + " (expected: at most "
              + watchesPerToken.max()
              + " per token, the server's API and front doors together)");
    }
    return new Held(
        () -> {
          if (client != null) {
            watches.release(client);
          }
          if (token != null) {
            watchesPerToken.release(token);
          }
        });
  }

  /**
   * A connection, watch or session a client holds open, or the refusal of one over a limit ({@link
   * #refusal()}). {@link #close()} gives its places back, once, from any thread; closing a refusal
   * does nothing.
   */
  public static final class Held implements AutoCloseable {

    private final Runnable release;
    private final String refusal;
    private final AtomicBoolean closed;

    private Held(Runnable release) {
      this.release = release;
      this.refusal = null;
      this.closed = new AtomicBoolean();
    }

    private Held(String refusal) {
      this.release = null;
      this.refusal = refusal;
      this.closed = new AtomicBoolean(true);
    }

    private static Held refused(String why) {
      return new Held(why);
    }

    /** Whether the place was taken. */
    public boolean granted() {
      return refusal == null;
    }

    /**
     * Why it was refused, naming the limit ({@code watches: 2 open with token … (expected: at most
     * 2 per token …)}); null when granted.
     */
    public String refusal() {
      return refusal;
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        release.run();
      }
    }
  }
}
