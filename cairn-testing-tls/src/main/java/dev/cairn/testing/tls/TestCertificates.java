package dev.cairn.testing.tls;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates for TLS tests, made on the spot (EC P-256) and written as PEM files into a
 * directory: a certificate authority, a server certificate for {@code localhost}, {@code 127.0.0.1}
 * and {@code ::1}, a client certificate, expired ones, and ones from another authority that nothing
 * trusts.
 *
 * <pre>{@code
 * TestCertificates pki = TestCertificates.create(tempDir);
 * CairnServer.builder().tlsCert(pki.server().cert()).tlsKey(pki.server().key()).tlsCa(pki.ca())...
 * }</pre>
 *
 * <p>Thread-safe; each call to an {@code issue...} method writes new files.
 */
public final class TestCertificates {

  private static final Duration VALIDITY = Duration.ofDays(2);
  private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

  private final Path dir;
  private final Authority ca;
  private final Authority otherCa;
  private final AtomicLong files = new AtomicLong();

  /** A certificate and its PKCS#8 private key, each in a PEM file. */
  public record Pair(Path cert, Path key, X509Certificate certificate) {}

  private record Authority(X509Certificate cert, KeyPair keys, Path file) {}

  private TestCertificates(Path dir, Authority ca, Authority otherCa) {
    this.dir = dir;
    this.ca = ca;
    this.otherCa = otherCa;
  }

  /** Makes the two authorities and writes their certificates into {@code dir}. */
  public static TestCertificates create(Path dir) {
    requireNonNull(dir, "dir");
    try {
      Files.createDirectories(dir);
      return new TestCertificates(
          dir,
          authority("Cairn Test CA", dir.resolve("ca.pem")),
          authority("Other Test CA", dir.resolve("other-ca.pem")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The authority's certificate (PEM): what a peer trusts. */
  public Path ca() {
    return ca.file;
  }

  /** Another authority's certificate (PEM), which signed {@link #otherServer()} and others. */
  public Path otherCa() {
    return otherCa.file;
  }

  /** A new server certificate for localhost, 127.0.0.1 and ::1, valid now. */
  public Pair server() {
    return issue(ca, "server", true, false);
  }

  /**
   * A new certificate for a cluster member (CN {@code member}): a server certificate for localhost,
   * 127.0.0.1 and ::1 that may also authenticate as a client, as members do to each other.
   */
  public Pair member() {
    return issue(ca, "member", true, false, true);
  }

  /** A member certificate, valid now, from the other authority. */
  public Pair otherMember() {
    return issue(otherCa, "member", true, false, true);
  }

  /** A new client certificate (CN {@code client}), valid now. */
  public Pair client() {
    return issue(ca, "client", false, false);
  }

  /** A new client certificate with common name {@code name}, valid now. */
  public Pair client(String name) {
    return issue(ca, name, false, false);
  }

  /** A server certificate from the authority that expired yesterday. */
  public Pair expiredServer() {
    return issue(ca, "server", true, true);
  }

  /** A client certificate from the authority that expired yesterday. */
  public Pair expiredClient() {
    return issue(ca, "client", false, true);
  }

  /** A server certificate, valid now, from the other authority. */
  public Pair otherServer() {
    return issue(otherCa, "server", true, false);
  }

  /** A client certificate, valid now, from the other authority. */
  public Pair otherClient() {
    return issue(otherCa, "client", false, false);
  }

  private Pair issue(Authority issuer, String name, boolean server, boolean expired) {
    return issue(issuer, name, server, expired, false);
  }

  private Pair issue(
      Authority issuer, String name, boolean server, boolean expired, boolean alsoClient) {
    try {
      KeyPair keys = keyPair();
      Instant now = Instant.now();
      Instant notBefore = expired ? now.minus(VALIDITY) : now.minus(Duration.ofHours(1));
      Instant notAfter = expired ? now.minus(Duration.ofDays(1)) : now.plus(VALIDITY);
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              issuer.cert,
              BigInteger.valueOf(SERIALS.incrementAndGet()),
              Date.from(notBefore),
              Date.from(notAfter),
              new X500Name("CN=" + name),
              keys.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      b.addExtension(
          Extension.extendedKeyUsage,
          false,
          alsoClient
              ? new ExtendedKeyUsage(
                  new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth})
              : new ExtendedKeyUsage(
                  server ? KeyPurposeId.id_kp_serverAuth : KeyPurposeId.id_kp_clientAuth));
      b.addExtension(
          Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuer.cert));
      if (server) {
        b.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(
                new GeneralName[] {
                  new GeneralName(GeneralName.dNSName, "localhost"),
                  new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                  new GeneralName(GeneralName.iPAddress, "::1")
                }));
      }
      X509Certificate cert = sign(b, issuer.keys);
      String base = name + "-" + files.incrementAndGet();
      Path certFile = dir.resolve(base + ".pem");
      Path keyFile = dir.resolve(base + "-key.pem");
      Files.writeString(certFile, pem("CERTIFICATE", cert.getEncoded()), StandardCharsets.US_ASCII);
      Files.writeString(
          keyFile, pem("PRIVATE KEY", keys.getPrivate().getEncoded()), StandardCharsets.US_ASCII);
      return new Pair(certFile, keyFile, cert);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Authority authority(String name, Path file) throws IOException {
    try {
      KeyPair keys = keyPair();
      Instant now = Instant.now();
      X500Name subject = new X500Name("CN=" + name);
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              subject,
              BigInteger.valueOf(SERIALS.incrementAndGet()),
              Date.from(now.minus(Duration.ofHours(1))),
              Date.from(now.plus(VALIDITY.multipliedBy(5))),
              subject,
              keys.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(
          Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      X509Certificate cert = sign(b, keys);
      Files.writeString(file, pem("CERTIFICATE", cert.getEncoded()), StandardCharsets.US_ASCII);
      return new Authority(cert, keys, file);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair issuer)
      throws OperatorCreationException, GeneralSecurityException {
    return new JcaX509CertificateConverter()
        .getCertificate(
            b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate())));
  }

  private static KeyPair keyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
