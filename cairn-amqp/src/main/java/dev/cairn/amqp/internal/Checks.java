package dev.cairn.amqp.internal;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.regex.Pattern;

/** Argument checks shared by the public builders; messages read "field: value (expected: ...)". */
public final class Checks {

  /** Longest exchange or queue name; leaves room for the ".retry.N" and ".dlq" suffixes. */
  public static final int MAX_NAME_LENGTH = 200;

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

  /** A binding key: 1..255 characters, words separated by dots, '*' and '#' wildcards allowed. */
  public static String bindingKey(String field, String value) {
    requireNonNull(value, field);
    if (value.isEmpty() || value.length() > 255) {
      throw new IllegalArgumentException(
          field + ": \"" + value + "\" (expected: 1..255 characters)");
    }
    return value;
  }

  public static int range(String field, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          field + ": " + value + " (expected: " + min + ".." + max + ")");
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
