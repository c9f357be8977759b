package dev.cairn.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cairn acl bootstrap | token create|list|delete | policy create|list|delete}: a server's
 * ACL tokens and policies, over {@code /v1/acl} (docs/security.md). A secret is printed alone on
 * the last line of the command that creates it, the only time it is shown.
 */
@Command(
    name = "acl",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Manages ACL tokens and policies of a server started with --acl.",
      "  cairn acl bootstrap                 the first management token (once)",
      "  cairn acl token create|list|delete  tokens (--token: a token with acl rights)",
      "  cairn acl policy create|list|delete policies"
    },
    subcommands = {AclCommand.Bootstrap.class, AclCommand.Tokens.class, AclCommand.Policies.class})
final class AclCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "acl: missing a subcommand (bootstrap, token or policy)");
  }

  /** Prints a token just created, its secret alone on the last line. */
  static void printIssued(PrintWriter out, JsonNode token, String what) {
    out.printf(
        "%s %s (policies: %s)%n",
        what, token.path("accessorId").asText(), policyNames(token.path("policies"), ", "));
    out.println("Its secret follows; it is shown only now:");
    out.println(token.path("secret").asText());
    out.flush();
  }

  /** A token's policies, or {@code (none)} for one whose policies were all deleted. */
  static String policyNames(JsonNode array, String separator) {
    List<String> names = names(array);
    return names.isEmpty() ? "(none)" : String.join(separator, names);
  }

  private static List<String> names(JsonNode array) {
    List<String> out = new ArrayList<>();
    for (JsonNode n : array) {
      out.add(n.asText());
    }
    return out;
  }

  @Command(
      name = "bootstrap",
      mixinStandardHelpOptions = true,
      versionProvider = VersionProvider.class,
      description = {
        "Creates the first token, once.",
        "The token is bound to global-management (everything); a second bootstrap",
        "fails. Its secret is printed alone on the last line."
      })
  static final class Bootstrap implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ClientOptions client;

    @Override
    public Integer call() {
      HttpApi.Answer answer = client.api().post("/v1/acl/bootstrap");
      PrintWriter out = spec.commandLine().getOut();
      if (client.json) {
        out.println(answer.body());
        out.flush();
      } else {
        printIssued(out, answer.json(), "bootstrapped ACLs: management token");
      }
      return ExitCode.OK;
    }
  }

  @Command(
      name = "token",
      mixinStandardHelpOptions = true,
      versionProvider = VersionProvider.class,
      description = {
        "Creates, lists and deletes ACL tokens.",
        "  cairn acl token create --policy P [--policy Q] [--description D]",
        "  cairn acl token list",
        "  cairn acl token delete ACCESSOR_ID"
      })
  static final class Tokens implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ClientOptions client;

    @Parameters(index = "0", paramLabel = "ACTION", description = "create, list or delete.")
    String action;

    @Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "ACCESSOR_ID",
        description = "The token to delete.")
    String accessorId;

    @Option(
        names = "--policy",
        paramLabel = "NAME",
        description = "A policy of the new token (repeatable; global-management: everything).")
    List<String> policies = new ArrayList<>();

    @Option(names = "--description", paramLabel = "TEXT", description = "What the token is for.")
    String description = "";

    @Override
    public Integer call() {
      HttpApi api = client.api();
      PrintWriter out = spec.commandLine().getOut();
      switch (action) {
        case "create" -> {
          if (policies.isEmpty()) {
            throw new ParameterException(
                spec.commandLine(),
                "token create: missing --policy (expected: one or more policies;"
                    + " global-management for everything)");
          }
          ObjectNode body = HttpApi.JSON.createObjectNode();
          body.put("description", description);
          ArrayNode names = body.putArray("policies");
          policies.forEach(names::add);
          HttpApi.Answer answer = api.post("/v1/acl/tokens", body);
          if (client.json) {
            out.println(answer.body());
          } else {
            printIssued(out, answer.json(), "created token");
          }
        }
        case "list" -> {
          HttpApi.Answer answer = api.get("/v1/acl/tokens", HttpApi.Query.empty());
          if (client.json) {
            out.println(answer.body());
          } else {
            Table t = Table.of("ACCESSOR ID", "POLICIES", "DESCRIPTION", "CREATED");
            for (JsonNode token : answer.json().path("tokens")) {
              t.row(
                  token.path("accessorId").asText(),
                  policyNames(token.path("policies"), ","),
                  token.path("description").asText(),
                  token.path("createRevision").asLong());
            }
            t.print(out);
          }
        }
        case "delete" -> {
          if (accessorId == null) {
            throw new ParameterException(
                spec.commandLine(), "token delete: missing ACCESSOR_ID (see cairn acl token list)");
          }
          client.printWrite(
              out,
              api.delete("/v1/acl/tokens/" + HttpApi.segment(accessorId)),
              "deleted",
              "token " + accessorId);
        }
        default ->
            throw new ParameterException(
                spec.commandLine(),
                "ACTION: \"" + action + "\" (expected: create, list or delete)");
      }
      out.flush();
      return ExitCode.OK;
    }
  }

  @Command(
      name = "policy",
      mixinStandardHelpOptions = true,
      versionProvider = VersionProvider.class,
      description = {
        "Creates, lists and deletes ACL policies.",
        "  cairn acl policy create NAME --rule RULE... [--description D]",
        "  cairn acl policy create NAME --file POLICY.json",
        "  cairn acl policy list",
        "  cairn acl policy delete NAME",
        "RULE: service|health|settings:ACCESS:NAMESPACE:PREFIX, or",
        "session|cluster|acl:ACCESS. NAMESPACE: a namespace or * for all; PREFIX: the",
        "start of service names, empty for all (service:read:*: reads every service).",
        "ACCESS: read, write or deny. POLICY.json: the JSON POST /v1/acl/policies takes.",
        "Example: --rule service:write:default:web --rule session:write"
      })
  static final class Policies implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ClientOptions client;

    @Parameters(index = "0", paramLabel = "ACTION", description = "create, list or delete.")
    String action;

    @Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "NAME",
        description = "The policy to create or delete.")
    String name;

    @Option(
        names = "--rule",
        paramLabel = "RULE",
        description =
            "RESOURCE:ACCESS:NAMESPACE:PREFIX for service, health and settings,"
                + " RESOURCE:ACCESS for session, cluster and acl (repeatable).")
    List<String> rules = new ArrayList<>();

    @Option(names = "--file", paramLabel = "FILE", description = "The policy as JSON.")
    Path file;

    @Option(names = "--description", paramLabel = "TEXT", description = "What the policy is for.")
    String description = "";

    @Override
    public Integer call() {
      HttpApi api = client.api();
      PrintWriter out = spec.commandLine().getOut();
      switch (action) {
        case "create" -> {
          ObjectNode body = file != null ? fromFile() : HttpApi.JSON.createObjectNode();
          if (name != null) {
            body.put("name", name);
          }
          if (!body.has("name")) {
            throw new ParameterException(spec.commandLine(), "policy create: missing NAME");
          }
          if (file == null) {
            body.put("description", description);
            ArrayNode array = body.putArray("rules");
            for (String rule : rules) {
              array.add(rule(rule));
            }
          }
          client.printWrite(
              out,
              api.post("/v1/acl/policies", body),
              "created",
              "policy " + body.get("name").asText());
        }
        case "list" -> {
          HttpApi.Answer answer = api.get("/v1/acl/policies", HttpApi.Query.empty());
          if (client.json) {
            out.println(answer.body());
          } else {
            Table t = Table.of("NAME", "RULES", "DESCRIPTION");
            for (JsonNode p : answer.json().path("policies")) {
              List<String> shown = new ArrayList<>();
              for (JsonNode r : p.path("rules")) {
                shown.add(shown(r));
              }
              t.row(
                  p.path("name").asText(), String.join(" ", shown), p.path("description").asText());
            }
            t.print(out);
          }
        }
        case "delete" -> {
          if (name == null) {
            throw new ParameterException(spec.commandLine(), "policy delete: missing NAME");
          }
          client.printWrite(
              out,
              api.delete("/v1/acl/policies/" + HttpApi.segment(name)),
              "deleted",
              "policy " + name);
        }
        default ->
            throw new ParameterException(
                spec.commandLine(),
                "ACTION: \"" + action + "\" (expected: create, list or delete)");
      }
      out.flush();
      return ExitCode.OK;
    }

    private ObjectNode fromFile() {
      try {
        JsonNode node = HttpApi.parse(Files.readString(file, StandardCharsets.UTF_8));
        if (!node.isObject()) {
          throw new ParameterException(
              spec.commandLine(), "--file: " + file + " is not a JSON object");
        }
        return (ObjectNode) node;
      } catch (IOException e) {
        throw new ParameterException(
            spec.commandLine(),
            "--file: cannot read "
                + file
                + ": "
                + (e instanceof java.nio.file.FileSystemException
                    ? Failures.reason((java.nio.file.FileSystemException) e)
                    : Failures.describe(e)));
      } catch (CliException e) {
        throw new ParameterException(spec.commandLine(), "--file: " + file + ": " + e.getMessage());
      }
    }

    /** Resources whose rules name a namespace and a service-name prefix. */
    private static final java.util.Set<String> SCOPED =
        java.util.Set.of("service", "health", "settings");

    /**
     * A rule from {@code RESOURCE:ACCESS[:NAMESPACE:PREFIX]}. A scoped resource's rule must spell
     * its scope out: {@code service:write} would be write on every service of every namespace,
     * which nobody should get by leaving something out (decision 0164).
     */
    private ObjectNode rule(String text) {
      String[] parts = text.split(":", -1);
      if (parts.length != 2 && parts.length != 4) {
        throw new ParameterException(
            spec.commandLine(),
            "--rule: \""
                + text
                + "\" (expected: RESOURCE:ACCESS:NAMESPACE:PREFIX or RESOURCE:ACCESS)");
      }
      if (SCOPED.contains(parts[0]) && (parts.length == 2 || parts[2].isEmpty())) {
        String all = parts[0] + ":" + parts[1] + ":*:";
        throw new ParameterException(
            spec.commandLine(),
            "--rule: \""
                + text
                + "\" (expected: "
                + parts[0]
                + ":"
                + parts[1]
                + ":NAMESPACE:PREFIX, NAMESPACE a namespace or * for all, PREFIX empty for all"
                + " services: "
                + all
                + " for every service of every namespace)");
      }
      ObjectNode r = HttpApi.JSON.createObjectNode();
      r.put("resource", parts[0]);
      r.put("access", parts[1]);
      if (parts.length == 4) {
        r.put("namespace", parts[2]);
        r.put("prefix", parts[3]);
      }
      return r;
    }

    private static String shown(JsonNode r) {
      String s = r.path("resource").asText() + ":" + r.path("access").asText();
      if (r.has("namespace")) {
        s += ":" + r.path("namespace").asText() + ":" + r.path("prefix").asText();
      }
      return s;
    }
  }
}
