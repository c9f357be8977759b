package dev.cairn.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code cairn services}: the services of a namespace, with instance counts. */
@Command(
    name = "services",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {"Lists the services of a namespace.", "Reads GET /v1/services."})
final class ServicesCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin ClientOptions.Namespaced client;

  @Override
  public Integer call() {
    HttpApi.Answer answer = client.api().get("/v1/services", HttpApi.Query.empty());
    PrintWriter out = spec.commandLine().getOut();
    if (client.json) {
      out.println(answer.body());
      out.flush();
      return ExitCode.OK;
    }
    JsonNode services = answer.json().path("services");
    if (services.isEmpty()) {
      out.println("no services in namespace " + Render.text(answer.json(), "namespace"));
      out.flush();
      return ExitCode.OK;
    }
    Table table = Table.of("SERVICE", "INSTANCES", "PASSING", "REVISION");
    for (JsonNode s : services) {
      table.row(
          Render.text(s, "name"),
          Render.text(s, "instances"),
          Render.text(s, "passing"),
          Render.text(s, "revision"));
    }
    table.print(out);
    return ExitCode.OK;
  }
}
