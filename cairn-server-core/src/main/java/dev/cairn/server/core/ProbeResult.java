package dev.cairn.server.core;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Health;

/**
 * The result of one health-check probe: the health it found and a short human-readable output
 * saying why ({@code "HTTP 503 Service Unavailable in 2 ms"}, {@code "connect failed: Connection
 * refused"}). The output is shown to operators (HTTP {@code GET /v1/services/{service}/checks} and
 * the console); it is kept in memory only, never logged as a command. Immutable.
 */
public final class ProbeResult {

  /** Longest output kept, in characters; longer output is cut and ends with {@code "…"}. */
  public static final int MAX_OUTPUT_CHARS = 256;

  private final Health health;
  private final String output;

  private ProbeResult(Health health, String output) {
    this.health = health;
    this.output = output;
  }

  /**
   * A result of {@code health} with {@code output}; control characters in the output become spaces
   * and output longer than {@value #MAX_OUTPUT_CHARS} characters is cut.
   */
  public static ProbeResult of(Health health, String output) {
    requireNonNull(health, "health");
    requireNonNull(output, "output");
    return new ProbeResult(health, clean(output));
  }

  /** The health the probe found. */
  public Health health() {
    return health;
  }

  /** What the probe saw, in a few words; never null, at most {@value #MAX_OUTPUT_CHARS} chars. */
  public String output() {
    return output;
  }

  @Override
  public String toString() {
    return health + ": " + output;
  }

  private static String clean(String text) {
    String t = text.strip();
    if (t.length() > MAX_OUTPUT_CHARS) {
      t = t.substring(0, MAX_OUTPUT_CHARS - 1) + "…";
    }
    StringBuilder b = null;
    for (int i = 0; i < t.length(); i++) {
      if (Character.isISOControl(t.charAt(i))) {
        if (b == null) {
          b = new StringBuilder(t);
        }
        b.setCharAt(i, ' ');
      }
    }
    return b == null ? t : b.toString();
  }
}
