package dev.cairn.loadgen.internal;

import static java.util.Objects.requireNonNull;

import dev.cairn.client.CairnClient;
import dev.cairn.common.tls.PemKeyManager;
import dev.cairn.common.tls.PemTrustManager;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * The server under load: its gRPC address and its HTTP base URI. Both must be loopback addresses;
 * the load generator never leaves the machine.
 */
public final class Target {

  private final String grpcHost;
  private final int grpcPort;
  private final URI http;
  private final Tls tls; // null: plaintext
  private String token; // null: none; set only right after construction

  /**
   * TLS towards the server: contexts for gRPC, the Netty HTTP client and the JDK's, and the PEM
   * files they were read from (the CA; the client certificate and key, both null for none), which
   * the SDK's clients read themselves.
   */
  record Tls(
      SslContext grpc,
      SslContext http,
      SSLContext jdk,
      String description,
      Path ca,
      Path cert,
      Path key) {

    /**
     * Reads the PEM files: the CA the server's certificate must chain to and, for mutual TLS, a
     * client certificate and key (both null for none).
     *
     * @throws IllegalArgumentException naming the file that cannot be used
     */
    static Tls load(Path ca, Path cert, Path key) {
      try {
        PemTrustManager trust = PemTrustManager.load(ca);
        PemKeyManager keys = cert == null ? null : PemKeyManager.load(cert, key);
        SslContextBuilder grpc = GrpcSslContexts.forClient().trustManager(trust);
        SslProvider provider =
            OpenSsl.isAvailable() && SslProvider.isAlpnSupported(SslProvider.OPENSSL)
                ? SslProvider.OPENSSL
                : SslProvider.JDK;
        SslContextBuilder http =
            SslContextBuilder.forClient().sslProvider(provider).trustManager(trust);
        if (keys != null) {
          grpc.keyManager(keys);
          http.keyManager(keys);
        }
        SSLContext jdk = SSLContext.getInstance("TLS");
        jdk.init(keys == null ? null : new KeyManager[] {keys}, new TrustManager[] {trust}, null);
        return new Tls(
            GrpcSslContexts.configure(grpc, provider).build(),
            http.build(),
            jdk,
            (keys == null ? "TLS" : "mutual TLS") + ", " + provider,
            ca.toAbsolutePath(),
            cert == null ? null : cert.toAbsolutePath(),
            key == null ? null : key.toAbsolutePath());
      } catch (IOException e) {
        throw new IllegalArgumentException("tls: " + e.getMessage(), e);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("this JDK has no TLS", e);
      }
    }
  }

  private Target(String grpcHost, int grpcPort, URI http) {
    this(grpcHost, grpcPort, http, null);
  }

  private Target(String grpcHost, int grpcPort, URI http, Tls tls) {
    this.grpcHost = grpcHost;
    this.grpcPort = grpcPort;
    this.http = http;
    this.tls = tls;
  }

  /**
   * This target over TLS: gRPC with {@code tls}, and HTTP too (its URI must be https).
   *
   * @throws IllegalArgumentException when the HTTP URI is not https
   */
  Target withTls(Tls tls) {
    if (http != null && !"https".equals(http.getScheme())) {
      throw new IllegalArgumentException(
          "http: " + http + " (expected: https://host:port with --tls-ca)");
    }
    Target t = new Target(grpcHost, grpcPort, http, tls);
    t.token = token;
    return t;
  }

  /** This target, sending {@code secret} as its ACL token (null: none) on gRPC and HTTP. */
  Target withToken(String secret) {
    Target t = new Target(grpcHost, grpcPort, http, tls);
    t.token = secret == null || secret.isBlank() ? null : secret;
    return t;
  }

  /** The ACL token sent to this target; null for none. */
  String token() {
    return token;
  }

  /** The TLS contexts, or null for plaintext. */
  Tls tls() {
    return tls;
  }

  /**
   * Parses {@code host:port} (IPv6 literals in brackets) and an {@code http://host:port} URI.
   *
   * @throws IllegalArgumentException when either is malformed or not a loopback address
   */
  public static Target of(String grpc, String http) {
    requireNonNull(grpc, "grpc");
    requireNonNull(http, "http");
    int colon = grpc.lastIndexOf(':');
    if (colon <= 0 || colon == grpc.length() - 1) {
      throw new IllegalArgumentException("grpc: " + grpc + " (expected: host:port)");
    }
    String host = grpc.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = parsePort("grpc", grpc, grpc.substring(colon + 1));
    requireLoopback("grpc", grpc, host);
    URI uri;
    try {
      uri = URI.create(http.endsWith("/") ? http.substring(0, http.length() - 1) : http);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("http: " + http + " (expected: http://host:port)", e);
    }
    boolean web = "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
    if (!web || uri.getHost() == null || uri.getPort() <= 0) {
      throw new IllegalArgumentException("http: " + http + " (expected: http://host:port)");
    }
    requireLoopback("http", http, uri.getHost().replace("[", "").replace("]", ""));
    return new Target(host, port, uri);
  }

  /** The gRPC host as given (a loopback address or name). */
  public String grpcHost() {
    return grpcHost;
  }

  /** The gRPC port. */
  public int grpcPort() {
    return grpcPort;
  }

  /** {@code host:port} of the gRPC endpoint, as accepted by {@link #of}. */
  public String grpcAuthority() {
    return grpcHost.contains(":") ? "[" + grpcHost + "]:" + grpcPort : grpcHost + ":" + grpcPort;
  }

  /**
   * Parses a gRPC {@code host:port} alone, for processes that use no HTTP.
   *
   * @throws IllegalArgumentException when it is malformed or not a loopback address
   */
  public static Target ofGrpc(String grpc) {
    Target both = of(grpc, "http://127.0.0.1:1");
    return new Target(both.grpcHost, both.grpcPort, null);
  }

  /** The HTTP base URI, without a trailing slash. */
  public URI http() {
    if (http == null) {
      throw new IllegalStateException("this target has no HTTP endpoint");
    }
    return http;
  }

  /** The URI of {@code pathAndQuery} (starting with '/') on the HTTP endpoint. */
  public URI http(String pathAndQuery) {
    return URI.create(http() + pathAndQuery);
  }

  /**
   * Opens a new channel, plaintext or over this target's TLS: its own TCP connection. Calls
   * complete on the transport thread (direct executor), so callbacks given to its calls must not
   * block. Retries are off: a measurement sees every failure, and calls skip the retry buffering.
   * Caller shuts it down.
   */
  public ManagedChannel newChannel() {
    NettyChannelBuilder b = NettyChannelBuilder.forAddress(grpcHost, grpcPort);
    if (tls == null) {
      b.usePlaintext();
    } else {
      b.sslContext(tls.grpc());
    }
    if (token != null) {
      io.grpc.Metadata md = new io.grpc.Metadata();
      md.put(
          io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
          "Bearer " + token);
      b.intercept(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md));
    }
    return b.directExecutor().disableRetry().maxInboundMessageSize(64 * 1024 * 1024).build();
  }

  /**
   * A {@link CairnClient} builder for this target: its gRPC address, its TLS files (plaintext
   * without TLS, whatever the system properties and environment say) and its ACL token. The caller
   * adds the rest (namespace, TTL, name) and builds it.
   */
  CairnClient.Builder sdkClient() {
    return tls == null
        ? sdkClient(grpcAuthority(), null, null, null, token)
        : sdkClient(grpcAuthority(), tls.ca(), tls.cert(), tls.key(), token);
  }

  /**
   * A {@link CairnClient} builder for {@code registries}: over TLS trusting {@code ca} (and, for
   * mutual TLS, presenting {@code cert} and {@code key}), or plaintext when {@code ca} is null;
   * with {@code token} as its ACL token when not null.
   */
  static CairnClient.Builder sdkClient(
      String registries, Path ca, Path cert, Path key, String token) {
    CairnClient.Builder b = CairnClient.builder().registries(registries);
    if (ca == null) {
      b.plaintext();
    } else {
      b.tlsCa(ca);
      if (cert != null) {
        b.tlsClientCertificate(cert, key);
      }
    }
    if (token != null) {
      b.token(token);
    }
    return b;
  }

  /** Shuts a channel down, waiting a little for calls to end, then forcing it. */
  public static void shutdown(ManagedChannel channel) {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
        channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    String what =
        http == null ? "grpc " + grpcAuthority() : "grpc " + grpcAuthority() + ", http " + http;
    return tls == null ? what : what + " (" + tls.description() + ")";
  }

  private static int parsePort(String field, String value, String port) {
    try {
      int p = Integer.parseInt(port);
      if (p >= 1 && p <= 65_535) {
        return p;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(field + ": " + value + " (expected: a port 1..65535)");
  }

  private static void requireLoopback(String field, String value, String host) {
    boolean loopback;
    try {
      loopback = InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      loopback = false;
    }
    if (!loopback) {
      throw new IllegalArgumentException(field + ": " + value + " (expected: a loopback address)");
    }
  }
}
