package dev.cairn.cli.internal;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parses durations the way the HTTP API writes them: {@code 500ms}, {@code 10s}, {@code 5m}. */
final class Durations implements ITypeConverter<Duration> {

  private static final Pattern SIMPLE = Pattern.compile("(\\d{1,12})(ms|s|m|h)");

  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  /**
   * {@code value} as a duration: a whole number with unit {@code ms}, {@code s}, {@code m} or
   * {@code h}, or ISO-8601 such as {@code PT10S}; never negative.
   */
  static Duration parse(String value) {
    Matcher m = SIMPLE.matcher(value.strip());
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      switch (m.group(2)) {
        case "ms":
          return Duration.ofMillis(n);
        case "s":
          return Duration.ofSeconds(n);
        case "m":
          return Duration.ofMinutes(n);
        default:
          return Duration.ofHours(n);
      }
    }
    try {
      Duration d = Duration.parse(value.strip());
      if (!d.isNegative()) {
        return d;
      }
    } catch (DateTimeParseException e) {
      // Reported below with the accepted forms.
    }
    throw new TypeConversionException(
        "'" + value + "' (expected: a duration such as 500ms, 10s, 5m, 1h or PT10S)");
  }
}
