package dev.cairn.cli;

import dev.cairn.cli.internal.CairnCommand;
import picocli.CommandLine;

/**
 * Entry point of the {@code cairn} command. Its exit codes (0 to 9) are listed in {@code
 * docs/cli.md} and by {@code cairn --help}.
 */
public final class Cairn {

  private Cairn() {}

  /** Runs the command and exits the JVM with its exit code. */
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /**
   * A new command line for {@code cairn}, with its error handling installed. Callers may set its
   * output and error writers before {@link CommandLine#execute(String...)}.
   */
  public static CommandLine commandLine() {
    return CairnCommand.commandLine();
  }
}
