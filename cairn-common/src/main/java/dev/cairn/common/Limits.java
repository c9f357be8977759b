package dev.cairn.common;

/**
 * The registry's explicit limits. Every request that passes one of them is rejected with {@link
 * ErrorCode#INVALID_ARGUMENT} naming the field; nothing is truncated silently. Documented in {@code
 * docs/api.md}.
 */
public final class Limits {

  /** Longest namespace, service name, tag, zone or port name: one DNS label. */
  public static final int MAX_NAME_LENGTH = 63;

  /** Longest instance id (ids may contain dots, e.g. a host name, but no other punctuation). */
  public static final int MAX_INSTANCE_ID_LENGTH = 128;

  /**
   * Longest address: a host name or an IPv4/IPv6 literal, as {@link Names#checkAddress} takes them
   * (canonical dotted-quad IPv4, IPv6 without brackets or zone id, RFC 1123 host names whose last
   * label is not a number).
   */
  public static final int MAX_ADDRESS_LENGTH = 253;

  /** Most named ports on one instance. */
  public static final int MAX_PORTS = 16;

  /** Most tags on one instance. */
  public static final int MAX_TAGS = 32;

  /** Most metadata entries on one instance. */
  public static final int MAX_METADATA_ENTRIES = 64;

  /**
   * Longest metadata key. A key is any text but ISO control characters (U+0000..U+001F,
   * U+007F..U+009F) and white space or space characters (a space, U+00A0, U+2003, ...).
   */
  public static final int MAX_METADATA_KEY_LENGTH = 128;

  /** Longest metadata value. A value is any text but ISO control characters other than tab. */
  public static final int MAX_METADATA_VALUE_LENGTH = 512;

  /** Total size of an instance's metadata (keys plus values, UTF-16 chars). */
  public static final int MAX_METADATA_TOTAL_LENGTH = 4096;

  /** Smallest and largest weight; {@link #DEFAULT_WEIGHT} when absent. */
  public static final int MIN_WEIGHT = 1;

  public static final int MAX_WEIGHT = 10_000;
  public static final int DEFAULT_WEIGHT = 100;

  /** Session TTL bounds and default, in milliseconds. */
  public static final long MIN_SESSION_TTL_MILLIS = 1_000;

  public static final long MAX_SESSION_TTL_MILLIS = 300_000;
  public static final long DEFAULT_SESSION_TTL_MILLIS = 10_000;

  /** Longest session name (the client name given when a session opens), in chars. */
  public static final int MAX_SESSION_NAME_LENGTH = 256;

  /** Largest HTTP request body in bytes. */
  public static final int MAX_REQUEST_BYTES = 64 * 1024;

  /** Longest long-poll wait in milliseconds; longer {@code wait} values are clamped to it. */
  public static final long MAX_WAIT_MILLIS = 600_000;

  /** Long-poll wait when {@code index} is given without {@code wait}, in milliseconds. */
  public static final long DEFAULT_WAIT_MILLIS = 300_000;

  /** Most concurrent watches on one gRPC connection or HTTP client address. */
  public static final int MAX_WATCHES_PER_CONNECTION = 1_000;

  /** The namespace used when a request names none. */
  public static final String DEFAULT_NAMESPACE = "default";

  private Limits() {}

  /**
   * Returns {@code name}, a session's client name (may be empty), when it has at most {@link
   * #MAX_SESSION_NAME_LENGTH} chars and no control character or line break (it is kept with the
   * session in the log and its snapshots, and read by operators); otherwise throws an {@link
   * ErrorCode#INVALID_ARGUMENT} naming {@code field}.
   */
  public static String checkSessionName(String field, String name) {
    if (name.length() > MAX_SESSION_NAME_LENGTH) {
      throw CairnException.invalid(field, name, "at most " + MAX_SESSION_NAME_LENGTH + " chars");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029) {
        throw CairnException.invalid(
            field,
            name,
            "no control characters or line breaks; U+"
                + String.format(java.util.Locale.ROOT, "%04X", (int) c)
                + " at index "
                + i);
      }
    }
    checkWholeCharacters(field, name, "no control characters or line breaks");
    return name;
  }

  /**
   * Throws an {@link ErrorCode#INVALID_ARGUMENT} naming {@code field} when {@code text} holds half
   * of a UTF-16 surrogate pair alone (JSON's {@code "\ud800"}): it is no character, UTF-8 cannot
   * carry it (gRPC, Python's and Node's encoders refuse it), and it would not be read back as it
   * was given. {@code expected} is what the field takes otherwise, for the message.
   */
  public static void checkWholeCharacters(String field, String text, String expected) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw CairnException.invalid(
            field,
            text,
            expected
                + "; no lone surrogate, U+"
                + String.format(java.util.Locale.ROOT, "%04X", (int) c)
                + " at index "
                + i);
      }
    }
  }
}
