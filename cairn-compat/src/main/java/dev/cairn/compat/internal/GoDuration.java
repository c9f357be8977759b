package dev.cairn.compat.internal;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Go's duration text as Consul uses it in queries and check definitions: a sequence of decimal
 * numbers with units {@code ns us ms s m h} ({@code 1m30s}, {@code 500ms}); a bare number is
 * milliseconds, as Consul reads {@code ?wait=}.
 */
public final class GoDuration {

  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");

  private GoDuration() {}

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException when it is not a non-negative Go duration
   */
  public static Duration parse(String text) {
    if (text.matches("\\d{1,12}")) {
      return Duration.ofMillis(Long.parseLong(text));
    }
    Matcher m = PART.matcher(text);
    int at = 0;
    double nanos = 0;
    while (at < text.length() && m.find(at) && m.start() == at) {
      double n = Double.parseDouble(m.group(1));
      nanos +=
          n
              * switch (m.group(2)) {
                case "ns" -> 1;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
              };
      at = m.end();
    }
    if (at == 0 || at != text.length() || nanos > 1e18) {
      throw new IllegalArgumentException("duration: \"" + text + "\" (expected: e.g. 10s, 5m)");
    }
    return Duration.ofNanos((long) nanos);
  }
}
