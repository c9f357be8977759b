package dev.cairn.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three cluster members in this JVM, each with its own data dir, HTTP and Raft ports. */
class ClusterServerTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private LocalCluster cluster;
  // Whether the members start with ACLs on.
  private boolean acl;

  @AfterEach
  void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aRegistrationOnAFollowerIsReadOnEveryMemberWhichNamesItsRoleAndLeader() throws Exception {
    startThree();
    int leader = cluster.awaitLeader();
    int follower = (leader + 1) % 3;

    HttpResponse<String> put =
        send(
            follower,
            "PUT",
            "/v1/services/web/instances/web-1",
            "{\"address\":\"10.0.0.1\",\"ports\":{\"http\":8080}}");
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    long revision = JSON.readTree(put.body()).get("revision").asLong();

    // Answered once the member that took it shows it too.
    HttpResponse<String> read = send(follower, "GET", "/v1/services/web/instances", null);
    assertThat(JSON.readTree(read.body()).get("instances")).hasSize(1);
    assertThat(read.headers().firstValue("X-Cairn-Known-Leader")).hasValue("true");
    assertThat(read.headers().firstValue("X-Cairn-Last-Contact")).isPresent();

    for (int i = 0; i < 3; i++) {
      int n = i;
      // Each member waits for the revision the client saw elsewhere.
      HttpResponse<String> r =
          http.send(
              request(n, "/v1/services/web/instances")
                  .header("X-Cairn-Min-Index", Long.toString(revision))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(JSON.readTree(r.body()).get("instances")).hasSize(1);
      HttpResponse<String> consistent =
          send(n, "GET", "/v1/services/web/instances?consistent", null);
      assertThat(consistent.statusCode()).as(consistent.body()).isEqualTo(200);
      JsonNode status = JSON.readTree(send(n, "GET", "/v1/status", null).body());
      assertThat(status.get("nodeId").asText()).isEqualTo("n" + (n + 1));
      assertThat(status.get("leader").asText()).isEqualTo("n" + (leader + 1));
      assertThat(status.get("role").asText()).isEqualTo(n == leader ? "leader" : "follower");
      assertThat(status.get("cluster").get("appliedIndex").asLong()).isPositive();
    }

    // Every member names the one registry it belongs to; a revision of another registry is not
    // waited for, one of this registry that no member has is refused as behind (decision 0201).
    String registryId = read.headers().firstValue("X-Cairn-Registry-Id").orElseThrow();
    for (int i = 0; i < 3; i++) {
      assertThat(send(i, "GET", "/v1/status", null).headers().firstValue("X-Cairn-Registry-Id"))
          .hasValue(registryId);
    }
    String ahead = Long.toString(revision + 1_000_000);
    HttpResponse<String> another =
        http.send(
            request(follower, "/v1/services/web/instances")
                .header("X-Cairn-Min-Index", ahead)
                .header("X-Cairn-Registry-Id", "another-" + registryId)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(another.statusCode()).as(another.body()).isEqualTo(200);
    assertThat(JSON.readTree(another.body()).get("instances")).hasSize(1);
    HttpResponse<String> behind =
        http.send(
            request(follower, "/v1/services/web/instances")
                .header("X-Cairn-Min-Index", ahead)
                .header("X-Cairn-Registry-Id", registryId)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(behind.statusCode()).as(behind.body()).isEqualTo(503);

    JsonNode members = JSON.readTree(send(follower, "GET", "/v1/cluster/members", null).body());
    assertThat(members.get("members")).hasSize(3);

    HttpResponse<String> metrics = send(follower, "GET", "/metrics", null);
    assertThat(metrics.body())
        .contains("cairn_raft_term ")
        .contains("cairn_raft_role{role=\"follower\"} 1.0")
        .contains("cairn_raft_forwarded_writes_total 1.0");
  }

  @Test
  void withoutAQuorumWritesFailFastWith503AndReadsSayTheyMayBeStale() throws Exception {
    startThree(Duration.ofSeconds(1));
    int leader = cluster.awaitLeader();
    assertThat(
            send(
                    leader,
                    "PUT",
                    "/v1/services/web/instances/web-1",
                    "{\"address\":\"10.0.0.1\",\"ports\":{\"http\":8080}}")
                .statusCode())
        .isEqualTo(200);
    int survivor = (leader + 1) % 3;
    // Acknowledged means on a majority: the survivor may not have applied it yet (it learns the
    // commit from the leader's next message). Wait for it, or the read below would race the stop.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                JSON.readTree(send(survivor, "GET", "/v1/services/web/instances", null).body())
                        .get("instances")
                        .size()
                    == 1);
    for (int i = 0; i < 3; i++) {
      if (i != survivor) {
        cluster.server(i).close();
      }
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                send(survivor, "GET", "/v1/services/web/instances", null)
                    .headers()
                    .firstValue("X-Cairn-Known-Leader")
                    .orElse("")
                    .equals("false"));

    HttpResponse<String> put =
        send(
            survivor,
            "PUT",
            "/v1/services/web/instances/web-2",
            "{\"address\":\"10.0.0.2\",\"ports\":{\"http\":8080}}");
    assertThat(put.statusCode()).isEqualTo(503);
    assertThat(put.body()).contains("no quorum");
    HttpResponse<String> read = send(survivor, "GET", "/v1/services/web/instances", null);
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(read.body()).get("instances")).hasSize(1);
  }

  @Test
  void badMembershipRequestsAreRefusedNamingTheValue() throws Exception {
    startThree();
    int leader = cluster.awaitLeader();
    HttpResponse<String> dup =
        send(leader, "POST", "/v1/cluster/members", "{\"id\":\"n2\",\"address\":\"127.0.0.1:1\"}");
    assertThat(dup.statusCode()).isEqualTo(409);
    assertThat(dup.body()).contains("n2").contains("member already");
    HttpResponse<String> bad =
        send(leader, "POST", "/v1/cluster/members", "{\"id\":\"n9\",\"address\":\"nope\"}");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("address");
    HttpResponse<String> removeLeader =
        send(leader, "DELETE", "/v1/cluster/members/n" + (leader + 1), null);
    assertThat(removeLeader.statusCode()).isEqualTo(409);
    assertThat(removeLeader.body()).contains("leads the cluster");
    HttpResponse<String> unknown = send(leader, "DELETE", "/v1/cluster/members/n7", null);
    assertThat(unknown.statusCode()).isEqualTo(404);
  }

  /**
   * A member's address written another way ({@code localhost} for {@code 127.0.0.1}) is the same
   * process: added, it would answer for two members and count twice in every majority. Refused with
   * 409 naming the address and the member that has it; the cluster keeps serving.
   */
  @Test
  void aMembersAddressWrittenAnotherWayIsRefusedNamingTheMemberThatHasIt() throws Exception {
    startThree();
    int leader = cluster.awaitLeader();
    String address = "";
    for (JsonNode m :
        JSON.readTree(send(leader, "GET", "/v1/cluster/members", null).body()).get("members")) {
      if (m.get("id").asText().equals("n1")) {
        address = m.get("address").asText();
      }
    }
    assertThat(address).startsWith("127.0.0.1:");
    String other = address.replace("127.0.0.1", "localhost");

    HttpResponse<String> add =
        send(
            leader, "POST", "/v1/cluster/members", "{\"id\":\"n4\",\"address\":\"" + other + "\"}");

    assertThat(add.statusCode()).as(add.body()).isEqualTo(409);
    assertThat(JSON.readTree(add.body()).get("error").get("message").asText())
        .isEqualTo(
            "address: "
                + other
                + " is member n1's already (n1="
                + address
                + ": localhost is 127.0.0.1; expected: a new address)");
    JsonNode members = JSON.readTree(send(leader, "GET", "/v1/cluster/members", null).body());
    assertThat(members.get("members")).hasSize(3);
    assertTakesWrites(leader);
  }

  /**
   * A member that cannot be reached is not confirmed within the deadline: a 503 that names the
   * change and says it may still take effect (not Ratis's request ids and lambdas), and the cluster
   * keeps taking writes.
   */
  @Test
  void addingAnUnreachableMemberIsNotConfirmedAndTheClusterKeepsServing() throws Exception {
    startThree();
    int leader = cluster.awaitLeader();
    try (java.net.Socket refusing = new java.net.Socket()) {
      // bound, never listening: connections to it are refused
      refusing.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
      HttpResponse<String> add =
          send(
              leader,
              "POST",
              "/v1/cluster/members",
              "{\"id\":\"n4\",\"address\":\"127.0.0.1:" + refusing.getLocalPort() + "\"}");

      assertThat(add.statusCode()).as(add.body()).isEqualTo(503);
      assertThat(add.body())
          .contains("adding member n4=127.0.0.1:" + refusing.getLocalPort() + " not confirmed")
          .contains("may still take effect")
          .doesNotContain("$$Lambda");
    }
    assertTakesWrites(leader);
  }

  @Test
  void aclTokensAndSessionSecretsMadeOnOneMemberHoldOnEveryMember() throws Exception {
    acl = true;
    startThree();
    int leader = cluster.awaitLeader();
    int follower = (leader + 1) % 3;
    int other = (leader + 2) % 3;

    HttpResponse<String> boot = send(follower, "POST", "/v1/acl/bootstrap", null, null);
    assertThat(boot.statusCode()).as(boot.body()).isEqualTo(200);
    String root = JSON.readTree(boot.body()).get("secret").asText();
    assertThat(send(other, "POST", "/v1/acl/bootstrap", null, null).statusCode()).isEqualTo(409);
    assertThat(
            send(
                    other,
                    "POST",
                    "/v1/acl/policies",
                    "{\"name\":\"web\",\"rules\":[{\"resource\":\"service\",\"prefix\":\"web\","
                        + "\"access\":\"write\"},{\"resource\":\"session\",\"access\":\"write\"}]}",
                    root)
                .statusCode())
        .isEqualTo(200);
    HttpResponse<String> made =
        send(leader, "POST", "/v1/acl/tokens", "{\"policies\":[\"web\"]}", root);
    String web = JSON.readTree(made.body()).get("secret").asText();

    // Every member knows the token (a member may be behind for a moment).
    for (int i = 0; i < 3; i++) {
      int member = i;
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  send(member, "GET", "/v1/services/web/instances", null, web).statusCode() == 200);
      assertThat(send(member, "GET", "/v1/services/db/instances", null, web).statusCode())
          .isEqualTo(403);
      assertThat(send(member, "GET", "/v1/services/web/instances", null, null).statusCode())
          .isEqualTo(401);
    }

    // A session opened on one member is proved by its secret on another, and only by it.
    HttpResponse<String> opened = send(follower, "POST", "/v1/sessions", "{}", web);
    String id = JSON.readTree(opened.body()).get("id").asText();
    String secret = JSON.readTree(opened.body()).get("secret").asText();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                send(other, "PUT", "/v1/sessions/" + id + "/renew", null, web).statusCode() == 403);
    HttpRequest renew =
        request(other, "/v1/sessions/" + id + "/renew")
            .header("X-Cairn-Token", web)
            .header("X-Cairn-Session-Secret", secret)
            .PUT(HttpRequest.BodyPublishers.noBody())
            .build();
    assertThat(http.send(renew, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

    // The audit names the token that wrote through a follower, the same on every member: the
    // author travels with the command to the leader and through the log (decision 0171).
    String accessor = JSON.readTree(made.body()).get("accessorId").asText();
    HttpResponse<String> put =
        send(
            follower,
            "PUT",
            "/v1/services/web-audit/instances/a1",
            "{\"address\":\"10.0.0.1\"}",
            web);
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    long revision = JSON.readTree(put.body()).get("revision").asLong();
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      int member = i;
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  JSON.readTree(
                              send(member, "GET", "/v1/audit?service=web-audit", null, root).body())
                          .get("writes")
                          .size()
                      == 1);
      JsonNode w =
          JSON.readTree(send(member, "GET", "/v1/audit?service=web-audit", null, root).body())
              .get("writes")
              .get(0);
      assertThat(w.get("revision").asLong()).isEqualTo(revision);
      assertThat(w.get("operation").asText()).isEqualTo("register");
      assertThat(w.at("/author/accessorId").asText()).isEqualTo(accessor);
      assertThat(w.at("/author/remoteAddress").asText()).startsWith("127.0.0.1:");
      seen.add(w.toString());
    }
    assertThat(seen).as("the same record on every member").containsOnly(seen.get(0));
    assertThat(send(other, "GET", "/v1/audit", null, web).statusCode()).isEqualTo(403);

    // A policy deleted through one member is unlinked from its tokens on every member, in the same
    // applied command, so its name re-created through another gives them nothing (decision 0164).
    assertThat(send(follower, "DELETE", "/v1/acl/policies/web", null, root).statusCode())
        .isEqualTo(200);
    assertThat(
            send(
                    other,
                    "POST",
                    "/v1/acl/policies",
                    "{\"name\":\"web\",\"rules\":[{\"resource\":\"cluster\",\"access\":\"write\"},"
                        + "{\"resource\":\"acl\",\"access\":\"write\"}]}",
                    root)
                .statusCode())
        .isEqualTo(200);
    for (int i = 0; i < 3; i++) {
      int member = i;
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> send(member, "GET", "/v1/acl/policies", null, root).body().contains("cluster"));
      assertThat(send(member, "GET", "/v1/status", null, web).statusCode()).isEqualTo(403);
      assertThat(
              send(member, "POST", "/v1/acl/tokens", "{\"policies\":[\"global-management\"]}", web)
                  .statusCode())
          .isEqualTo(403);
      JsonNode tokens = JSON.readTree(send(member, "GET", "/v1/acl/tokens", null, root).body());
      for (JsonNode t : tokens.get("tokens")) {
        if (t.get("accessorId").asText().equals(accessor)) {
          assertThat(t.get("policies").size()).as("member %d", member).isZero();
        }
      }
    }
  }

  private void startThree() throws IOException {
    // Long enough for a loaded machine's first forwarded write; the no-quorum test wants 1 s.
    startThree(Duration.ofSeconds(5));
  }

  private void startThree(Duration writeTimeout) throws IOException {
    cluster = LocalCluster.start(3, dir, b -> b.writeTimeout(writeTimeout).acl(acl));
  }

  private HttpRequest.Builder request(int member, String path) {
    return HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + cluster.server(member).httpAddress().getPort() + path))
        .timeout(Duration.ofSeconds(20));
  }

  private HttpResponse<String> send(int member, String method, String path, String body)
      throws IOException, InterruptedException {
    return send(member, method, path, body, null);
  }

  private HttpResponse<String> send(
      int member, String method, String path, String body, String token)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = request(member, path);
    if (token != null) {
      b.header("X-Cairn-Token", token);
    }
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Member {@code member} still takes a write: the cluster keeps serving. */
  private void assertTakesWrites(int member) throws Exception {
    HttpResponse<String> put =
        send(
            member,
            "PUT",
            "/v1/services/web/instances/web-1",
            "{\"address\":\"10.0.0.1\",\"ports\":{\"http\":8080}}");
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
  }
}
