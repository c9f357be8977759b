package dev.cairn.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code cairn status}: the server's version, revision, uptime and counts. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {"Shows the server's version, revision and counts.", "Reads GET /v1/status."})
final class StatusCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    HttpApi.Answer answer = client.api().get("/v1/status", HttpApi.Query.empty());
    PrintWriter out = spec.commandLine().getOut();
    if (client.json) {
      out.println(answer.body());
      out.flush();
      return ExitCode.OK;
    }
    JsonNode s = answer.json();
    Table table = Table.of("SERVER", client.server.toString());
    table.row("version", Render.text(s, "version"));
    table.row("revision", Render.text(s, "revision"));
    table.row("uptime", uptime(s.path("uptimeMillis").asLong(-1)));
    table.row("instances", Render.text(s, "instances"));
    table.row("sessions", Render.text(s, "sessions"));
    table.row("pid", Render.text(s, "pid"));
    if (s.has("nodeId")) {
      table.row("node", Render.text(s, "nodeId"));
      table.row("role", Render.text(s, "role"));
      table.row("leader", Render.text(s, "leader"));
    }
    table.print(out);
    return ExitCode.OK;
  }

  /** {@code 1d 2h 3m 4s} style, or empty when unknown. */
  static String uptime(long millis) {
    if (millis < 0) {
      return "";
    }
    Duration d = Duration.ofMillis(millis);
    StringBuilder sb = new StringBuilder();
    if (d.toDays() > 0) {
      sb.append(d.toDays()).append("d ");
    }
    if (d.toHours() > 0) {
      sb.append(d.toHoursPart()).append("h ");
    }
    if (d.toMinutes() > 0) {
      sb.append(d.toMinutesPart()).append("m ");
    }
    sb.append(d.toSecondsPart()).append('s');
    return sb.toString();
  }
}
