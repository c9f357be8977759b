package dev.cairn.cli.internal;

import dev.cairn.cli.Cairn;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * Runs {@code cairn} in-process with captured output. The writers are thread-safe to read while the
 * command runs on another thread ({@link StringWriter} is backed by a {@code StringBuffer}).
 */
final class CliRun {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private final CommandLine commandLine;
  private volatile int exitCode = -1;

  private CliRun(CommandLine commandLine) {
    this.commandLine = commandLine;
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
  }

  /** Runs {@code cairn args...} to the end. */
  static CliRun cairn(String... args) {
    return new CliRun(Cairn.commandLine()).execute(args);
  }

  /** A run of a command line the test built, e.g. with a fake server starter. */
  static CliRun of(CommandLine commandLine) {
    return new CliRun(CairnCommand.configure(commandLine));
  }

  /** A run of {@code cairn}, not yet started; see {@link #execute(String...)}. */
  static CliRun prepare() {
    return new CliRun(Cairn.commandLine());
  }

  CliRun execute(String... args) {
    exitCode = commandLine.execute(args);
    return this;
  }

  CommandLine commandLine() {
    return commandLine;
  }

  int exitCode() {
    return exitCode;
  }

  String out() {
    return out.toString();
  }

  String err() {
    return err.toString();
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
  }
}
