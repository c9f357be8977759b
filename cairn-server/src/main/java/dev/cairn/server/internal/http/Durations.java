package dev.cairn.server.internal.http;

import dev.cairn.common.CairnException;

/**
 * Parses and prints the API's durations: a whole number and a unit, {@code ms}, {@code s} or {@code
 * m}.
 */
final class Durations {

  static final String EXPECTED = "a duration like 500ms, 30s or 5m";

  private Durations() {}

  /**
   * Returns {@code text} in milliseconds.
   *
   * @throws CairnException {@code INVALID_ARGUMENT} naming {@code field} when {@code text} is not a
   *     duration of at most 9 digits; callers check their own bounds
   */
  static long parseMillis(String field, String text) {
    int unitAt = 0;
    while (unitAt < text.length() && text.charAt(unitAt) >= '0' && text.charAt(unitAt) <= '9') {
      unitAt++;
    }
    if (unitAt == 0 || unitAt > 9) {
      throw CairnException.invalid(field, text, EXPECTED);
    }
    long amount = Long.parseLong(text.substring(0, unitAt));
    long millis;
    switch (text.substring(unitAt)) {
      case "ms":
        millis = amount;
        break;
      case "s":
        millis = amount * 1000;
        break;
      case "m":
        millis = amount * 60_000;
        break;
      default:
        throw CairnException.invalid(field, text, EXPECTED);
    }
    return millis;
  }

  /** Prints {@code millis} in seconds when whole ({@code 10s}), else in milliseconds. */
  static String format(long millis) {
    if (millis % 1000 == 0) {
      return millis / 1000 + "s";
    }
    return millis + "ms";
  }
}
