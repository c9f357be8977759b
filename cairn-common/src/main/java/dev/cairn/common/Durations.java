package dev.cairn.common;

import java.time.Duration;
import java.time.format.DateTimeParseException;

/**
 * The durations of Cairn's APIs and command line: a whole number of at most 9 digits and a unit,
 * {@code ms}, {@code s}, {@code m} or {@code h} ({@code 500ms}, {@code 10s}, {@code 5m}), or
 * ISO-8601 ({@code PT10S}); never negative.
 */
public final class Durations {

  /** What a duration looks like, for error messages. */
  public static final String EXPECTED = "a duration such as 500ms, 10s, 5m, 1h or PT10S";

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
    if (unitAt > 0 && unitAt <= 9) {
      long amount = Long.parseLong(s.substring(0, unitAt));
      switch (s.substring(unitAt)) {
        case "ms":
          return Duration.ofMillis(amount);
        case "s":
          return Duration.ofSeconds(amount);
        case "m":
          return Duration.ofMinutes(amount);
        case "h":
          return Duration.ofHours(amount);
        default:
          break;
      }
    }
    if (unitAt == 0 && s.startsWith("P")) {
      try {
        Duration d = Duration.parse(s);
        if (!d.isNegative()) {
          return d;
        }
      } catch (DateTimeParseException e) {
        // reported below
      }
    }
    throw CairnException.invalid(field, text, EXPECTED);
  }

  /**
   * Prints {@code d} in the largest of s or ms that keeps it whole: {@code 10s}, {@code 1500ms}.
   */
  public static String format(Duration d) {
    long millis = d.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
  }
}
