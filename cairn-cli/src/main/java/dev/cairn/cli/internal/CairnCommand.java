package dev.cairn.cli.internal;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

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
    commandLine.setParameterExceptionHandler(CairnCommand::usageError);
    commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    if (commandLine.getCommand() instanceof CairnCommand) {
      List<String> footer = new ArrayList<>();
      footer.add("");
      footer.add("Exit codes (docs/cli.md):");
      ExitCode.SUMMARY.forEach(line -> footer.add("  " + line));
      commandLine.getCommandSpec().usageMessage().footer(footer.toArray(new String[0]));
    }
    return commandLine;
  }

  /**
   * A usage error: {@code error: <message>} and one hint line naming the command's help, exit code
   * {@link ExitCode#USAGE}; never the whole help (it would bury the message).
   */
  static int usageError(ParameterException e, String[] args) {
    CommandLine commandLine = e.getCommandLine();
    PrintWriter err = commandLine.getErr();
    err.println("error: " + usageMessage(e));
    err.println("Try '" + commandLine.getCommandSpec().qualifiedName() + " --help'.");
    err.flush();
    return ExitCode.USAGE;
  }

  /** The one-line message of a usage error, in Cairn's words rather than picocli's. */
  static String usageMessage(ParameterException e) {
    String message = e.getMessage() == null ? "" : e.getMessage();
    ArgSpec arg = e.getArgSpec();
    if (e instanceof UnmatchedArgumentException) {
      UnmatchedArgumentException u = (UnmatchedArgumentException) e;
      String first = u.getUnmatched().isEmpty() ? "" : u.getUnmatched().get(0);
      List<String> suggestions = u.getSuggestions();
      String hint =
          suggestions.isEmpty()
              ? ""
              : " (did you mean "
                  + String.join(" or ", suggestions.subList(0, Math.min(3, suggestions.size())))
                  + "?)";
      if (first.startsWith("-")) {
        int eq = first.indexOf('=');
        return "unknown option '" + (eq > 0 ? first.substring(0, eq) : first) + "'" + hint;
      }
      if (!u.getCommandLine().getSubcommands().isEmpty()) {
        return "unknown command '" + first + "'" + hint;
      }
      return "unexpected argument '" + first + "'";
    }
    if (e instanceof MissingParameterException) {
      List<ArgSpec> missing = ((MissingParameterException) e).getMissing();
      if (message.startsWith("Missing required parameter for option")
          && missing != null
          && missing.size() == 1) {
        return name(missing.get(0)) + ": missing its value, " + missing.get(0).paramLabel();
      }
      if (missing != null && !missing.isEmpty()) {
        List<String> names = new ArrayList<>();
        boolean options = false;
        for (ArgSpec a : missing) {
          options |= a.isOption();
          names.add(a.isOption() && a.arity().max() > 0 ? name(a) + " " + a.paramLabel() : name(a));
        }
        return "missing " + (options ? "required option " : "") + String.join(", ", names);
      }
    }
    if (arg != null && message.contains("should be in KEY=VALUE format")) {
      int was = message.lastIndexOf(" but was ");
      String value = was < 0 ? e.getValue() : message.substring(was + " but was ".length());
      return name(arg) + ": '" + value + "' (expected: " + arg.paramLabel() + ")";
    }
    if (arg != null && message.startsWith("Invalid value for ")) {
      int colon = message.indexOf(": ");
      String detail = colon < 0 ? message : message.substring(colon + 2);
      detail =
          detail
              .replaceFirst(" is not an? (int|long|short|byte)$", " (expected: a whole number)")
              .replaceFirst(" is not an? (double|float)$", " (expected: a number)");
      return name(arg) + ": " + detail;
    }
    return Failures.lowerFirst(message);
  }

  private static String name(ArgSpec arg) {
    return arg.isOption() ? ((OptionSpec) arg).longestName() : arg.paramLabel();
  }

  @Override
  public void run() {
    // "cairn" alone: show what it can do; a usage error, as there is nothing to run.
    throw new ParameterException(spec.commandLine(), "missing command");
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
