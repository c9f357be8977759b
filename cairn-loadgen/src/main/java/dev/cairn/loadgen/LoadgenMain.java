package dev.cairn.loadgen;

import dev.cairn.loadgen.internal.ClientCommand;
import dev.cairn.loadgen.internal.RunCommand;
import dev.cairn.loadgen.internal.SdkClientCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code loadgen} command: {@code loadgen run} drives a running Cairn server with the workloads
 * W1..W6 and prints a table; {@code loadgen client} is the child process W4 starts and kills,
 * {@code loadgen sdk-client} the one W1's SDK phase in processes of their own starts.
 */
@Command(
    name = "loadgen",
    mixinStandardHelpOptions = true,
    version = "cairn-loadgen 0.1.0-SNAPSHOT",
    description = "Drives a running Cairn server with bounded workloads.",
    subcommands = {RunCommand.class, ClientCommand.class, SdkClientCommand.class})
public final class LoadgenMain implements Runnable {

  private LoadgenMain() {}

  /** Runs the command line and exits with its exit code. */
  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line and returns its exit code; for tests and embedding. */
  public static int execute(String... args) {
    return new CommandLine(new LoadgenMain())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .execute(args);
  }

  @Override
  public void run() {
    CommandLine.usage(this, System.err);
  }
}
