package dev.cairn.amqp.internal;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.regex.Pattern;

/** Argument checks shared by the public builders; messages read "field: value (expected: ...)". */
public final class Checks {

  /** Longest exchange or queue name; leaves room for the ".retry.N" and ".dlq" suffixes. */
  public static final int MAX_NAME_LENGTH = 200;

  /** Longest AMQP short string (routing keys, message ids, header names), in UTF-8 bytes. */
  public static final int MAX_SHORT_STRING_BYTES = 255;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]+");

  private Checks() {}

  /** An exchange or queue name: 1..200 of [A-Za-z0-9._:-], not starting with "amq.". */
  public static String name(String field, String value) {
    requireNonNull(value, field);
    if (value.isEmpty()
        || value.length() > MAX_NAME_LENGTH
        || !NAME.matcher(value).matches()
        || value.startsWith("amq.")) {
      throw new IllegalArgumentException(
          field
              + ": \""
              + value
              + "\" (expected: 1.."
              + MAX_NAME_LENGTH
              + " characters of [A-Za-z0-9._:-], not starting with \"amq.\")");
    }
    return value;
  }

  /**
   * A binding or routing key: 1..255 bytes in UTF-8 (an AMQP short string), words separated by
   * dots, '*' and '#' wildcards allowed.
   */
  public static String bindingKey(String field, String value) {
    requireNonNull(value, field);
    if (value.isEmpty() || utf8Length(value) > MAX_SHORT_STRING_BYTES) {
      throw new IllegalArgumentException(
          field
              + ": \""
              + value
              + "\" (expected: 1.."
              + MAX_SHORT_STRING_BYTES
              + " bytes in UTF-8)");
    }
    return value;
  }

  /**
   * A value sent as an AMQP short string (message and correlation ids, header names): at most 255
   * bytes in UTF-8, and non-empty when {@code allowEmpty} is false.
   */
  public static String shortString(String field, String value, boolean allowEmpty) {
    requireNonNull(value, field);
    if ((!allowEmpty && value.isEmpty()) || utf8Length(value) > MAX_SHORT_STRING_BYTES) {
      throw new IllegalArgumentException(
          field
              + ": \""
              + value
              + "\" (expected: "
              + (allowEmpty ? "at most " : "1..")
              + MAX_SHORT_STRING_BYTES
              + " bytes in UTF-8)");
    }
    return value;
  }

  /** The length of a string in UTF-8, without encoding it. */
  public static int utf8Length(String value) {
    int bytes = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < value.length()
          && Character.isLowSurrogate(value.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  public static int range(String field, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          field + ": " + value + " (expected: " + min + ".." + max + ")");
    }
    return value;
  }

  /** Longest per-message TTL RabbitMQ takes: 3,650 days (315,360,000,000 ms). */
  public static final Duration MAX_EXPIRATION = Duration.ofDays(3650);

  /** A per-message TTL: whole milliseconds from 0 to {@link #MAX_EXPIRATION}. */
  public static Duration expiration(String field, Duration value) {
    requireNonNull(value, field);
    if (value.isNegative()
        || value.compareTo(MAX_EXPIRATION) > 0
        || value.getNano() % 1_000_000 != 0) {
      throw new IllegalArgumentException(
          field
              + ": "
              + value
              + " (expected: whole milliseconds from 0 to "
              + MAX_EXPIRATION
              + ")");
    }
    return value;
  }

  public static Duration positive(String field, Duration value) {
    requireNonNull(value, field);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(field + ": " + value + " (expected: > 0)");
    }
    return value;
  }

  public static Duration nonNegative(String field, Duration value) {
    requireNonNull(value, field);
    if (value.isNegative()) {
      throw new IllegalArgumentException(field + ": " + value + " (expected: >= 0)");
    }
    return value;
  }
}
