package dev.cairn.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cairn instances <service>}: the instances of one service, optionally filtered. */
@Command(
    name = "instances",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Lists the instances of a service.",
      "Reads GET /v1/services/{service}/instances; filters are AND-ed."
    })
final class InstancesCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin ClientOptions.Namespaced client;

  @Parameters(index = "0", paramLabel = "SERVICE", description = "Service name.")
  String service;

  @Option(
      names = "--tag",
      paramLabel = "TAG",
      description = "Only instances with this tag; repeat to require several.")
  List<String> tags = new ArrayList<>();

  @Option(names = "--zone", paramLabel = "ZONE", description = "Only instances in this zone.")
  String zone;

  @Option(names = "--healthy", description = "Only passing and warning instances.")
  boolean healthy;

  @Override
  public Integer call() {
    HttpApi.Query query = HttpApi.Query.empty();
    for (String tag : tags) {
      query = query.add("tag", tag);
    }
    if (zone != null) {
      query = query.add("zone", zone);
    }
    if (healthy) {
      query = query.add("healthy", "true");
    }
    HttpApi.Answer answer =
        client.api().get("/v1/services/" + HttpApi.segment(service) + "/instances", query);
    PrintWriter out = spec.commandLine().getOut();
    if (client.json) {
      out.println(answer.body());
      out.flush();
      return ExitCode.OK;
    }
    JsonNode instances = answer.json().path("instances");
    if (instances.isEmpty()) {
      out.println("no instances of " + service + " match");
      out.flush();
      return ExitCode.OK;
    }
    Table table =
        Table.of("ID", "ADDRESS", "PORTS", "TAGS", "ZONE", "WEIGHT", "HEALTH", "KIND", "METADATA");
    for (JsonNode i : instances) {
      table.row(
          Render.text(i, "id"),
          Render.text(i, "address"),
          Render.ports(i),
          Render.tags(i),
          Render.text(i, "zone"),
          Render.text(i, "weight"),
          Render.text(i, "health"),
          Render.text(i, "kind"),
          Render.metadata(i));
    }
    table.print(out);
    return ExitCode.OK;
  }
}
