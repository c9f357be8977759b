package dev.cairn.client.lb;

import java.time.Duration;

/** Argument checks with messages in the form {@code "field: value (expected: ...)"}. */
final class Checks {

  private Checks() {}

  static void positive(String field, Duration value) {
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(field + ": " + value + " (expected: > 0)");
    }
  }

  static void notNegative(String field, Duration value) {
    if (value.isNegative()) {
      throw new IllegalArgumentException(field + ": " + value + " (expected: >= 0)");
    }
  }

  static void range(String field, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
      throw new IllegalArgumentException(
          field + ": " + value + " (expected: " + min + ".." + max + ")");
    }
  }

  static void atLeast(String field, long value, long min) {
    if (value < min) {
      throw new IllegalArgumentException(field + ": " + value + " (expected: >= " + min + ")");
    }
  }
}
