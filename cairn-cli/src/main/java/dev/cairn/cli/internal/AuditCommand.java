package dev.cairn.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cairn audit}: the latest writes and who made them, newest first (decision 0171). */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Lists the latest writes and who made them.",
      "Each with its revision, time, operation, target and author.",
      "Reads GET /v1/audit; with ACLs on, the token needs acl read."
    })
final class AuditCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin ClientOptions client;

  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NAME",
      description =
          "Only the writes in this namespace (default: every namespace; sessions and ACL"
              + " changes belong to none).")
  String namespace;

  @Option(
      names = "--service",
      paramLabel = "NAME",
      description = "Only the writes to this service.")
  String service;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "100",
      description = "At most N writes, 1 to 10000 (default: ${DEFAULT-VALUE}).")
  int limit;

  @Override
  public Integer call() {
    if (limit < 1 || limit > 10_000) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--limit: " + limit + " (expected: 1 to 10000)");
    }
    HttpApi.Query query = HttpApi.Query.empty().add("limit", Integer.toString(limit));
    if (service != null) {
      query = query.add("service", service);
    }
    HttpApi.Answer answer = client.api(namespace).get("/v1/audit", query);
    PrintWriter out = spec.commandLine().getOut();
    if (client.json) {
      out.println(answer.body());
      out.flush();
      return ExitCode.OK;
    }
    JsonNode writes = answer.json().path("writes");
    if (writes.isEmpty()) {
      out.println("no writes recorded" + (service == null ? "" : " for " + service));
      out.flush();
      return ExitCode.OK;
    }
    Table table = Table.of("REVISION", "TIME", "OPERATION", "TARGET", "TOKEN", "SESSION", "FROM");
    for (JsonNode w : writes) {
      JsonNode author = w.path("author");
      table.row(
          Render.text(w, "revision"),
          w.path("time").isNull() ? "-" : Render.text(w, "time"),
          Render.text(w, "operation"),
          target(w),
          author.isNull() ? "-" : dash(Render.text(author, "accessorId")),
          author.isNull() ? "-" : dash(Render.text(author, "sessionId")),
          author.isNull()
              ? "(unknown)"
              : author.path("server").asBoolean()
                  ? "(server)"
                  : dash(Render.text(author, "remoteAddress")));
    }
    table.print(out);
    return ExitCode.OK;
  }

  /** {@code namespace/service/id} for an instance, the target alone for sessions and ACLs. */
  private static String target(JsonNode w) {
    String service = Render.text(w, "service");
    String target = Render.text(w, "target");
    if (service.isEmpty()) {
      return target;
    }
    String where = Render.text(w, "namespace") + "/" + service;
    return target.isEmpty() ? where : where + "/" + target;
  }

  private static String dash(String s) {
    return s.isEmpty() ? "-" : s;
  }
}
