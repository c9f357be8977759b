package dev.cairn.server.internal;

import dev.cairn.common.tls.PemKeyManager;
import dev.cairn.common.tls.PemTrustManager;
import dev.cairn.common.tls.ReloadListener;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.Path;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's TLS: its certificate and key, and with a client CA, mutual TLS (a client must
 * present a certificate that CA signed). One {@link PemKeyManager} and one {@link PemTrustManager}
 * serve the HTTP and the gRPC listener, so a rotation of the files reaches both at their next
 * handshakes; connections already open keep their session. TLS 1.2 and 1.3 on the JDK's provider.
 */
public final class ServerTls {

  private static final Logger log = LoggerFactory.getLogger(ServerTls.class);
  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private final SslContext http;
  private final SslContext grpc;
  private final boolean mutual;

  private ServerTls(SslContext http, SslContext grpc, boolean mutual) {
    this.http = http;
    this.grpc = grpc;
    this.mutual = mutual;
  }

  /**
   * Reads the PEM files now; {@code clientCa} may be null (no client certificates asked for).
   *
   * @throws IOException when a file cannot be read, or its contents cannot be used (the message
   *     names the file)
   */
  public static ServerTls load(Path cert, Path key, Path clientCa) throws IOException {
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
          PemKeyManager.load(cert, key, PemKeyManager.DEFAULT_CHECK_INTERVAL, events);
      PemTrustManager clients =
          clientCa == null
              ? null
              : PemTrustManager.load(clientCa, PemKeyManager.DEFAULT_CHECK_INTERVAL, events);
      return new ServerTls(
          builder(keys, clients).build(),
          GrpcSslContexts.configure(builder(keys, clients), SslProvider.JDK).build(),
          clients != null);
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    } catch (SSLException e) {
      throw new IOException("cannot set up TLS: " + e.getMessage(), e);
    }
  }

  private static SslContextBuilder builder(PemKeyManager keys, PemTrustManager clients) {
    SslContextBuilder b =
        SslContextBuilder.forServer(keys).sslProvider(SslProvider.JDK).protocols(PROTOCOLS);
    if (clients != null) {
      b.trustManager(clients).clientAuth(ClientAuth.REQUIRE);
    }
    return b;
  }

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
