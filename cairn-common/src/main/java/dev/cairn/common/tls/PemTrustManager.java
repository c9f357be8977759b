package dev.cairn.common.tls;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts the certificates signed by the certificate authorities of one PEM file (one or more
 * certificates), and nothing else: the JDK's PKIX validation (signature chain, validity period, key
 * usage), with the host name checked by the caller's TLS stack where it asks for it. When the file
 * changes, the next handshake after the check interval uses the new authorities. Thread-safe.
 */
public final class PemTrustManager extends X509ExtendedTrustManager {

  private final Reloader<Authorities> authorities;

  private PemTrustManager(Reloader<Authorities> authorities) {
    this.authorities = authorities;
  }

  /**
   * Reads {@code caFile} now; later checks at most once per {@link
   * PemKeyManager#DEFAULT_CHECK_INTERVAL}.
   *
   * @throws IOException when the file cannot be read
   * @throws IllegalArgumentException naming the file when it holds no usable certificate
   */
  public static PemTrustManager load(Path caFile) throws IOException {
    return load(caFile, PemKeyManager.DEFAULT_CHECK_INTERVAL, ReloadListener.NONE);
  }

  /** Like {@link #load(Path)}, checking every {@code checkInterval}, telling {@code listener}. */
  public static PemTrustManager load(Path caFile, Duration checkInterval, ReloadListener listener)
      throws IOException {
    requireNonNull(caFile, "caFile");
    return new PemTrustManager(
        new Reloader<>(
            "certificate authorities " + caFile,
            (contents, before) -> Authorities.of(contents[0], caFile),
            requireNonNull(checkInterval, "checkInterval"),
            requireNonNull(listener, "listener"),
            caFile));
  }

  private X509ExtendedTrustManager delegate() {
    return authorities.current().delegate;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    delegate().checkClientTrusted(chain, authType, socket);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    delegate().checkServerTrusted(chain, authType, socket);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    delegate().checkClientTrusted(chain, authType, engine);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    delegate().checkServerTrusted(chain, authType, engine);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    delegate().checkClientTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    delegate().checkServerTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return delegate().getAcceptedIssuers();
  }

  private static final class Authorities {
    final X509ExtendedTrustManager delegate;

    private Authorities(X509ExtendedTrustManager delegate) {
      this.delegate = delegate;
    }

    static Authorities of(byte[] pem, Path caFile) {
      List<X509Certificate> certs = Pem.certificates(pem, "certificate authorities " + caFile);
      try {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        for (int i = 0; i < certs.size(); i++) {
          store.setCertificateEntry("ca-" + i, certs.get(i));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(store);
        for (TrustManager m : factory.getTrustManagers()) {
          if (m instanceof X509ExtendedTrustManager) {
            return new Authorities((X509ExtendedTrustManager) m);
          }
        }
        throw new IllegalStateException("no X.509 trust manager in this JDK");
      } catch (GeneralSecurityException | IOException e) {
        throw new IllegalArgumentException(
            "certificate authorities " + caFile + ": unusable (" + e + ")", e);
      }
    }
  }
}
