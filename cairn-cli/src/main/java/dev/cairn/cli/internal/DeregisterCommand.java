package dev.cairn.cli.internal;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cairn deregister <service> <id>}: removes one instance. */
@Command(
    name = "deregister",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Removes an instance.",
      "Sends DELETE /v1/services/{service}/instances/{id}; exit code 5 when it does not exist."
    })
final class DeregisterCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin ClientOptions client;

  @Parameters(index = "0", paramLabel = "SERVICE", description = "Service name.")
  String service;

  @Parameters(index = "1", paramLabel = "ID", description = "Instance id.")
  String id;

  @Override
  public Integer call() {
    HttpApi.Answer answer = client.api().delete(RegisterCommand.instancePath(service, id));
    client.printWrite(spec.commandLine().getOut(), answer, "deregistered", service + "/" + id);
    return ExitCode.OK;
  }
}
