package dev.cairn.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.server.ratis.ClusterPeers;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cairn members [add ID=HOST:PORT | remove ID | transfer-leader ID]}: a cluster's members,
 * and changes to them (Ratis configuration changes, through any member).
 */
@Command(
    name = "members",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Lists a cluster's members, or changes them.",
      "Shows id, address, role, last contact, match index and lag; only the leader",
      "knows match index and lag, so through a follower they are '-'.",
      "  cairn members                      list (GET /v1/cluster/members)",
      "  cairn members add n4=HOST:PORT     add a member started with --join",
      "  cairn members remove n2            remove a member (not the leader)",
      "  cairn members transfer-leader n3   hand leadership to n3"
    })
final class MembersCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin ClientOptions client;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "ACTION",
      description = "add, remove or transfer-leader; none lists.")
  String action;

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "MEMBER",
      description = "ID=HOST:PORT for add; ID for remove and transfer-leader.")
  String member;

  @Override
  public Integer call() {
    HttpApi api = client.api();
    HttpApi.Answer answer;
    if (action == null) {
      answer = api.get("/v1/cluster/members", HttpApi.Query.empty());
    } else {
      if (member == null) {
        throw new ParameterException(
            spec.commandLine(), "members " + action + ": missing MEMBER (see --help)");
      }
      switch (action) {
        case "add" -> {
          ClusterPeers.Peer p;
          try {
            p = ClusterPeers.parsePeer(member);
          } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
          }
          ObjectNode body = HttpApi.JSON.createObjectNode();
          body.put("id", p.id());
          body.put("address", p.address());
          answer = api.post("/v1/cluster/members", body);
        }
        case "remove" -> answer = api.delete("/v1/cluster/members/" + HttpApi.segment(member));
        case "transfer-leader" -> {
          ObjectNode body = HttpApi.JSON.createObjectNode();
          body.put("id", member);
          answer = api.post("/v1/cluster/leader", body);
        }
        default ->
            throw new ParameterException(
                spec.commandLine(),
                "ACTION: \"" + action + "\" (expected: add, remove or transfer-leader)");
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (client.json) {
      out.println(answer.body());
      out.flush();
      return ExitCode.OK;
    }
    JsonNode members = answer.json().path("members");
    if (members.size() == 1 && Render.text(members.get(0), "id").isEmpty()) {
      // A single node lists itself without id or address: it is no cluster.
      out.println("single node (no cluster): " + client.server + " leads itself");
      out.flush();
      return ExitCode.OK;
    }
    Table table = Table.of("ID", "ADDRESS", "ROLE", "LAST CONTACT", "MATCH INDEX", "LAG");
    String leader = null;
    boolean leaderOnly = false;
    for (JsonNode m : members) {
      long contact = m.path("lastContactMillis").asLong(-1);
      long match = m.path("matchIndex").asLong(-1);
      long lag = m.path("lag").asLong(-1);
      if ("leader".equals(Render.text(m, "role"))) {
        leader = Render.text(m, "id");
      }
      leaderOnly |= match < 0 || lag < 0;
      table.row(
          Render.text(m, "id"),
          Render.text(m, "address"),
          Render.text(m, "role"),
          contact < 0 ? "-" : contact + "ms",
          match < 0 ? "-" : Long.toString(match),
          lag < 0 ? "-" : Long.toString(lag));
    }
    table.print(out);
    if (leader == null) {
      out.println("no leader known (quorum lost?)");
    } else if (leaderOnly) {
      out.println("match index and lag: known only to the leader, " + leader);
    }
    out.flush();
    return ExitCode.OK;
  }
}
