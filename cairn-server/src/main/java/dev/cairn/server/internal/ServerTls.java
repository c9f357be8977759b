package dev.cairn.server.internal;

import dev.cairn.common.tls.PemKeyManager;
import dev.cairn.common.tls.PemTrustManager;
import dev.cairn.common.tls.ReloadListener;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's TLS: its certificate and key, and with a client CA, mutual TLS (a client must
 * present a certificate that CA signed). One {@link PemKeyManager} and one {@link PemTrustManager}
 * serve the HTTP and the gRPC listener, so a rotation of the files reaches both at their next
 * handshakes; connections already open keep their session. TLS 1.2 and 1.3, on BoringSSL where it
 * loads, else on the JDK's provider.
 */
public final class ServerTls {

  private static final Logger log = LoggerFactory.getLogger(ServerTls.class);
  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  /**
   * BoringSSL (netty-tcnative) when it loads on this platform, else the JDK's provider: the JDK's
   * AES-GCM is plain bytecode under C1, the server's compiler by default (decision 0152).
   */
  static final SslProvider PROVIDER =
      OpenSsl.isAvailable() && SslProvider.isAlpnSupported(SslProvider.OPENSSL)
          ? SslProvider.OPENSSL
          : SslProvider.JDK;

  private final SslContext http;
  private final SslContext grpc;
  private final boolean mutual;
  private final PemKeyManager keys;
  private final X509ExtendedTrustManager clientCa;

  private ServerTls(
      SslContext http, SslContext grpc, PemKeyManager keys, X509ExtendedTrustManager clientCa) {
    this.http = http;
    this.grpc = grpc;
    this.mutual = clientCa != null;
    this.keys = keys;
    this.clientCa = clientCa;
  }

  /** The server's certificate and key, re-read when their files change. */
  public PemKeyManager keyManager() {
    return keys;
  }

  /** The client CA's trust, re-read when its file changes; null without one. */
  public X509ExtendedTrustManager clientCa() {
    return clientCa;
  }

  /**
   * Reads the PEM files now; {@code clientCa} may be null (no client certificates asked for).
   *
   * @throws IOException when a file cannot be read, or its contents cannot be used (the message
   *     names the file)
   */
  public static ServerTls load(Path cert, Path key, Path clientCa) throws IOException {
    return load(cert, key, clientCa, java.time.Clock.systemUTC());
  }

  /**
   * Like {@link #load(Path, Path, Path)}, judging the certificates' validity dates by {@code clock}
   * (decision 0218): a certificate not valid now is loaded at start with a warning, and not taken
   * by a rotation while the one in use is valid.
   */
  public static ServerTls load(Path cert, Path key, Path clientCa, java.time.Clock clock)
      throws IOException {
    ReloadListener events =
        new ReloadListener() {
          @Override
          public void reloaded(String what) {
            log.info("TLS: reloaded the {}; new connections use it", what);
          }

          @Override
          public void reloadFailed(String what, Exception cause) {
            log.warn(
                "TLS: cannot reload the {}, still using the previous: {}",
                what,
                cause.getMessage());
          }
        };
    try {
      PemKeyManager keys =
          PemKeyManager.load(cert, key, PemKeyManager.DEFAULT_CHECK_INTERVAL, events, clock);
      X509Certificate served = keys.certificate();
      String unusable = PemKeyManager.validity(served, clock.instant());
      if (unusable == null) {
        log.info("TLS: serving the certificate {} ({})", cert, PemKeyManager.describe(served));
      } else {
        log.warn(
            "TLS: the certificate {} ({}) is {}: clients will refuse it until its file is"
                + " replaced (it is re-read when it changes)",
            cert,
            PemKeyManager.describe(served),
            unusable);
      }
      X509ExtendedTrustManager clients =
          clientCa == null
              ? null
              : new NoIssuerHints(
                  PemTrustManager.load(clientCa, PemKeyManager.DEFAULT_CHECK_INTERVAL, events));
      log.debug("TLS provider: {}", PROVIDER);
      return new ServerTls(
          builder(keys, clients).build(),
          GrpcSslContexts.configure(builder(keys, clients), PROVIDER).build(),
          keys,
          clients);
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    } catch (SSLException e) {
      throw new IOException("cannot set up TLS: " + e.getMessage(), e);
    }
  }

  private static SslContextBuilder builder(PemKeyManager keys, X509ExtendedTrustManager clients) {
    SslContextBuilder b =
        SslContextBuilder.forServer(keys).sslProvider(PROVIDER).protocols(PROTOCOLS);
    if (clients != null) {
      b.trustManager(clients).clientAuth(ClientAuth.REQUIRE);
    }
    return b;
  }

  /** The TLS provider in use: {@code OPENSSL} (BoringSSL) or {@code JDK}. */
  public static String provider() {
    return PROVIDER.name();
  }

  /**
   * The client CA's trust manager, naming no CA to clients in the certificate request: OpenSSL
   * would send the names it read when the context was made, stale after a CA rotation, and a client
   * that picks its certificate by them (the JDK's) would then send none. Without names, a client
   * sends the certificate it has, and the current CAs judge it.
   */
  private static final class NoIssuerHints extends X509ExtendedTrustManager {
    private static final X509Certificate[] NONE = new X509Certificate[0];
    private final X509ExtendedTrustManager delegate;

    NoIssuerHints(X509ExtendedTrustManager delegate) {
      this.delegate = delegate;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      delegate.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      delegate.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      try {
        delegate.checkClientTrusted(chain, authType, engine);
      } catch (CertificateException e) {
        throw withAlert(e);
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      delegate.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      delegate.checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      delegate.checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return NONE;
    }

    /**
     * {@code e} with the TLS alert that says why: on BoringSSL, a client certificate no trusted CA
     * signed would otherwise be refused with {@code internal_error}, which sends its holder looking
     * at the server; it gets {@code unknown_ca}, as from OpenSSL or Go. Expired and not yet valid
     * certificates already get {@code certificate_expired}; the JDK's provider chooses its own.
     */
    private static CertificateException withAlert(CertificateException e) {
      if (PROVIDER != SslProvider.OPENSSL) {
        return e;
      }
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof java.security.cert.CertPathBuilderException) {
          return new io.netty.handler.ssl.OpenSslCertificateException(
              "client certificate: no chain to a CA of --tls-ca (" + e.getMessage() + ")",
              e,
              X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
        }
      }
      return e;
    }
  }

  /** OpenSSL's and BoringSSL's verification error that their TLS stacks answer with unknown_ca. */
  private static final int X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY = 20;

  /** The context of the HTTP listener (HTTP/1.1, no ALPN). */
  public SslContext http() {
    return http;
  }

  /** The context of the gRPC listener (HTTP/2 by ALPN). */
  public SslContext grpc() {
    return grpc;
  }

  /** Whether clients must present a certificate (mutual TLS). */
  public boolean mutual() {
    return mutual;
  }
}
