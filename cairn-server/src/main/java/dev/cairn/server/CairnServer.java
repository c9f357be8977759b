package dev.cairn.server;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.CairnException;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.RegistryMonitor;
import dev.cairn.server.core.RegistryOptions;
import dev.cairn.server.core.log.CommandLog;
import dev.cairn.server.core.log.MemoryCommandLog;
import dev.cairn.server.internal.HttpListeners;
import dev.cairn.server.internal.Listener;
import dev.cairn.server.internal.ListenerLines;
import dev.cairn.server.internal.OpenAccess;
import dev.cairn.server.internal.OutOfMemoryGuard;
import dev.cairn.server.internal.ServerTls;
import dev.cairn.server.internal.auth.AclGuard;
import dev.cairn.server.internal.dns.DnsListener;
import dev.cairn.server.internal.dns.DnsMetrics;
import dev.cairn.server.internal.dns.DnsRateLimit;
import dev.cairn.server.internal.grpc.GrpcListener;
import dev.cairn.server.internal.health.NetworkProbe;
import dev.cairn.server.internal.http.HostAllowList;
import dev.cairn.server.internal.http.HttpApiSettings;
import dev.cairn.server.internal.limits.AbuseLimits;
import dev.cairn.server.internal.limits.TokenQuotas;
import dev.cairn.server.internal.metrics.ServerMetrics;
import dev.cairn.server.internal.trends.Trends;
import dev.cairn.server.ratis.ClusterPeers;
import dev.cairn.server.ratis.RatisCommandLog;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embeddable Cairn server: a {@link Registry} on a command log, served over gRPC ({@code
 * cairn.v1.Registry}) and HTTP.
 *
 * <pre>{@code
 * try (CairnServer server = CairnServer.builder().inMemory().grpcPort(0).httpPort(0).start()) {
 *   server.listenerLines().forEach(System.out::println); // "grpc  listening on 127.0.0.1:41234"
 * }
 * }</pre>
 *
 * <p>Lifecycle: {@link #start()} once, then {@link #close()} (idempotent). Both are serialized by
 * the server's lock; the accessors are thread-safe and never block. A server whose command log
 * fails (see {@link Registry#failure()}) closes itself: {@link #whenClosed()} tells.
 */
public final class CairnServer implements AutoCloseable {

  /** The address listened on by default: loopback only. */
  public static final String DEFAULT_BIND = "127.0.0.1";

  /** The HTTP port by default. */
  public static final int DEFAULT_HTTP_PORT = 8500;

  /** The gRPC port by default. */
  public static final int DEFAULT_GRPC_PORT = 8501;

  /**
   * The DNS port of the command line's server ({@code cairn server}); see {@link Builder#dnsPort}.
   */
  public static final int DEFAULT_DNS_PORT = 8600;

  /** The {@link Builder#dnsPort} that turns DNS off; the builder's default. */
  public static final int DNS_OFF = -1;

  /** The DNS domain by default: names are {@code <service>.service.cairn}. */
  public static final String DEFAULT_DNS_DOMAIN = "cairn";

  /** The data directory by default, relative to the working directory. */
  public static final Path DEFAULT_DATA_DIR = Path.of("data");

  /** The longest DNS TTL: one day. */
  static final long MAX_DNS_TTL_SECONDS = 86_400;

  private static final Logger log = LoggerFactory.getLogger(CairnServer.class);

  private enum State {
    NEW,
    STARTED,
    CLOSED
  }

  private final Path dataDir;
  private final String bind;
  private final int httpPort;
  private final int grpcPort;
  private final RegistryOptions registryOptions;
  private final int dnsPort;
  private final String dnsDomain;
  private final Duration dnsTtl;
  private final double dnsRateLimit; // < 0: by the bind address
  private final boolean metricsOn;
  private final CommandLog commandLog;
  private final List<FrontDoor.Factory> frontDoorFactories;
  private final Path tlsCert;
  private final Path tlsKey;
  private final Path tlsCa;
  private final boolean insecureAllowOpenAccess;
  private final boolean acl;
  private final Duration tokenCheckInterval;
  private final List<String> allowedHosts;
  private final AbuseLimits limits;
  private final List<String> raftHosts; // the cluster's members' Raft hosts; empty for one node
  // The host clients reach this member's gRPC API at, told the other members (decision 0114);
  // null for a single node.
  private final String advertiseHost;
  // The Raft settings of a cluster member (or of a single node with a snapshot setting); null when
  // the defaults serve.
  private final RatisCommandLog.Builder cluster;

  // Written under `this` by start() and close(); read by any thread.
  private volatile State state = State.NEW;
  private volatile Registry registry;
  private volatile Listener grpc;
  private volatile Listener http;
  private volatile Listener dns;
  private volatile ServerMetrics metrics;
  private volatile Trends trends;
  private volatile NetworkProbe probe;
  private volatile List<FrontDoor> frontDoors = List.of();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();

  private CairnServer(Builder b) {
    this.dataDir = b.dataDir;
    this.bind = b.bind;
    this.httpPort = b.httpPort;
    this.grpcPort = b.grpcPort;
    this.registryOptions = b.registryOptions();
    this.dnsPort = b.dnsPort;
    this.dnsDomain = b.dnsDomain;
    this.dnsTtl = b.dnsTtl;
    this.dnsRateLimit = b.dnsRateLimit;
    this.metricsOn = b.metrics;
    this.tokenCheckInterval = b.tokenCheckInterval;
    this.commandLog = b.commandLog;
    this.frontDoorFactories = List.copyOf(b.frontDoors);
    this.tlsCert = b.tlsCert;
    this.tlsKey = b.tlsKey;
    this.tlsCa = b.tlsCa;
    this.insecureAllowOpenAccess = b.insecureAllowOpenAccess;
    this.acl = b.acl;
    this.allowedHosts = List.copyOf(b.allowedHosts);
    this.limits = b.limits;
    this.raftHosts =
        b.peers == null ? List.of() : b.peers.stream().map(ClusterPeers.Peer::host).toList();
    this.cluster = b.clusterLog();
    this.advertiseHost = b.advertiseHost();
  }

  /** A builder with the defaults: durable in {@code ./data}, 127.0.0.1, ports 8500 and 8501. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Opens the storage, restores the registry from it, then binds the gRPC and HTTP listeners. On
   * failure everything started so far is closed again.
   *
   * <p>Secure by default (see {@code docs/security.md}): bound to an address other than loopback,
   * the server refuses to start unless it authenticates its clients (TLS with a client CA, see
   * {@link Builder#tlsCa}, or with ACL tokens, see {@link Builder#acl}) — its front doors too,
   * which enforce the same (see {@link FrontDoorSecurity}); and a cluster member refuses to start
   * when a member's Raft address is not loopback (member-to-member TLS is not built yet) — unless
   * {@link Builder#insecureAllowOpenAccess} says to serve anyway (then it logs a warning at every
   * start).
   *
   * @throws IOException when the storage cannot be opened (at once, with the message {@code data
   *     directory <dir> is in use by another Cairn server}, when another server holds the data
   *     directory), a port cannot be bound or a TLS file cannot be read or used (the message names
   *     it)
   * @throws IllegalStateException when called twice, or after {@link #close()}, or when the server
   *     would serve open access off loopback (the message says how to fix it)
   */
  public synchronized CairnServer start() throws IOException {
    if (state != State.NEW) {
      throw new IllegalStateException("state: " + state + " (expected: NEW)");
    }
    OutOfMemoryGuard.install(); // an OOM ends the process (decision 0090)
    InetAddress address = InetAddress.getByName(bind);
    Instant startedAt = Instant.now();
    try {
      OpenAccess.check(address, tlsCert != null, tlsCa != null, acl, insecureAllowOpenAccess);
      // Members authenticate each other with the server's certificate and the client CA (0109).
      boolean peerTls = cluster != null && !raftHosts.isEmpty() && tlsCa != null;
      OpenAccess.checkRaft(raftHosts, peerTls, insecureAllowOpenAccess);
      ServerTls tls = tlsCert == null ? null : ServerTls.load(tlsCert, tlsKey, tlsCa);
      if (peerTls) {
        cluster.peerTls(tls.keyManager(), tls.clientCa());
      }
      RegistryOptions options = registryOptions;
      if (metricsOn) {
        metrics = new ServerMetrics();
        if (options.monitor() == RegistryMonitor.NONE) {
          options = options.toBuilder().monitor(metrics.monitor()).build();
        }
      }
      // The console's history (decision 0153) taps whatever monitor the registry reports to.
      Trends t = new Trends(Clock.systemUTC());
      trends = t;
      options = options.toBuilder().monitor(t.monitor(options.monitor())).build();
      CommandLog commands = openLog();
      registry = Registry.start(commands, withProbe(options));
      t.start(registry);
      AclGuard aclGuard = new AclGuard(registry.acls(), acl);
      // One count per token of watches and sessions across the APIs and the front doors.
      TokenQuotas tokenQuotas = TokenQuotas.of(limits);
      if (acl) {
        log.info(
            "ACLs on: every request needs a token (default deny){}",
            registry.acls().bootstrapped()
                ? ""
                : "; none exists yet: create the first with cairn acl bootstrap");
      }
      GrpcListener g =
          GrpcListener.start(
              registry,
              new InetSocketAddress(address, grpcPort),
              registryOptions.ticker(),
              metrics == null ? List.of() : List.of(metrics.grpcInterceptor()),
              tls == null ? null : tls.grpc(),
              Listener.Security.of(tls),
              aclGuard,
              limits,
              tokenQuotas,
              tokenCheckInterval);
      grpc = g;
      if (advertiseHost != null) {
        commands.advertise(hostPort(advertiseHost, g.address().getPort()));
      }
      http =
          HttpListeners.start(
              registry,
              new InetSocketAddress(address, httpPort),
              startedAt,
              metrics,
              tls,
              aclGuard,
              t,
              HttpApiSettings.defaults()
                  .withHosts(HostAllowList.forBind(bind, address, allowedHosts))
                  .withLimits(limits, tokenQuotas));
      if (metrics != null) {
        metrics.bindRegistry(registry);
        metrics.bindWatchers("grpc", g, GrpcListener::watchCount);
        metrics.gauge(
            "cairn.grpc.session.streams",
            "Open gRPC session streams",
            g,
            GrpcListener::sessionStreamCount);
      }
      if (dnsPort != DNS_OFF) {
        dns =
            DnsListener.start(
                registry,
                new InetSocketAddress(address, dnsPort),
                dnsDomain,
                dnsTtl.toSeconds(),
                metrics == null ? DnsMetrics.NONE : metrics.dns(),
                dnsMayRead(aclGuard),
                dnsRateLimit(address));
      }
      startFrontDoors(
          address, tls, HostAllowList.forBind(bind, address, allowedHosts), tokenQuotas);
    } catch (IOException | RuntimeException e) {
      state = State.CLOSED;
      stop();
      closed.complete(null);
      throw e;
    }
    state = State.STARTED;
    for (String line : listenerLines()) {
      log.debug(line);
    }
    registry.failure().thenAccept(this::closeAfterFailure);
    return this;
  }

  /**
   * The UDP rate limit of DNS: {@link Builder#dnsRateLimit}'s, or by default none on loopback and
   * {@value DnsRateLimit#DEFAULT_PER_SECOND} answers a second per client address elsewhere.
   */
  private DnsRateLimit dnsRateLimit(InetAddress address) {
    double perSecond =
        dnsRateLimit >= 0
            ? dnsRateLimit
            : address.isLoopbackAddress() ? 0 : DnsRateLimit.DEFAULT_PER_SECOND;
    return perSecond == 0 ? null : DnsRateLimit.perClient(perSecond);
  }

  /** {@code host:port}, an IPv6 literal in brackets. */
  static String hostPort(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  /**
   * What DNS may answer: everything with ACLs off; with ACLs on, the services the anonymous policy
   * may read (DNS queries carry no token).
   */
  private static java.util.function.BiPredicate<String, String> dnsMayRead(AclGuard acl) {
    if (!acl.enforced()) {
      return (namespace, service) -> true;
    }
    return (namespace, service) ->
        acl.authorizer(null)
            .allows(
                dev.cairn.server.core.acl.Resource.SERVICE,
                dev.cairn.server.core.acl.Access.READ,
                namespace,
                service);
  }

  /** The bound HTTP address (with the real port when port 0 was asked for). */
  public InetSocketAddress httpAddress() {
    checkStarted();
    return http.address();
  }

  /** The bound gRPC address (with the real port when port 0 was asked for). */
  public InetSocketAddress grpcAddress() {
    checkStarted();
    return grpc.address();
  }

  /**
   * The bound DNS address, UDP and TCP (with the real port when port 0 was asked for); empty when
   * DNS is off.
   */
  public Optional<InetSocketAddress> dnsAddress() {
    checkStarted();
    Listener d = dns;
    return d == null ? Optional.empty() : Optional.of(d.address());
  }

  /** The front doors this server started, in the order they were added to its builder. */
  public List<FrontDoor> frontDoors() {
    checkStarted();
    return frontDoors;
  }

  /** The registry this server serves; closed by {@link #close()}. */
  public Registry registry() {
    checkStarted();
    return registry;
  }

  /**
   * One line per listener, HTTP first, for the command line to print (logged at debug level at
   * start). The protocol is padded to four characters and followed by two spaces; the HTTP address
   * carries its scheme, and an IPv6 literal is bracketed in its short form:
   *
   * <pre>
   * http  listening on http://127.0.0.1:8500
   * grpc  listening on 127.0.0.1:8501
   * dns   listening on udp+tcp 127.0.0.1:8600
   * </pre>
   *
   * <p>Over TLS, HTTP's scheme is {@code https://} and the HTTP and gRPC lines end with {@code
   * (TLS)}, or {@code (mutual TLS)} when clients must present a certificate.
   *
   * <p>The DNS line is there when DNS is on; then one line per {@link FrontDoor}, e.g. {@code xds
   * listening on 127.0.0.1:18000}.
   */
  public List<String> listenerLines() {
    checkStarted();
    List<String> lines = new ArrayList<>(3);
    lines.add(ListenerLines.of(http));
    lines.add(ListenerLines.of(grpc));
    Listener d = dns;
    if (d != null) {
      lines.add(ListenerLines.of(d));
    }
    for (FrontDoor door : frontDoors) {
      lines.add(String.format("%-4s  listening on %s", door.protocol(), door.endpoint()));
    }
    return List.copyOf(lines);
  }

  /**
   * Stops the listeners (no new calls; watches end with {@code UNAVAILABLE}; session streams are
   * cut without closing their sessions, so clients resume them within their TTL after a restart),
   * then closes the registry and its log. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    stop();
    closed.complete(null);
  }

  /**
   * Completes once the server has stopped serving: normally when {@link #close()} has finished, or
   * exceptionally, with a {@link dev.cairn.common.CairnException} of code {@code UNAVAILABLE} that
   * names the cause, when the server closed itself because its command log failed ({@link
   * Registry#failure()}; the registry logged it at ERROR). A server that closed itself has closed
   * its listeners, so clients fail over; whoever runs it should exit with an error so that a
   * supervisor restarts it ({@code cairn server} exits with code 6). A cluster member removed from
   * the cluster's configuration closes itself the same way, with an exception {@link
   * dev.cairn.server.core.log.CommandLog#removedFromCluster} recognises: it must not be restarted
   * ({@code cairn server} exits with code 0; decision 0179). Dependent stages run on the thread
   * that closed the server.
   */
  public CompletableFuture<Void> whenClosed() {
    return closed.copy();
  }

  /**
   * Whether {@code cause}, the exception {@link #whenClosed()} completed with, says this cluster
   * member was removed from its cluster: it stopped for good and must not be restarted (decision
   * 0179).
   */
  public static boolean removedFromCluster(Throwable cause) {
    return dev.cairn.server.core.log.CommandLog.removedFromCluster(cause);
  }

  // On the registry's failure thread.
  private synchronized void closeAfterFailure(CairnException cause) {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    log.info(
        dev.cairn.server.core.log.CommandLog.removedFromCluster(cause)
            ? "closing the server: this member was removed from its cluster"
            : "closing the server: its command log failed");
    stop();
    closed.completeExceptionally(cause);
  }

  private void stop() {
    Listener g = grpc;
    Listener h = http;
    Listener d = dns;
    Registry r = registry;
    ServerMetrics m = metrics;
    Trends t = trends;
    if (t != null) {
      t.close();
    }
    if (g != null) {
      g.beginShutdown();
    }
    for (FrontDoor door : frontDoors) {
      door.close();
    }
    if (h != null) {
      h.beginShutdown();
      h.close();
    }
    if (d != null) {
      d.close();
    }
    if (r != null) {
      r.close();
    }
    NetworkProbe p = probe;
    if (p != null) {
      p.close();
    }
    if (g != null) {
      g.close();
    }
    if (m != null) {
      m.close();
    }
  }

  // Under `this`, from start(): each front door's failure closes the ones started before it.
  private void startFrontDoors(
      InetAddress address, ServerTls tls, HostAllowList hosts, TokenQuotas tokenQuotas)
      throws IOException {
    List<FrontDoor> started = new ArrayList<>(frontDoorFactories.size());
    try {
      for (FrontDoor.Factory factory : frontDoorFactories) {
        FrontDoorSecurity security =
            FrontDoorSecurity.of(
                tls == null ? null : tls.http(),
                tls == null ? null : tls.grpc(),
                tls != null && tls.mutual(),
                acl ? registry.acls() : null,
                hosts,
                limits,
                tokenQuotas,
                registryOptions.ticker());
        started.add(requireNonNull(factory.start(registry, address, security), "frontDoor"));
      }
    } finally {
      frontDoors = List.copyOf(started);
    }
  }

  // The server probes HTTP, TCP and gRPC health checks itself unless the options bring a probe.
  private RegistryOptions withProbe(RegistryOptions options) {
    if (options.healthProbe() != null) {
      return options;
    }
    probe = new NetworkProbe();
    return options.toBuilder().healthProbe(probe).build();
  }

  private CommandLog openLog() {
    if (commandLog != null) {
      return commandLog;
    }
    if (dataDir == null) {
      return new MemoryCommandLog();
    }
    return cluster != null ? cluster.build() : RatisCommandLog.builder(dataDir).build();
  }

  private void checkStarted() {
    if (state == State.NEW) {
      throw new IllegalStateException("state: NEW (expected: started)");
    }
  }

  /** Builds a {@link CairnServer}; not thread-safe. */
  public static final class Builder {
    private Path dataDir = DEFAULT_DATA_DIR;
    private String bind = DEFAULT_BIND;
    private int httpPort = DEFAULT_HTTP_PORT;
    private int grpcPort = DEFAULT_GRPC_PORT;
    private RegistryOptions registryOptions = RegistryOptions.defaults();
    private Duration sessionDetachGrace;
    private Double protectionThreshold;
    private int dnsPort = DNS_OFF;
    private String dnsDomain = DEFAULT_DNS_DOMAIN;
    private Duration dnsTtl = Duration.ZERO;
    private Duration tokenCheckInterval = GrpcListener.DEFAULT_TOKEN_CHECK_INTERVAL;
    private double dnsRateLimit = -1;
    private boolean metrics = true;
    private CommandLog commandLog;
    private final List<FrontDoor.Factory> frontDoors = new ArrayList<>();
    private Path tlsCert;
    private Path tlsKey;
    private Path tlsCa;
    private boolean insecureAllowOpenAccess;
    private boolean acl;
    private List<String> allowedHosts = List.of();
    private AbuseLimits limits = AbuseLimits.DEFAULTS;
    private String nodeId;
    private List<ClusterPeers.Peer> peers;
    private String advertiseAddress;
    private String clusterName = "cairn";
    private boolean join;
    private Duration electionTimeout = Duration.ofMillis(250);
    private Duration writeTimeout = Duration.ofSeconds(3);
    private long snapshotEvery;
    private long segmentSizeBytes;
    private long minFreeDiskBytes = RatisCommandLog.Builder.DEFAULT_MIN_FREE_BYTES;

    private Builder() {}

    /** Keeps the registry durably in {@code dataDir} ({@code ./data} by default). */
    public Builder dataDir(Path dataDir) {
      this.dataDir = requireNonNull(dataDir, "dataDir");
      return this;
    }

    /** Keeps the registry in memory only: everything is lost at close. For tests and demos. */
    public Builder inMemory() {
      this.dataDir = null;
      return this;
    }

    /** The host name or IP literal to listen on; {@code 127.0.0.1} by default. */
    public Builder bind(String host) {
      this.bind = requireNonNull(host, "host");
      return this;
    }

    /** The HTTP port, 0 for an ephemeral one; {@value CairnServer#DEFAULT_HTTP_PORT} by default. */
    public Builder httpPort(int port) {
      this.httpPort = port;
      return this;
    }

    /** The gRPC port, 0 for an ephemeral one; {@value CairnServer#DEFAULT_GRPC_PORT} by default. */
    public Builder grpcPort(int port) {
      this.grpcPort = port;
      return this;
    }

    /**
     * The DNS port, UDP and TCP (see {@code docs/dns.md}); 0 for an ephemeral one, {@link #DNS_OFF}
     * (the default here; {@code cairn server} uses {@value CairnServer#DEFAULT_DNS_PORT}) for none.
     */
    public Builder dnsPort(int port) {
      this.dnsPort = port;
      return this;
    }

    /**
     * The DNS domain the server answers for, e.g. {@code cairn} (the default) or {@code
     * cairn.internal}; case does not matter, nor a final dot.
     */
    public Builder dnsDomain(String domain) {
      this.dnsDomain = requireNonNull(domain, "domain");
      return this;
    }

    /** The TTL of DNS answers, whole seconds; 0 (no caching) by default. */
    public Builder dnsTtl(Duration ttl) {
      this.dnsTtl = requireNonNull(ttl, "ttl");
      return this;
    }

    /**
     * DNS answers over UDP a second per client address ({@code --dns-rate-limit}); 0 for no limit.
     * Beyond it, every second query gets an empty truncated answer (the client asks again over TCP,
     * which is not limited) and the others none, and while limiting UDP answers stay within 1232
     * bytes: DNS cannot be used to amplify forged-source traffic. By default none on loopback and
     * {@value DnsRateLimit#DEFAULT_PER_SECOND} elsewhere; queries from loopback addresses are never
     * limited. See {@code docs/dns.md}.
     */
    public Builder dnsRateLimit(double perSecond) {
      if (!(perSecond >= 0) || Double.isInfinite(perSecond)) {
        throw new IllegalArgumentException(
            "dnsRateLimit: " + perSecond + " (expected: >= 0 answers a second, 0 for no limit)");
      }
      this.dnsRateLimit = perSecond;
      return this;
    }

    /**
     * Whether the server keeps metrics and serves them on {@code GET /metrics} (Prometheus text
     * format, see {@code docs/metrics.md}); on by default. Off, {@code /metrics} answers 404.
     * Metrics replace {@link RegistryOptions#monitor()} unless one was set.
     */
    public Builder metrics(boolean on) {
      this.metrics = on;
      return this;
    }

    /** The registry's tunables; {@link RegistryOptions#defaults()} by default. */
    public Builder registryOptions(RegistryOptions options) {
      this.registryOptions = requireNonNull(options, "options");
      return this;
    }

    /**
     * How long a session whose stream broke waits to be resumed before it closes; overrides {@link
     * RegistryOptions#detachGrace()} (0 by default).
     */
    public Builder sessionDetachGrace(Duration grace) {
      this.sessionDetachGrace = requireNonNull(grace, "grace");
      return this;
    }

    /**
     * The protection threshold of services that set none (0..1, 0 = off); overrides {@link
     * RegistryOptions#protectionThreshold()}. See {@code docs/health-checks.md}.
     */
    public Builder protectionThreshold(double threshold) {
      this.protectionThreshold = threshold;
      return this;
    }

    /**
     * Adds a front door (xDS, Consul- or Eureka-compatible API, ...), started after the server's
     * own listeners on its bind address; none by default. See {@link FrontDoor}.
     */
    public Builder frontDoor(FrontDoor.Factory factory) {
      frontDoors.add(requireNonNull(factory, "factory"));
      return this;
    }

    /**
     * Serves HTTP (API, console, metrics) and gRPC over TLS with the certificate chain in this PEM
     * file (the server's certificate first, then its intermediates); needs {@link #tlsKey}. The
     * file is read again when it changes (checked at most once a second, at a handshake): new
     * connections get the new certificate, open ones keep theirs. DNS stays plain. See {@code
     * docs/security.md}.
     */
    public Builder tlsCert(Path certFile) {
      this.tlsCert = requireNonNull(certFile, "certFile");
      return this;
    }

    /**
     * The private key of {@link #tlsCert}: an unencrypted PKCS#8 PEM file ({@code -----BEGIN
     * PRIVATE KEY-----}; RSA, EC or EdDSA), read again when it changes.
     */
    public Builder tlsKey(Path keyFile) {
      this.tlsKey = requireNonNull(keyFile, "keyFile");
      return this;
    }

    /**
     * Mutual TLS: clients of HTTP and gRPC must present a certificate signed by a certificate
     * authority in this PEM file (read again when it changes); needs {@link #tlsCert}.
     */
    public Builder tlsCa(Path caFile) {
      this.tlsCa = requireNonNull(caFile, "caFile");
      return this;
    }

    /**
     * Turns ACLs on ({@code cairn server --acl}): every HTTP request and gRPC call needs a token
     * whose policies grant it (default deny; requests without a token get the policy named {@code
     * anonymous}, if any). Create the first token with {@code POST /v1/acl/bootstrap}. Off by
     * default. See docs/security.md.
     */
    public Builder acl(boolean on) {
      this.acl = on;
      return this;
    }

    /**
     * With ACLs on, how often the token of every open gRPC watch is checked again, so that a watch
     * that is sent nothing (its service does not change) still ends {@code PERMISSION_DENIED} once
     * its token was deleted or may no longer read it; a watch that is sent something is checked
     * before each response anyway. Default 15 s, as the HTTP event streams' keep-alive. See
     * docs/security.md.
     *
     * @throws IllegalArgumentException at {@link #build()} when not positive
     */
    public Builder tokenCheckInterval(Duration every) {
      this.tokenCheckInterval = requireNonNull(every, "tokenCheckInterval");
      return this;
    }

    /**
     * Host names the HTTP API answers to besides {@code localhost}, IP addresses and the bound name
     * ({@code --allowed-hosts}); {@code *} for any. A request whose {@code Host} header names
     * another is refused (403, field {@code host}), so that a web page cannot drive the server
     * through a DNS name re-pointed at it (DNS rebinding). None by default: a server bound to
     * loopback then answers only to those names, one bound elsewhere to any. See {@code
     * docs/security.md}.
     *
     * @throws IllegalArgumentException naming an entry that is no host name
     */
    public Builder allowedHosts(List<String> hosts) {
      List<String> copy = List.copyOf(requireNonNull(hosts, "hosts"));
      HostAllowList.forBind(null, InetAddress.getLoopbackAddress(), copy); // checks the names
      this.allowedHosts = copy;
      return this;
    }

    /**
     * Most watches one client may hold open ({@code --max-watches-per-client}): HTTP event streams
     * per client address, gRPC watches per connection; default 1,000. More are refused with 429 /
     * {@code RESOURCE_EXHAUSTED}.
     */
    public Builder maxWatchesPerClient(int n) {
      limits = limits.withPerClient(n, limits.connectionsPerClient(), limits.sessionsPerClient());
      return this;
    }

    /**
     * Most HTTP connections one client address may hold open ({@code
     * --max-connections-per-client}); default 1,024. More are answered 429 and closed.
     */
    public Builder maxConnectionsPerClient(int n) {
      limits = limits.withPerClient(limits.watchesPerClient(), n, limits.sessionsPerClient());
      return this;
    }

    /**
     * Most sessions one client may hold open ({@code --max-sessions-per-client}): sessions opened
     * over HTTP per client address, session streams per gRPC connection; default 1,000. More are
     * refused with 429 / {@code RESOURCE_EXHAUSTED}.
     */
    public Builder maxSessionsPerClient(int n) {
      limits = limits.withPerClient(limits.watchesPerClient(), limits.connectionsPerClient(), n);
      return this;
    }

    /**
     * Most watches and sessions one ACL token may hold open across connections, addresses and
     * listeners ({@code --max-watches-per-token}, {@code --max-sessions-per-token}; one count per
     * server, the front doors' watches included), counted when ACLs are on; 0 (the default) for no
     * limit. More are refused with 429 / {@code RESOURCE_EXHAUSTED}.
     */
    public Builder maxPerToken(int watches, int sessions) {
      limits = limits.withPerToken(watches, sessions);
      return this;
    }

    /**
     * Requests a second per caller, HTTP and gRPC ({@code --rate-limit}, {@code
     * --rate-limit-burst}): per ACL token when ACLs are on and the request carries a known one,
     * else per client address. {@code perSecond} 0 (the default) for no limit; {@code burst} 0 for
     * one second's worth. Over it, 429 with {@code Retry-After} / {@code RESOURCE_EXHAUSTED} with a
     * {@code retry-after} trailer. See {@code docs/security.md}.
     *
     * @throws IllegalArgumentException when a value is negative
     */
    public Builder rateLimit(double perSecond, int burst) {
      limits = limits.withRate(perSecond, burst);
      return this;
    }

    /**
     * Lets the server start bound to an address other than loopback without authenticating its
     * clients (no TLS, or TLS with neither a client CA nor ACLs), or as a member of a cluster whose
     * Raft addresses are not all loopback without {@link #tlsCa} (then member traffic is plaintext;
     * with it members speak mutual TLS, decision 0109); off by default. Anyone who reaches the
     * ports can then read and change the registry: the server logs a warning at every start. See
     * {@code docs/security.md}.
     */
    public Builder insecureAllowOpenAccess(boolean allow) {
      this.insecureAllowOpenAccess = allow;
      return this;
    }

    /**
     * This member's id in its cluster ({@code --node-id}); with {@link #peers} it makes the server
     * a member of a replicated cluster instead of a single node.
     */
    public Builder nodeId(String id) {
      this.nodeId = ClusterPeers.checkId("nodeId", id);
      return this;
    }

    /**
     * Every member of the cluster and its Raft address, this one too: {@code
     * n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7003} ({@code --peers}).
     *
     * @throws IllegalArgumentException naming the value when malformed, or when an id or address
     *     appears twice
     */
    public Builder peers(String peers) {
      this.peers = ClusterPeers.parse(requireNonNull(peers, "peers"));
      return this;
    }

    /**
     * The host (name or IP address, no port) clients reach this member's gRPC API at ({@code
     * --advertise-address}); by default the host of this member's own entry in {@link #peers}. The
     * member that leads tells the others this host with its bound gRPC port, and they send the
     * clients that ask for it there to open their sessions (decision 0114).
     *
     * @throws IllegalArgumentException naming the value when it is not a host name or IP address
     */
    public Builder advertiseAddress(String host) {
      this.advertiseAddress = checkAdvertiseAddress(requireNonNull(host, "host"));
      return this;
    }

    /** The cluster's name (default {@code cairn}): the same on every member. */
    public Builder clusterName(String name) {
      this.clusterName = ClusterPeers.checkId("clusterName", name);
      return this;
    }

    /**
     * Starts this member outside the configuration, waiting to be added by {@code cairn members
     * add}; default off.
     */
    public Builder join(boolean join) {
      this.join = join;
      return this;
    }

    /** See {@link RatisCommandLog.Builder#electionTimeout}; default 250 ms. */
    public Builder electionTimeout(Duration timeout) {
      this.electionTimeout = requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * How long a write waits for a leader and a quorum (a single node: for its log) before it fails
     * with 503 / {@code UNAVAILABLE}; default 3 s.
     */
    public Builder writeTimeout(Duration timeout) {
      this.writeTimeout = requireNonNull(timeout, "timeout");
      return this;
    }

    /** Takes a snapshot after this many log entries (default 10,000). */
    public Builder snapshotEvery(long entries) {
      if (entries < 1) {
        throw new IllegalArgumentException("snapshotEvery: " + entries + " (expected: > 0)");
      }
      this.snapshotEvery = entries;
      return this;
    }

    /**
     * The size at which a log segment file is closed and a new one started (default 1 MiB, at least
     * 64 KiB); segments are the unit in which the log is purged after a snapshot.
     */
    public Builder segmentSizeBytes(long bytes) {
      if (bytes < 64 * 1024) {
        throw new IllegalArgumentException("segmentSizeBytes: " + bytes + " (expected: >= 65536)");
      }
      this.segmentSizeBytes = bytes;
      return this;
    }

    /**
     * Writes are refused with 507 / {@code INSUFFICIENT_STORAGE} while the file system holding the
     * data directory has less than this usable, and taken again once it has (default 32 MiB; 0
     * turns the guard off). See {@code docs/operations.md}, Disk full.
     */
    public Builder minFreeDiskBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("minFreeDiskBytes: " + bytes + " (expected: >= 0)");
      }
      this.minFreeDiskBytes = bytes;
      return this;
    }

    // The host to advertise: the one given, else this member's in the peers; null for one node.
    private String advertiseHost() {
      if (peers == null) {
        return null;
      }
      if (advertiseAddress != null) {
        return advertiseAddress;
      }
      for (ClusterPeers.Peer p : peers) {
        if (p.id().equals(nodeId)) {
          return p.host();
        }
      }
      return bind;
    }

    // The Raft settings, or null when the defaults serve (a single node).
    private RatisCommandLog.Builder clusterLog() {
      if (dataDir == null
          || (peers == null
              && snapshotEvery == 0
              && segmentSizeBytes == 0
              && writeTimeout.equals(Duration.ofSeconds(3))
              && minFreeDiskBytes == RatisCommandLog.Builder.DEFAULT_MIN_FREE_BYTES)) {
        return null;
      }
      RatisCommandLog.Builder b =
          RatisCommandLog.builder(dataDir)
              .writeTimeout(writeTimeout)
              .minFreeBytes(minFreeDiskBytes);
      if (snapshotEvery > 0) {
        b.snapshotEvery(snapshotEvery);
      }
      if (segmentSizeBytes > 0) {
        b.segmentSizeBytes(segmentSizeBytes);
      }
      if (peers != null) {
        b.peerId(nodeId)
            .peers(peers)
            .clusterName(clusterName)
            .join(join)
            .electionTimeout(electionTimeout);
      }
      return b;
    }

    /** Tests: the server runs on this log (which it starts and closes) instead of its own. */
    Builder commandLog(CommandLog log) {
      this.commandLog = requireNonNull(log, "log");
      return this;
    }

    /** Checks the settings and returns a server, not started. */
    public CairnServer build() {
      if ((nodeId == null) != (peers == null)) {
        throw new IllegalArgumentException(
            nodeId == null
                ? "nodeId: missing (expected: --node-id with --peers, naming one of the peers)"
                : "peers: missing (expected: --peers with --node-id, listing every member)");
      }
      if (peers != null && dataDir == null) {
        throw new IllegalArgumentException(
            "inMemory: a cluster member keeps its log on disk (expected: a data directory)");
      }
      if (peers != null) {
        clusterLog().build(); // checks that the peers name this node
      }
      if (advertiseAddress != null && peers == null) {
        throw new IllegalArgumentException(
            "advertiseAddress: \""
                + advertiseAddress
                + "\" (expected: with nodeId and peers; a single node has no other member to tell)");
      }
      checkPort("httpPort", httpPort);
      checkPort("grpcPort", grpcPort);
      if (bind.isEmpty()) {
        throw new IllegalArgumentException("bind: \"\" (expected: a host name or IP literal)");
      }
      if (tokenCheckInterval.isNegative() || tokenCheckInterval.isZero()) {
        throw new IllegalArgumentException(
            "tokenCheckInterval: " + tokenCheckInterval + " (expected: more than 0)");
      }
      if (sessionDetachGrace != null && sessionDetachGrace.isNegative()) {
        throw new IllegalArgumentException(
            "sessionDetachGrace: " + sessionDetachGrace + " (expected: >= 0)");
      }
      if (protectionThreshold != null && !(protectionThreshold >= 0 && protectionThreshold <= 1)) {
        throw new IllegalArgumentException(
            "protectionThreshold: " + protectionThreshold + " (expected: 0..1)");
      }
      if (httpPort != 0 && httpPort == grpcPort) {
        throw new IllegalArgumentException(
            "httpPort: " + httpPort + " (expected: different from grpcPort)");
      }
      if (dnsPort != DNS_OFF && (dnsPort < 0 || dnsPort > 65535)) {
        throw new IllegalArgumentException(
            "dnsPort: " + dnsPort + " (expected: " + DNS_OFF + " (off) or 0..65535)");
      }
      if ((tlsCert == null) != (tlsKey == null)) {
        throw new IllegalArgumentException(
            (tlsCert == null ? "tlsCert: null" : "tlsKey: null")
                + " (expected: tlsCert and tlsKey together, or neither)");
      }
      if (tlsCa != null && tlsCert == null) {
        throw new IllegalArgumentException(
            "tlsCa: " + tlsCa + " (expected: with tlsCert and tlsKey; mutual TLS is TLS first)");
      }
      dnsDomain = normalizedDomain(dnsDomain);
      if (dnsTtl.isNegative() || dnsTtl.toSeconds() > MAX_DNS_TTL_SECONDS) {
        throw new IllegalArgumentException(
            "dnsTtl: " + dnsTtl + " (expected: 0.." + MAX_DNS_TTL_SECONDS + " s)");
      }
      return new CairnServer(this);
    }

    /** Builds the server and starts it; see {@link CairnServer#start()}. */
    public CairnServer start() throws IOException {
      return build().start();
    }

    private RegistryOptions registryOptions() {
      RegistryOptions o = registryOptions;
      if (sessionDetachGrace != null && !sessionDetachGrace.equals(o.detachGrace())) {
        o = o.toBuilder().detachGrace(sessionDetachGrace).build();
      }
      if (protectionThreshold != null) {
        o = o.toBuilder().protectionThreshold(protectionThreshold).build();
      }
      return o;
    }

    /**
     * {@code host} if it is a host name or an IP address (an IPv6 literal with or without brackets,
     * returned without), else an {@link IllegalArgumentException} naming it.
     */
    static String checkAdvertiseAddress(String host) {
      String h = host.strip();
      if (h.startsWith("[") && h.endsWith("]") && h.length() > 2) {
        h = h.substring(1, h.length() - 1);
      }
      boolean ok;
      if (h.chars().filter(c -> c == ':').count() >= 2) {
        // An IPv6 literal: parsed, never looked up.
        try {
          ok = InetAddress.getByName(h) instanceof java.net.Inet6Address;
        } catch (java.net.UnknownHostException e) {
          ok = false;
        }
      } else {
        ok = HOST_NAME.matcher(h).matches() && h.length() <= 253;
      }
      if (!ok) {
        throw new IllegalArgumentException(
            "advertiseAddress: \""
                + host
                + "\" (expected: a host name or IP address clients reach this member at, without"
                + " a port: the gRPC port is the one bound)");
      }
      return h;
    }

    private static final java.util.regex.Pattern HOST_NAME =
        java.util.regex.Pattern.compile(
            "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

    private static String normalizedDomain(String domain) {
      String d = domain.toLowerCase(Locale.ROOT);
      if (d.endsWith(".")) {
        d = d.substring(0, d.length() - 1);
      }
      boolean ok = !d.isEmpty() && d.length() <= 200;
      for (String label : d.split("\\.", -1)) {
        ok &= dev.cairn.common.Names.isLabel(label);
      }
      if (!ok) {
        throw new IllegalArgumentException(
            "dnsDomain: \"" + domain + "\" (expected: DNS labels joined by dots, e.g. cairn)");
      }
      return d;
    }

    private static void checkPort(String field, int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException(field + ": " + port + " (expected: 0..65535)");
      }
    }
  }
}
