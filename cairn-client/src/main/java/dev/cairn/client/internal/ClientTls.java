package dev.cairn.client.internal;

import dev.cairn.common.tls.PemKeyManager;
import dev.cairn.common.tls.PemTrustManager;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.Path;
import javax.net.ssl.SSLException;

/**
 * How a client reaches its registries over TLS: the CA their certificates must chain to (the host
 * name is checked against them, as in HTTPS) and, for mutual TLS, the client's own certificate and
 * key. The files are read again when they change (see {@link PemKeyManager}). Immutable.
 */
public final class ClientTls {

  /**
   * BoringSSL when netty-tcnative is on the class path and loads, else the JDK's provider (slow
   * under C1 only; see docs/security.md).
   */
  private static final SslProvider PROVIDER =
      OpenSsl.isAvailable() && SslProvider.isAlpnSupported(SslProvider.OPENSSL)
          ? SslProvider.OPENSSL
          : SslProvider.JDK;

  private final Path ca;
  private final Path cert;
  private final Path key;
  private final SslContext context;

  private ClientTls(Path ca, Path cert, Path key, SslContext context) {
    this.ca = ca;
    this.cert = cert;
    this.key = key;
    this.context = context;
  }

  /**
   * Reads the files now; {@code cert} and {@code key} may both be null (no client certificate).
   *
   * @throws IllegalArgumentException naming the setting ({@code tlsCa}, {@code
   *     tlsClientCertificate}) when a file cannot be read or used
   */
  public static ClientTls load(Path ca, Path cert, Path key) {
    SslContextBuilder b = GrpcSslContexts.forClient();
    try {
      b.trustManager(PemTrustManager.load(ca));
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException("tlsCa: " + e.getMessage(), e);
    }
    if (cert != null) {
      try {
        b.keyManager(PemKeyManager.load(cert, key));
      } catch (IOException | IllegalArgumentException e) {
        throw new IllegalArgumentException("tlsClientCertificate: " + e.getMessage(), e);
      }
    }
    try {
      SslContext context =
          GrpcSslContexts.configure(b, PROVIDER).protocols("TLSv1.3", "TLSv1.2").build();
      return new ClientTls(ca, cert, key, context);
    } catch (SSLException e) {
      throw new IllegalArgumentException("tlsCa: cannot set up TLS (" + e.getMessage() + ")", e);
    }
  }

  /** The context of gRPC channels to the registries. */
  SslContext grpcContext() {
    return context;
  }

  @Override
  public String toString() {
    return "TLS(ca=" + ca + (cert == null ? "" : ", cert=" + cert + ", key=" + key) + ")";
  }
}
