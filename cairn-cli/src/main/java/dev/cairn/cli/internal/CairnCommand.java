package dev.cairn.cli.internal;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The top-level {@code cairn} command; it only groups the subcommands. */
@Command(
    name = "cairn",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Runs a Cairn server and talks to one through its HTTP API.",
    subcommands = {
      ServerCommand.class,
      ServicesCommand.class,
      InstancesCommand.class,
      RegisterCommand.class,
      DeregisterCommand.class,
      WatchCommand.class,
      StatusCommand.class,
      MembersCommand.class,
      ClusterCommand.class,
      MessagesCommand.class,
      RepairCommand.class,
      SnapshotCommand.class,
      AclCommand.class,
      AuditCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = {
      "",
      "Exit codes: 0 ok, 1 the server answered an error, 2 usage error,",
      "3 cannot start the server, 4 server unreachable, 5 not found."
    })
public final class CairnCommand implements Runnable {

  @Spec CommandSpec spec;

  /** A command line for {@code cairn} with {@link #configure(CommandLine)} applied. */
  public static CommandLine commandLine() {
    return configure(new CommandLine(new CairnCommand()));
  }

  /**
   * Installs the error handling every {@code cairn} command line shares: a {@link CliException}
   * prints {@code error: <message>} and exits with its code; any other exception is a bug and
   * prints its stack trace.
   */
  static CommandLine configure(CommandLine commandLine) {
    commandLine.setExecutionExceptionHandler(CairnCommand::handle);
    commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    return commandLine;
  }

  @Override
  public void run() {
    // "cairn" alone: show what it can do; a usage error, as there is nothing to run.
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }

  private static int handle(
      Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
    PrintWriter err = commandLine.getErr();
    if (e instanceof CliException) {
      err.println("error: " + e.getMessage());
      err.flush();
      return ((CliException) e).exitCode();
    }
    err.println("error: unexpected failure, please report it");
    e.printStackTrace(err);
    err.flush();
    return ExitCode.SERVER_ERROR;
  }
}
