package dev.cairn.common.tls;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The certificate chain and private key this side presents in a TLS handshake, from two PEM files:
 * the certificate first and its intermediates after it, and an unencrypted PKCS#8 key ({@code
 * -----BEGIN PRIVATE KEY-----}; RSA, EC or EdDSA). When the files change, the next handshake after
 * the check interval uses the new pair, once both files are readable and the key matches the
 * certificate (a rotation half written keeps the old pair); open connections are not touched.
 * Thread-safe.
 */
public final class PemKeyManager extends X509ExtendedKeyManager {

  /** How often the files are checked for changes by default: at most once a second. */
  public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(1);

  private static final AtomicLong GENERATIONS = new AtomicLong();

  private final Reloader<Identity> identity;

  private PemKeyManager(Reloader<Identity> identity) {
    this.identity = identity;
  }

  /**
   * Reads {@code certFile} and {@code keyFile} now; later checks at most once per {@link
   * #DEFAULT_CHECK_INTERVAL}.
   *
   * @throws IOException when a file cannot be read
   * @throws IllegalArgumentException naming the file when its contents are not usable
   */
  public static PemKeyManager load(Path certFile, Path keyFile) throws IOException {
    return load(certFile, keyFile, DEFAULT_CHECK_INTERVAL, ReloadListener.NONE);
  }

  /**
   * Like {@link #load(Path, Path)}, checking every {@code checkInterval}, telling {@code listener}.
   */
  public static PemKeyManager load(
      Path certFile, Path keyFile, Duration checkInterval, ReloadListener listener)
      throws IOException {
    return load(certFile, keyFile, checkInterval, listener, Clock.systemUTC());
  }

  /**
   * Like {@link #load(Path, Path, Duration, ReloadListener)}, judging certificates' validity dates
   * by {@code clock}: a rotation to a certificate that is not valid now (expired, or not valid yet)
   * while the one in use is, is not taken — the files are tried again at each check, so a
   * certificate written a little before its start is taken once it starts, and the listener is told
   * once (decision 0218). The first pair is loaded whatever its dates (see {@link #validity}).
   */
  public static PemKeyManager load(
      Path certFile, Path keyFile, Duration checkInterval, ReloadListener listener, Clock clock)
      throws IOException {
    requireNonNull(certFile, "certFile");
    requireNonNull(keyFile, "keyFile");
    requireNonNull(clock, "clock");
    String what = "certificate " + certFile + " and key " + keyFile;
    return new PemKeyManager(
        new Reloader<>(
            what,
            (contents, before) ->
                Identity.of(contents[0], contents[1], certFile, keyFile, before, clock),
            requireNonNull(checkInterval, "checkInterval"),
            requireNonNull(listener, "listener"),
            id -> describe(id.chain[0]),
            certFile,
            keyFile));
  }

  /**
   * What makes {@code certificate} unusable at {@code now} — {@code "expired at <instant>"} or
   * {@code "not valid before <instant>"} — or null while it is within its validity dates.
   */
  public static String validity(X509Certificate certificate, Instant now) {
    if (now.isAfter(certificate.getNotAfter().toInstant())) {
      return "expired at " + certificate.getNotAfter().toInstant();
    }
    if (now.isBefore(certificate.getNotBefore().toInstant())) {
      return "not valid before " + certificate.getNotBefore().toInstant();
    }
    return null;
  }

  /** {@code <subject>, serial <hex>, valid until <instant>}: what a log line names. */
  public static String describe(X509Certificate certificate) {
    return certificate.getSubjectX500Principal().getName()
        + ", serial "
        + certificate.getSerialNumber().toString(16)
        + ", valid until "
        + certificate.getNotAfter().toInstant();
  }

  /** The certificate presented now (the first of the chain). */
  public X509Certificate certificate() {
    return identity.current().chain[0];
  }

  private Identity current() {
    return identity.current();
  }

  // The identity an alias was chosen from: the current one, or the one before it when a reload
  // came between choosing the alias and asking for its chain and key within one handshake.
  private Identity byAlias(String alias) {
    Identity now = identity.current();
    if (now.alias.equals(alias)) {
      return now;
    }
    Identity before = now.before;
    return before != null && before.alias.equals(alias) ? before : null;
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return current().delegate.chooseEngineServerAlias(keyType, issuers, engine);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
    return current().delegate.chooseEngineClientAlias(keyTypes, issuers, engine);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return current().delegate.chooseServerAlias(keyType, issuers, socket);
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return current().delegate.chooseClientAlias(keyTypes, issuers, socket);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return current().delegate.getServerAliases(keyType, issuers);
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return current().delegate.getClientAliases(keyType, issuers);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    Identity id = byAlias(alias);
    return id == null ? null : id.chain.clone();
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    Identity id = byAlias(alias);
    return id == null ? null : id.key;
  }

  /** One loaded pair, under an alias of its own. */
  private static final class Identity {
    final String alias;
    final X509Certificate[] chain;
    final PrivateKey key;
    final X509ExtendedKeyManager delegate;
    final Identity before; // without its own before: two generations at most

    private Identity(
        String alias,
        X509Certificate[] chain,
        PrivateKey key,
        X509ExtendedKeyManager delegate,
        Identity before) {
      this.alias = alias;
      this.chain = chain;
      this.key = key;
      this.delegate = delegate;
      this.before =
          before == null ? null : new Identity(before.alias, before.chain, before.key, null, null);
    }

    static Identity of(
        byte[] certPem, byte[] keyPem, Path certFile, Path keyFile, Identity before, Clock clock) {
      List<X509Certificate> certs = Pem.certificates(certPem, "certificate " + certFile);
      PrivateKey key = Pem.privateKey(keyPem, "key " + keyFile);
      if (!Pem.matches(key, certs.get(0).getPublicKey())) {
        throw new IllegalArgumentException(
            "key "
                + keyFile
                + ": does not match the certificate in "
                + certFile
                + " (expected: the private key of its first certificate)");
      }
      if (before != null) {
        // A rotation to a certificate every peer would refuse, while the one in use is still
        // good, is not taken (decision 0218); tried again at each check.
        Instant now = clock.instant();
        String unusable = validity(certs.get(0), now);
        if (unusable != null && validity(before.chain[0], now) == null) {
          throw new Reloader.Pending(
              "certificate "
                  + certFile
                  + ": "
                  + unusable
                  + " (now: "
                  + now
                  + "); the previous one ("
                  + describe(before.chain[0])
                  + ") stays in use until it is valid or the files change");
        }
      }
      String alias = "cairn-" + GENERATIONS.incrementAndGet();
      X509Certificate[] chain = certs.toArray(new X509Certificate[0]);
      try {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        char[] password = new char[0];
        store.setKeyEntry(alias, key, password, chain);
        KeyManagerFactory factory = KeyManagerFactory.getInstance("SunX509");
        factory.init(store, password);
        for (KeyManager m : factory.getKeyManagers()) {
          if (m instanceof X509ExtendedKeyManager) {
            return new Identity(alias, chain, key, (X509ExtendedKeyManager) m, before);
          }
        }
        throw new IllegalStateException("no X.509 key manager in this JDK");
      } catch (GeneralSecurityException | IOException e) {
        throw new IllegalArgumentException(
            "certificate " + certFile + " and key " + keyFile + ": unusable (" + e + ")", e);
      }
    }
  }
}
