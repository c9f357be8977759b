package dev.cairn.common;

import java.time.Duration;
import java.time.format.DateTimeParseException;

/**
 * The durations of Cairn's APIs and command line: a whole number of at most 9 digits and a unit,
 * {@code ms}, {@code s}, {@code m} or {@code h} ({@code 500ms}, {@code 10s}, {@code 5m}), or
 * ISO-8601 ({@code PT10S}); never negative and at most {@link #MAX} (a year), so that every
 * duration converts to milliseconds and nanoseconds without overflow.
 */
public final class Durations {

  /** The longest duration accepted: 8760 h (365 days). */
  public static final Duration MAX = Duration.ofHours(8760);

  /** What a duration looks like, for error messages. */
  public static final String EXPECTED =
      "a duration such as 500ms, 10s, 5m, 1h or PT10S, at most " + MAX.toHours() + "h";

  private Durations() {}

  /**
   * Parses {@code text}.
   *
   * @throws CairnException {@code INVALID_ARGUMENT} naming {@code field} when it is not a duration
   */
  public static Duration parse(String field, String text) {
    String s = text == null ? "" : text.strip();
    int unitAt = 0;
    while (unitAt < s.length() && s.charAt(unitAt) >= '0' && s.charAt(unitAt) <= '9') {
      unitAt++;
    }
    Duration d = null;
    if (unitAt > 0 && unitAt <= 9) {
      long amount = Long.parseLong(s.substring(0, unitAt));
      switch (s.substring(unitAt)) {
        case "ms":
          d = Duration.ofMillis(amount);
          break;
        case "s":
          d = Duration.ofSeconds(amount);
          break;
        case "m":
          d = Duration.ofMinutes(amount);
          break;
        case "h":
          d = Duration.ofHours(amount);
          break;
        default:
          break;
      }
    }
    if (unitAt == 0 && s.startsWith("P")) {
      try {
        d = Duration.parse(s);
      } catch (DateTimeParseException e) {
        // reported below
      }
    }
    if (d == null || d.isNegative() || d.compareTo(MAX) > 0) {
      throw CairnException.invalid(field, text, EXPECTED);
    }
    return d;
  }

  /**
   * Prints {@code d} in the largest of s or ms that keeps it whole: {@code 10s}, {@code 1500ms};
   * ISO-8601 when it is longer than milliseconds can count, or negative.
   */
  public static String format(Duration d) {
    if (d.isNegative() || d.getSeconds() >= Long.MAX_VALUE / 1000) {
      return d.toString();
    }
    long millis = d.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
  }
}
