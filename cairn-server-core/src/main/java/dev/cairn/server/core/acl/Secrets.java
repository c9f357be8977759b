package dev.cairn.server.core.acl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The secrets the registry hands out (a session's secret, an ACL token's secret) and the form they
 * are kept in: 256 random bits from {@link SecureRandom}, given to their holder once as 43 URL-safe
 * base64 characters, and stored only as their SHA-256 hash (decision 0165). A secret of that
 * entropy needs no slow, salted hash: no dictionary reaches it, and the hash of a leaked snapshot
 * gives nothing to send. Hashes are compared in constant time.
 */
public final class Secrets {

  /** Bytes of a hash. */
  public static final int HASH_BYTES = 32;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder BASE64 = Base64.getUrlEncoder().withoutPadding();

  private Secrets() {}

  /** A new secret: 256 random bits, as 43 URL-safe base64 characters. */
  public static String newSecret() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return BASE64.encodeToString(bytes);
  }

  /** The SHA-256 hash of {@code secret}'s UTF-8 bytes. */
  public static byte[] hash(String secret) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /**
   * Whether two strings are equal, in time that does not depend on where they differ (only on their
   * length, which a secret's format makes public anyway).
   */
  public static boolean sameText(String a, String b) {
    if (a.length() != b.length()) {
      return false;
    }
    int diff = 0;
    for (int i = 0; i < a.length(); i++) {
      diff |= a.charAt(i) ^ b.charAt(i);
    }
    return diff == 0;
  }

  /** Whether two hashes are equal, in time that does not depend on where they differ. */
  public static boolean same(byte[] a, byte[] b) {
    return a != null && b != null && MessageDigest.isEqual(a, b);
  }
}
