package dev.cairn.cli.internal;

import dev.cairn.common.CairnException;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads command-line durations the way the HTTP API writes them (see {@link
 * dev.cairn.common.Durations}).
 */
final class Durations implements ITypeConverter<Duration> {

  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  /** {@code value} as a duration, or a picocli conversion error naming the accepted forms. */
  static Duration parse(String value) {
    try {
      return dev.cairn.common.Durations.parse("duration", value);
    } catch (CairnException e) {
      throw new TypeConversionException(
          "'" + value + "' (expected: " + dev.cairn.common.Durations.EXPECTED + ")");
    }
  }
}
