package dev.cairn.cli.internal;

import static java.util.Objects.requireNonNull;

/**
 * A failure a command reports to the user: a one-line message, printed as {@code error: <message>}
 * on the error stream, and the {@link ExitCode} to exit with.
 */
final class CliException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int exitCode;

  CliException(int exitCode, String message) {
    super(requireNonNull(message, "message"), null, false, false);
    this.exitCode = exitCode;
  }

  CliException(int exitCode, String message, Throwable cause) {
    super(requireNonNull(message, "message"), cause, false, false);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
