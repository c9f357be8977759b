package dev.cairn.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cairn deregister <service> <id> [--wait-drained[=30s]]}: removes one instance. */
@Command(
    name = "deregister",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Removes an instance.",
      "Sends DELETE /v1/services/{service}/instances/{id}; exit code 5 when it does not exist.",
      "With --wait-drained, then waits until every client watching the service has received the"
          + " removal (GET /v1/services/{service}/drained); exit code 7 when some had not when the"
          + " wait ended."
    })
final class DeregisterCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin ClientOptions.Namespaced client;

  @Parameters(index = "0", paramLabel = "SERVICE", description = "Service name.")
  String service;

  @Parameters(index = "1", paramLabel = "ID", description = "Instance id.")
  String id;

  @Option(
      names = "--wait-drained",
      arity = "0..1",
      fallbackValue = "30s",
      paramLabel = "DURATION",
      converter = Durations.class,
      description =
          "Then wait, at most DURATION (30s when not given, at most 10m), until every watcher of"
              + " the service received the removal; name those that had not.")
  Duration waitDrained;

  @Override
  public Integer call() {
    HttpApi api = client.api();
    HttpApi.Answer answer = api.delete(RegisterCommand.instancePath(service, id));
    PrintWriter out = spec.commandLine().getOut();
    client.printWrite(out, answer, "deregistered", service + "/" + id);
    if (waitDrained == null) {
      return ExitCode.OK;
    }
    long revision = answer.json().path("revision").asLong();
    HttpApi.Answer drained =
        api.getWaiting(
            "/v1/services/" + HttpApi.segment(service) + "/drained",
            HttpApi.Query.empty()
                .add("revision", Long.toString(revision))
                .add("timeout", waitDrained.toMillis() + "ms"),
            waitDrained);
    printDrain(out, drained);
    return drained.json().path("drained").asBoolean() ? ExitCode.OK : ExitCode.NOT_DRAINED;
  }

  private void printDrain(PrintWriter out, HttpApi.Answer drained) {
    if (client.json) {
      out.println(drained.body());
      out.flush();
      return;
    }
    JsonNode r = drained.json();
    int watchers = r.path("watchers").asInt();
    long waited = r.path("waitedMillis").asLong();
    if (r.path("drained").asBoolean()) {
      out.println(
          "drained: "
              + watchers
              + " watcher"
              + (watchers == 1 ? "" : "s")
              + " received revision "
              + r.path("revision").asLong()
              + " ("
              + waited
              + " ms)");
    } else {
      JsonNode pending = r.path("pending");
      out.println(
          "not drained after "
              + waited
              + " ms: "
              + pending.size()
              + " of "
              + watchers
              + " watchers had not received revision "
              + r.path("revision").asLong());
      for (JsonNode p : pending) {
        out.println(
            "  "
                + p.path("watcher").asText()
                + " (acknowledged "
                + p.path("acknowledged").asLong()
                + ")");
      }
    }
    out.flush();
  }
}
