package dev.cairn.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A member's life in and out of a cluster, in member JVMs: a --join member before it is added, a
 * removed member stopping and refused a restart, a member's directory started as a single node, the
 * last contact of a member without a leader, and a Raft port in use (decision 0179).
 */
class MembershipLifecycleTest {

  private static final String INSTANCE = "{\"address\":\"10.0.0.1\",\"ports\":{\"http\":80}}";

  private final Path dir = Path.of("target", "membership-" + System.currentTimeMillis());

  @Test
  void aJoinMemberRefusesWritesUntilAddedAndARemovedMemberStopsForGood() throws Exception {
    try (ProcessCluster cluster = new ProcessCluster(3, 4, dir.resolve("join"))) {
      cluster.start(3);
      await().atMost(Duration.ofSeconds(60)).until(() -> cluster.leader() != null);
      Member n4 = cluster.members.get(3);
      n4.args("--join");
      n4.start();
      assertThat(n4.output()).contains("outside the cluster's configuration; it waits to be added");

      // Not a member yet: refused at once, and never applied later.
      long began = System.nanoTime();
      HttpResponse<String> refused =
          cluster.put(n4, "/v1/services/web/instances/early", INSTANCE, Duration.ofSeconds(10));
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(refused.body())
          .contains("n4 is not a member of the cluster yet (started with --join");
      assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(Duration.ofSeconds(2));

      Member n1 = cluster.members.get(0);
      HttpResponse<String> add =
          cluster.send(
              n1,
              "POST",
              "/v1/cluster/members",
              "{\"id\":\"n4\",\"address\":\"127.0.0.1:" + n4.raftPort + "\"}",
              Duration.ofSeconds(60));
      assertThat(add.statusCode()).as(add.body()).isEqualTo(200);
      await()
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .until(
              () ->
                  cluster
                          .put(
                              n4,
                              "/v1/services/web/instances/late",
                              INSTANCE,
                              Duration.ofSeconds(10))
                          .statusCode()
                      == 200);
      JsonNode instances = cluster.get(n4, "/v1/services/web/instances", Duration.ofSeconds(10));
      assertThat(instances.toString()).contains("late").doesNotContain("early");

      // Removed: it stops by itself, cleanly (exit 0), saying why.
      HttpResponse<String> remove =
          cluster.send(n1, "DELETE", "/v1/cluster/members/n4", null, Duration.ofSeconds(60));
      assertThat(remove.statusCode()).as(remove.body()).isEqualTo(200);
      assertThat(n4.awaitExit(Duration.ofSeconds(60))).isZero();
      assertThat(n4.output())
          .contains("member n4 was removed from the cluster")
          .doesNotContain("command log failed")
          .doesNotContain("[ERROR]");

      // Started again on the same directory, it is refused with a code a supervisor can skip.
      assertThat(n4.startAndAwaitExit()).isEqualTo(9);
      assertThat(n4.output())
          .contains("its data directory " + n4.dataDir.toAbsolutePath().normalize())
          .contains("To rejoin, start it on a new, empty --data-dir with --join");
    }
  }

  @Test
  void lastContactKeepsGrowingWithoutALeaderAndAMembersDirectoryIsNoSingleNode() throws Exception {
    try (ProcessCluster cluster = new ProcessCluster(3, dir.resolve("contact"))) {
      cluster.start();
      await().atMost(Duration.ofSeconds(60)).until(() -> cluster.leader() != null);
      Member leader = cluster.leader();
      Member survivor = cluster.members.stream().filter(m -> m != leader).findFirst().get();
      for (Member m : cluster.members) {
        if (m != survivor) {
          m.kill();
        }
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> "false".equals(header(cluster, survivor, "X-Cairn-Known-Leader")));
      long first = Long.parseLong(header(cluster, survivor, "X-Cairn-Last-Contact"));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  Long.parseLong(header(cluster, survivor, "X-Cairn-Last-Contact"))
                      >= first + 1000);
      assertThat(cluster.metric(survivor, "cairn_raft_last_contact_seconds")).isGreaterThan(1.0);
      assertThat(
              cluster
                  .get(survivor, "/v1/status", Duration.ofSeconds(5))
                  .path("cluster")
                  .path("lastContactMillis")
                  .asLong())
          .isGreaterThan(first);

      // Its directory started as a single node: refused, naming the member and the flags.
      survivor.kill();
      Member single = Member.single(survivor.dataDir);
      assertThat(single.startAndAwaitExit()).isEqualTo(3);
      assertThat(single.output())
          .contains("belongs to member \"" + survivor.id + "\"")
          .contains("--node-id " + survivor.id + " --peers " + cluster.peers);
    }
  }

  @Test
  void aRaftPortInUseIsRefusedInOneLine() throws Exception {
    try (ProcessCluster cluster = new ProcessCluster(3, dir.resolve("port"));
        ServerSocket taken = new ServerSocket()) {
      Member n1 = cluster.members.get(0);
      taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), n1.raftPort));
      assertThat(n1.startAndAwaitExit()).isEqualTo(3);
      assertThat(n1.output())
          .contains(
              "cannot listen for raft on 127.0.0.1:"
                  + n1.raftPort
                  + ": address already in use (this member's address in --peers)")
          .doesNotContain("Exception")
          .doesNotContain("started");
    }
  }

  private static String header(ProcessCluster cluster, Member m, String name) throws Exception {
    return cluster
        .send(m, "GET", "/v1/status", null, Duration.ofSeconds(5))
        .headers()
        .firstValue(name)
        .orElse("");
  }
}
