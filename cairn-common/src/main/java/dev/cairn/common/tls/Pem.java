package dev.cairn.common.tls;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** Parses PEM text: X.509 certificates and unencrypted PKCS#8 private keys. */
final class Pem {

  private static final String[] KEY_ALGORITHMS = {"RSA", "EC", "Ed25519", "Ed448"};

  private Pem() {}

  /**
   * Every certificate in {@code pem}, in order.
   *
   * @throws IllegalArgumentException naming {@code what} when there is none or one is malformed
   */
  static List<X509Certificate> certificates(byte[] pem, String what) {
    String text = new String(pem, StandardCharsets.US_ASCII);
    if (!text.contains("-----BEGIN CERTIFICATE-----")) {
      throw new IllegalArgumentException(
          what + ": no certificate (expected: PEM, -----BEGIN CERTIFICATE-----)");
    }
    List<X509Certificate> out = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (var c : factory.generateCertificates(new ByteArrayInputStream(pem))) {
        out.add((X509Certificate) c);
      }
    } catch (CertificateException e) {
      throw new IllegalArgumentException(what + ": malformed certificate (" + e.getMessage() + ")");
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(what + ": no certificate");
    }
    return out;
  }

  /**
   * The private key in {@code pem}: an unencrypted PKCS#8 key ({@code -----BEGIN PRIVATE
   * KEY-----}), RSA, EC or EdDSA.
   *
   * @throws IllegalArgumentException naming {@code what} and saying how to convert other forms
   */
  static PrivateKey privateKey(byte[] pem, String what) {
    String text = new String(pem, StandardCharsets.US_ASCII);
    if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
      throw new IllegalArgumentException(
          what
              + ": the key is encrypted (expected: an unencrypted PKCS#8 key; decrypt it with"
              + " 'openssl pkcs8 -in KEY -out KEY.pem' and protect the file instead)");
    }
    String begin = "-----BEGIN PRIVATE KEY-----";
    int start = text.indexOf(begin);
    if (start < 0) {
      boolean legacy =
          text.contains("-----BEGIN RSA PRIVATE KEY-----")
              || text.contains("-----BEGIN EC PRIVATE KEY-----");
      throw new IllegalArgumentException(
          what
              + (legacy
                  ? ": a PKCS#1/SEC1 key (expected: PKCS#8, -----BEGIN PRIVATE KEY-----; convert"
                      + " it with 'openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pem')"
                  : ": no private key (expected: PEM, -----BEGIN PRIVATE KEY-----)"));
    }
    int end = text.indexOf("-----END PRIVATE KEY-----", start);
    if (end < 0) {
      throw new IllegalArgumentException(what + ": unterminated private key");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(text.substring(start + begin.length(), end));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": malformed private key (bad base64)");
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : KEY_ALGORITHMS) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException e) {
        // Not this algorithm (or not supported here): try the next.
      }
    }
    throw new IllegalArgumentException(
        what + ": malformed or unsupported private key (expected: RSA, EC or EdDSA, PKCS#8)");
  }

  /** Whether {@code key} is the private half of {@code publicKey}: signs and verifies a probe. */
  static boolean matches(PrivateKey key, PublicKey publicKey) {
    if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
      return false;
    }
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          default -> key.getAlgorithm(); // EdDSA, Ed25519, Ed448
        };
    try {
      byte[] probe = "cairn key check".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
