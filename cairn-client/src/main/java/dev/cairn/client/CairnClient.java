package dev.cairn.client;

import static java.util.Objects.requireNonNull;

import dev.cairn.client.internal.ClientCore;
import dev.cairn.client.internal.ClientSettings;
import dev.cairn.client.internal.ClientTls;
import dev.cairn.common.Instance;
import dev.cairn.common.Limits;
import dev.cairn.common.Names;
import dev.cairn.common.Ticker;
import io.grpc.ClientInterceptor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A client of the Cairn registry: registers this process's instances under one session and keeps
 * {@link ServiceView}s of other services current, surviving registry outages.
 *
 * <pre>{@code
 * try (CairnClient client = CairnClient.builder().registries("127.0.0.1:8501,127.0.0.1:9501").build()) {
 *   Registration r = client.register(Instance.builder("orders", "10.0.0.7").port("http", 8080).build());
 *   ServiceView payments = client.view("payments");
 *   List<Instance> now = payments.instances(); // no I/O
 * }
 * }</pre>
 *
 * <p>{@link Builder#build()} never blocks: the client connects in the background, retries the first
 * connection like any later one (exponential backoff with jitter) and fails over between the
 * registries: it starts at one picked at random (so a cluster's clients spread over its members)
 * and moves to the next when it fails, resuming its session and watches there. Each client owns one
 * event thread and, with a snapshot directory, one disk thread, named {@code cairn-client-<n>-...};
 * the clients of a JVM share one network thread, {@code cairn-client-netty-<n>}, started with the
 * first client and stopped when the last one closes. {@link #close()} releases them. Thread-safe.
 */
public final class CairnClient implements AutoCloseable {

  /** The system property naming the CA file (PEM) of registries served over TLS. */
  public static final String TLS_CA_PROPERTY = "cairn.tls.ca";

  /** The environment variable naming the CA file, when the property is not set. */
  public static final String TLS_CA_ENV = "CAIRN_TLS_CA";

  /** The system property naming the client certificate file (PEM), for mutual TLS. */
  public static final String TLS_CERT_PROPERTY = "cairn.tls.cert";

  /** The environment variable naming the client certificate file. */
  public static final String TLS_CERT_ENV = "CAIRN_TLS_CERT";

  /** The system property naming the client certificate's key file (PKCS#8 PEM). */
  public static final String TLS_KEY_PROPERTY = "cairn.tls.key";

  /** The environment variable naming the client certificate's key file. */
  public static final String TLS_KEY_ENV = "CAIRN_TLS_KEY";

  /** The system property holding the ACL token to send, for registries with ACLs on. */
  public static final String TOKEN_PROPERTY = "cairn.token";

  /** The environment variable holding the ACL token, when the property is not set. */
  public static final String TOKEN_ENV = "CAIRN_TOKEN";

  private final ClientCore core;

  private CairnClient(ClientSettings settings) {
    this.core = new ClientCore(settings);
  }

  /** A builder; {@link Builder#registries(String)} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Registers {@code instance} (its kind and session id are ignored: it is bound to this client's
   * session, so it goes when the process goes) and keeps it registered until the registration or
   * the client is closed. An instance without an id gets a random one. Does not block.
   *
   * <p>A second registration of the same service and id by this client, while the first is kept, is
   * refused by the client without asking the registry: it is returned all the same, its {@link
   * Registration#registered()} fails with {@code ALREADY_EXISTS}, and closing it leaves the first
   * registered.
   *
   * @throws IllegalStateException when the client is closed
   */
  public Registration register(Instance instance) {
    return core.register(requireNonNull(instance, "instance"));
  }

  /**
   * The view of {@code service} in this client's namespace, created (and its watch started) on
   * first use; later calls return the same view. Does not block.
   *
   * @throws IllegalArgumentException when {@code service} is not a valid service name
   * @throws IllegalStateException when the client is closed
   */
  public ServiceView view(String service) {
    if (!Names.isLabel(service)) {
      throw new IllegalArgumentException(
          "service: "
              + (service == null ? "null" : "\"" + service + "\"")
              + " (expected: a DNS label: [a-z0-9] or inner '-', 1.."
              + Limits.MAX_NAME_LENGTH
              + ")");
    }
    return core.view(service);
  }

  /**
   * {@code registries} in canonical form ({@code host:port,host:port}, trimmed, without
   * duplicates), e.g. to tell whether two settings name the same registries.
   *
   * @throws IllegalArgumentException naming {@code registries} when it is malformed
   */
  public static String canonicalRegistries(String registries) {
    return ClientSettings.canonicalRegistries(registries);
  }

  /** The views this client follows, by service name; for diagnostics and metrics. */
  public List<ServiceView> views() {
    return core.views();
  }

  /**
   * The names of the services in this client's namespace, asked of the current registry (one call,
   * within the request timeout; a failure moves the client on to the next registry). A listing
   * never goes back in revision: a member of the same registry that has not applied the last
   * listing's revision is not taken, and the call fails when no other registry answers. For
   * listings and health checks: calls use {@link #view(String)}, which needs no I/O.
   *
   * @throws IllegalStateException when the client is closed
   */
  public CompletableFuture<List<String>> services() {
    return core.services();
  }

  /** The namespace this client registers and discovers in. */
  public String namespace() {
    return core.namespace();
  }

  /** The registries, as {@code host:port,host:port}. */
  public String registries() {
    return core.registries();
  }

  /**
   * Closes the session (which removes every instance registered on it), waiting up to two seconds
   * for the registry to confirm, stops the watches and releases every thread and channel this
   * client created. Views keep their last snapshot. Idempotent; must not be called from a view
   * listener (it would not wait then).
   */
  @Override
  public void close() {
    core.close();
  }

  /** Builds a {@link CairnClient}; not thread-safe. */
  public static final class Builder {
    private String registries;
    private String namespace = Limits.DEFAULT_NAMESPACE;
    private Duration sessionTtl = Duration.ofMillis(Limits.DEFAULT_SESSION_TTL_MILLIS);
    private String clientName = "cairn-java";
    private Path snapshotDir;
    private Duration reconcileInterval = Duration.ofSeconds(30);
    private boolean removalProtection = true;
    private double maxRemovalShare = 0.5;
    private Duration removalConfirmDelay = Duration.ofSeconds(10);
    private Duration initialBackoff = Duration.ofMillis(100);
    private Duration maxBackoff = Duration.ofSeconds(5);
    private Duration requestTimeout = Duration.ofSeconds(5);
    private Ticker ticker = Ticker.system();
    private boolean shutdownHook = true;
    private boolean spreadOverRegistries = true;
    private boolean sessionsOnLeader = true;
    private final List<ClientInterceptor> interceptors = new ArrayList<>();
    private Path tlsCa;
    private String token;
    private Path tlsCert;
    private Path tlsKey;
    private boolean plaintext;

    private Builder() {}

    /**
     * The registries to use (a cluster's members; see {@link #spreadOverRegistries}):
     * comma-separated {@code host:port} ({@code [v6]:port} for IPv6 literals). Required.
     */
    public Builder registries(String registries) {
      this.registries = requireNonNull(registries, "registries");
      return this;
    }

    /** The namespace; {@value Limits#DEFAULT_NAMESPACE} by default. */
    public Builder namespace(String namespace) {
      this.namespace = requireNonNull(namespace, "namespace");
      return this;
    }

    /**
     * The session's TTL: how long the registry keeps this process's instances once it stops hearing
     * from it. 1 s..5 min, 10 s by default; keepalives go every third of it.
     */
    public Builder sessionTtl(Duration ttl) {
      this.sessionTtl = requireNonNull(ttl, "ttl");
      return this;
    }

    /** A name operators see for this client's session; {@code cairn-java} by default. */
    public Builder clientName(String clientName) {
      this.clientName = requireNonNull(clientName, "clientName");
      return this;
    }

    /**
     * A directory for disk snapshots of the views (one file per service, written atomically), so
     * that a process starting while every registry is down still finds its peers. None by default.
     */
    public Builder snapshotDir(Path dir) {
      this.snapshotDir = requireNonNull(dir, "dir");
      return this;
    }

    /** How often each view re-reads its service to heal a missed event; 30 s by default. */
    public Builder reconcileInterval(Duration interval) {
      this.reconcileInterval = requireNonNull(interval, "interval");
      return this;
    }

    /**
     * Whether a view holds back an update that would empty its service or remove more than {@link
     * #maxRemovalShare(double)} of it at once, until a later registry read confirms it; on by
     * default.
     */
    public Builder removalProtection(boolean enabled) {
      this.removalProtection = enabled;
      return this;
    }

    /**
     * The largest share of a service's instances one update may remove unchecked; 0.5 by default.
     */
    public Builder maxRemovalShare(double share) {
      this.maxRemovalShare = share;
      return this;
    }

    /**
     * How long a held-back removal waits before a registry read may confirm it; 10 s by default
     * (long enough for the instances of a restarted registry to register again).
     */
    public Builder removalConfirmDelay(Duration delay) {
      this.removalConfirmDelay = requireNonNull(delay, "delay");
      return this;
    }

    /**
     * The first and the largest wait between reconnect attempts; 100 ms and 5 s by default. The
     * waits double from the first to the largest, each ± 20 % at random ({@link
     * dev.cairn.client.resilience.Backoff}).
     */
    public Builder reconnectBackoff(Duration initial, Duration max) {
      this.initialBackoff = requireNonNull(initial, "initial");
      this.maxBackoff = requireNonNull(max, "max");
      return this;
    }

    /** The deadline of each unary registry call (reconcile reads); 5 s by default. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = requireNonNull(timeout, "timeout");
      return this;
    }

    /** The clock for staleness and held-back removals; the system's by default. For tests. */
    public Builder ticker(Ticker ticker) {
      this.ticker = requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Whether the client starts with a registry picked at random among {@link #registries} (on by
     * default): the clients of a cluster then spread their sessions and watches over its members,
     * and each fails over to the next member when its own fails. Off, the first registry is
     * preferred and the others are used in order when it fails (for independent registries).
     */
    public Builder spreadOverRegistries(boolean spread) {
      this.spreadOverRegistries = spread;
      return this;
    }

    /**
     * Whether the session (this client's registrations and keepalives) is opened on the member that
     * leads the cluster (on by default; decision 0114). A member that knows its leader's address
     * answers the session's opening with it, and the client opens the session there: its writes
     * then cost the cluster about half the CPU of writes a member forwards to the leader. When the
     * leader's address cannot be reached from here (NAT, a name only the members resolve), the
     * session is opened on the registry that sent it, and for a minute no registry is asked for the
     * leader. Reads and watches keep to {@link #registries}. Off, the session stays on the registry
     * it opened on. Independent registries (no cluster) are not affected.
     */
    public Builder sessionsOnLeader(boolean onLeader) {
      this.sessionsOnLeader = onLeader;
      return this;
    }

    /** Whether a JVM shutdown hook closes the client (deregistering); on by default. */
    public Builder shutdownHook(boolean enabled) {
      this.shutdownHook = enabled;
      return this;
    }

    /** Adds an interceptor to every call to the registries (e.g. to add credentials). */
    public Builder interceptor(ClientInterceptor interceptor) {
      this.interceptors.add(requireNonNull(interceptor, "interceptor"));
      return this;
    }

    /**
     * The ACL token this client sends on every call ({@code authorization: Bearer} metadata), for
     * registries with ACLs on ({@code cairn server --acl}). Without this call, the system property
     * {@value CairnClient#TOKEN_PROPERTY}, else the environment variable {@value
     * CairnClient#TOKEN_ENV}, holds it; with neither, no token is sent.
     */
    public Builder token(String secret) {
      this.token = requireNonNull(secret, "secret");
      return this;
    }

    /**
     * Reaches the registries over TLS, trusting the certificate authorities in this PEM file (and
     * no others); the registry's certificate must name the host given in {@link #registries}, as in
     * HTTPS. Without this call, the system property {@value CairnClient#TLS_CA_PROPERTY}, else the
     * environment variable {@value CairnClient#TLS_CA_ENV}, names the file; with neither, the
     * client talks plaintext. The file is read again when it changes.
     */
    public Builder tlsCa(Path caFile) {
      this.tlsCa = requireNonNull(caFile, "caFile");
      return this;
    }

    /**
     * Mutual TLS: the certificate (PEM chain) and unencrypted PKCS#8 key this client presents to
     * registries that ask for one; needs a CA ({@link #tlsCa}). Without this call, the system
     * properties {@value CairnClient#TLS_CERT_PROPERTY} and {@value CairnClient#TLS_KEY_PROPERTY},
     * else the environment variables {@value CairnClient#TLS_CERT_ENV} and {@value
     * CairnClient#TLS_KEY_ENV}, name them. Read again when they change.
     */
    public Builder tlsClientCertificate(Path certFile, Path keyFile) {
      this.tlsCert = requireNonNull(certFile, "certFile");
      this.tlsKey = requireNonNull(keyFile, "keyFile");
      return this;
    }

    /**
     * Talks plaintext whatever the system properties and environment say about TLS; for a registry
     * on loopback in tests.
     */
    public Builder plaintext() {
      this.plaintext = true;
      return this;
    }

    /**
     * Checks the settings and starts the client, without blocking.
     *
     * @throws IllegalArgumentException naming the first bad setting
     */
    public CairnClient build() {
      if (registries == null) {
        throw new IllegalArgumentException(
            "registries: null (expected: comma-separated host:port, e.g. 127.0.0.1:8501)");
      }
      if (!Names.isLabel(namespace)) {
        throw new IllegalArgumentException(
            "namespace: \"" + namespace + "\" (expected: a DNS label)");
      }
      long ttlMillis = sessionTtl.toMillis();
      if (ttlMillis < Limits.MIN_SESSION_TTL_MILLIS || ttlMillis > Limits.MAX_SESSION_TTL_MILLIS) {
        throw new IllegalArgumentException(
            "sessionTtl: "
                + sessionTtl
                + " (expected: "
                + Duration.ofMillis(Limits.MIN_SESSION_TTL_MILLIS)
                + ".."
                + Duration.ofMillis(Limits.MAX_SESSION_TTL_MILLIS)
                + ")");
      }
      if (clientName.length() > 128) {
        throw new IllegalArgumentException(
            "clientName: " + clientName.length() + " chars (expected: <= 128)");
      }
      checkRange(
          "reconcileInterval", reconcileInterval, Duration.ofMillis(10), Duration.ofHours(1));
      if (!(maxRemovalShare >= 0 && maxRemovalShare <= 1)) {
        throw new IllegalArgumentException(
            "maxRemovalShare: " + maxRemovalShare + " (expected: 0.0..1.0)");
      }
      checkRange("removalConfirmDelay", removalConfirmDelay, Duration.ZERO, Duration.ofHours(1));
      checkRange("reconnectBackoff.initial", initialBackoff, Duration.ofMillis(1), maxBackoff);
      checkRange("reconnectBackoff.max", maxBackoff, initialBackoff, Duration.ofMinutes(10));
      checkRange("requestTimeout", requestTimeout, Duration.ofMillis(1), Duration.ofMinutes(10));
      ClientTls tls = plaintext ? null : tls();
      List<ClientInterceptor> all = new ArrayList<>(interceptors);
      String secret = token != null ? token : text(TOKEN_PROPERTY, TOKEN_ENV);
      if (secret != null && !secret.isBlank()) {
        io.grpc.Metadata md = new io.grpc.Metadata();
        md.put(
            io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
            "Bearer " + secret.strip());
        all.add(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md));
      }
      return new CairnClient(
          new ClientSettings(
                  registries,
                  namespace,
                  sessionTtl,
                  clientName,
                  snapshotDir,
                  reconcileInterval,
                  removalProtection,
                  maxRemovalShare,
                  removalConfirmDelay,
                  initialBackoff,
                  maxBackoff,
                  requestTimeout,
                  ticker,
                  shutdownHook,
                  all,
                  tls)
              .spreadOverRegistries(spreadOverRegistries)
              .sessionsOnLeader(sessionsOnLeader));
    }

    // The TLS settings: the builder's, else the system properties', else the environment's.
    private ClientTls tls() {
      Path ca = tlsCa != null ? tlsCa : fromSystem(TLS_CA_PROPERTY, TLS_CA_ENV);
      Path cert = tlsCert;
      Path key = tlsKey;
      if (cert == null) {
        cert = fromSystem(TLS_CERT_PROPERTY, TLS_CERT_ENV);
        key = fromSystem(TLS_KEY_PROPERTY, TLS_KEY_ENV);
        if ((cert == null) != (key == null)) {
          throw new IllegalArgumentException(
              "tlsClientCertificate: "
                  + (cert == null ? "a key without a certificate" : "a certificate without a key")
                  + " in "
                  + TLS_CERT_PROPERTY
                  + "/"
                  + TLS_KEY_PROPERTY
                  + " or "
                  + TLS_CERT_ENV
                  + "/"
                  + TLS_KEY_ENV
                  + " (expected: both)");
        }
      }
      if (ca == null) {
        if (cert != null) {
          throw new IllegalArgumentException(
              "tlsClientCertificate: "
                  + cert
                  + " without a CA (expected: tlsCa, "
                  + TLS_CA_PROPERTY
                  + " or "
                  + TLS_CA_ENV
                  + " too)");
        }
        return null;
      }
      return ClientTls.load(ca, cert, key);
    }

    private static String text(String property, String env) {
      String p = System.getProperty(property);
      if (p != null && !p.isBlank()) {
        return p;
      }
      String e = System.getenv(env);
      return e != null && !e.isBlank() ? e : null;
    }

    private static Path fromSystem(String property, String env) {
      String p = System.getProperty(property);
      if (p != null && !p.isBlank()) {
        return Path.of(p);
      }
      String e = System.getenv(env);
      return e != null && !e.isBlank() ? Path.of(e) : null;
    }

    private static void checkRange(String field, Duration value, Duration min, Duration max) {
      if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
        throw new IllegalArgumentException(
            field + ": " + value + " (expected: " + min + ".." + max + ")");
      }
    }
  }
}
