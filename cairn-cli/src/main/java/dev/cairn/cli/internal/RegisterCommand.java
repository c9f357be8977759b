package dev.cairn.cli.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cairn register <service>}: registers (or replaces) a persistent instance. The server
 * checks every field; the CLI only parses the command line.
 */
@Command(
    name = "register",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Registers a persistent instance.",
      "Replaces the instance with the same id; it stays until deregistered.",
      "Sends PUT /v1/services/{service}/instances/{id}; the server checks every field."
    })
final class RegisterCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin ClientOptions.Namespaced client;

  @Parameters(index = "0", paramLabel = "SERVICE", description = "Service name.")
  String service;

  @Option(
      names = "--id",
      required = true,
      paramLabel = "ID",
      description = "Instance id, unique within the service.")
  String id;

  @Option(
      names = "--address",
      required = true,
      paramLabel = "HOST",
      description = "Host name or IP address the instance listens on.")
  String address;

  @Option(
      names = "--port",
      paramLabel = "NAME=PORT",
      description = "A named port, e.g. http=8080; repeat for several.")
  Map<String, Integer> ports = new LinkedHashMap<>();

  @Option(names = "--tag", paramLabel = "TAG", description = "A tag; repeat for several.")
  List<String> tags = new ArrayList<>();

  @Option(
      names = "--meta",
      paramLabel = "KEY=VALUE",
      description = "A metadata entry; repeat for several.")
  Map<String, String> metadata = new LinkedHashMap<>();

  @Option(
      names = "--weight",
      paramLabel = "N",
      description = "Relative weight for load balancing (server default: 100).")
  Integer weight;

  @Option(names = "--zone", paramLabel = "ZONE", description = "Zone the instance runs in.")
  String zone;

  @Override
  public Integer call() {
    ObjectNode body = HttpApi.JSON.createObjectNode();
    body.put("id", id);
    body.put("service", service);
    body.put("address", address);
    ObjectNode portsNode = body.putObject("ports");
    ports.forEach(portsNode::put);
    tags.forEach(body.putArray("tags")::add);
    ObjectNode metaNode = body.putObject("metadata");
    metadata.forEach(metaNode::put);
    if (weight != null) {
      body.put("weight", weight);
    }
    if (zone != null) {
      body.put("zone", zone);
    }
    HttpApi.Answer answer = client.api().put(instancePath(service, id), body);
    client.printWrite(spec.commandLine().getOut(), answer, "registered", service + "/" + id);
    return ExitCode.OK;
  }

  static String instancePath(String service, String id) {
    return "/v1/services/" + HttpApi.segment(service) + "/instances/" + HttpApi.segment(id);
  }
}
