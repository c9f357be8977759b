package dev.cairn.cli.internal;

import dev.cairn.server.ratis.LogRepair;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cairn repair}: cuts a command log damaged before its tail at the damage, so that a server
 * that refused to start on it starts from the intact prefix (decision 0093).
 */
@Command(
    name = "repair",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Repairs a stopped server's damaged command log.",
      "For a log damaged before its tail, on which the server refuses to start",
      "(naming the file and offset): cuts the log at the first damaged entry,",
      "dropping it and every entry after it, and prints what it dropped; the server",
      "then starts from the intact prefix. An intact log is left unchanged. In a",
      "cluster, emptying the member's --data-dir and letting it catch up from the",
      "others loses nothing instead. See docs/operations.md, Crash recovery."
    })
final class RepairCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      required = true,
      description = "The stopped server's --data-dir.")
  Path dataDir;

  @Override
  public Integer call() {
    if (dataDir.toString().isBlank()) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--data-dir: empty (expected: the stopped server's --data-dir)");
    }
    Path dir = dataDir.toAbsolutePath().normalize();
    Optional<String> dropped;
    try {
      dropped = LogRepair.repair(dir);
    } catch (IOException e) {
      throw new CliException(ExitCode.CANNOT_START, "repair: " + Failures.describe(e), e);
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println(dropped.orElse("the command log in " + dir + " is intact; nothing changed"));
    out.flush();
    return ExitCode.OK;
  }
}
