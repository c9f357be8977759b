package dev.cairn.client;

import static dev.cairn.client.Servers.ids;
import static dev.cairn.client.Servers.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import dev.cairn.server.cluster.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sessions open on the member that leads (decision 0114), on a three-member cluster over loopback:
 * a client given only a follower's address is sent to the leader, whose writes are then not
 * forwarded; with the option off, or when the leader's address cannot be reached, the session stays
 * on the follower.
 */
class LeaderSessionsTest {

  @TempDir Path dir;

  private LocalCluster cluster;
  private final List<AutoCloseable> clients = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : clients) {
      c.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aClientGivenOnlyAFollowerOpensItsSessionOnTheLeader() throws Exception {
    cluster = LocalCluster.start(3, dir);
    int leader = cluster.awaitLeader();
    int follower = (leader + 1) % 3;
    awaitLeaderAddressKnown(follower, Servers.target(cluster.server(leader)));
    long forwardedBefore = forwarded(follower);

    CairnClient c = closedAfter(client(Servers.target(cluster.server(follower))).build());
    c.register(instance("orders", "o1")).registered().get(20, TimeUnit.SECONDS);
    c.register(instance("orders", "o2")).registered().get(20, TimeUnit.SECONDS);

    // The session and its registrations went to the leader: the follower forwarded nothing.
    assertThat(forwarded(follower)).isEqualTo(forwardedBefore);
    for (CairnServer s : cluster.servers()) {
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(ids(s, "orders")).containsExactlyInAnyOrder("o1", "o2"));
    }
    // Reads keep to the configured registry.
    assertThat(
            ids(c.view("orders").awaitInstances(Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS)))
        .containsExactlyInAnyOrder("o1", "o2");
  }

  @Test
  void withSessionsOnLeaderOffTheSessionStaysOnTheFollower() throws Exception {
    cluster = LocalCluster.start(3, dir);
    int leader = cluster.awaitLeader();
    int follower = (leader + 1) % 3;
    awaitLeaderAddressKnown(follower, Servers.target(cluster.server(leader)));
    long forwardedBefore = forwarded(follower);

    CairnClient c =
        closedAfter(
            client(Servers.target(cluster.server(follower))).sessionsOnLeader(false).build());
    c.register(instance("orders", "o1")).registered().get(20, TimeUnit.SECONDS);

    assertThat(forwarded(follower)).isGreaterThan(forwardedBefore);
    assertThat(ids(cluster.server(leader), "orders")).containsExactly("o1");
  }

  @Test
  void aLeaderAddressTheClientCannotReachCostsOneAttemptAndTheSessionOpensOnTheFollower()
      throws Exception {
    // Every member advertises an address of the documentation range (RFC 5737), which nothing
    // here answers at: refused, unreachable or silent, the attempt fails.
    cluster = LocalCluster.start(3, dir, b -> b.advertiseAddress("192.0.2.1"));
    int leader = cluster.awaitLeader();
    int follower = (leader + 1) % 3;
    awaitLeaderAddressKnown(
        follower, "192.0.2.1:" + cluster.server(leader).grpcAddress().getPort());
    long forwardedBefore = forwarded(follower);

    CairnClient c =
        closedAfter(
            client(Servers.target(cluster.server(follower)))
                .sessionTtl(Duration.ofSeconds(3))
                .build());
    c.register(instance("orders", "o1")).registered().get(20, TimeUnit.SECONDS);

    assertThat(forwarded(follower)).isGreaterThan(forwardedBefore);
    assertThat(ids(cluster.server(leader), "orders")).containsExactly("o1");
  }

  @Test
  void whenTheLeaderDiesTheSessionIsResumedOnTheNextLeader() throws Exception {
    cluster = LocalCluster.start(3, dir);
    int leader = cluster.awaitLeader();
    int follower = (leader + 1) % 3;
    awaitLeaderAddressKnown(follower, Servers.target(cluster.server(leader)));
    CairnClient c =
        closedAfter(
            client(Servers.target(cluster.server(follower)))
                .sessionTtl(Duration.ofSeconds(4))
                .build());
    String session =
        c.register(instance("orders", "o1")).registered().get(20, TimeUnit.SECONDS).sessionId();

    cluster.server(leader).close();
    int next = cluster.awaitLeader();
    int survivor = 3 - leader - next; // the member that neither led nor leads
    // Longer than the TTL: the session was resumed, not lost, and o1 never went.
    await()
        .during(Duration.ofSeconds(5))
        .atMost(Duration.ofSeconds(15))
        .until(() -> ids(cluster.server(next), "orders").equals(List.of("o1")));
    // It is on the new leader: a registration now is not forwarded by the other survivor.
    long forwardedBefore = forwarded(survivor);
    Instance o2 = c.register(instance("orders", "o2")).registered().get(20, TimeUnit.SECONDS);
    assertThat(o2.sessionId()).isEqualTo(session);
    assertThat(forwarded(survivor)).isEqualTo(forwardedBefore);
    assertThat(ids(cluster.server(next), "orders")).containsExactlyInAnyOrder("o1", "o2");
  }

  private long forwarded(int member) {
    return cluster.server(member).registry().cluster().status().forwardedWrites();
  }

  private void awaitLeaderAddressKnown(int member, String address) {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                cluster
                    .server(member)
                    .registry()
                    .cluster()
                    .status()
                    .leaderGrpcAddress()
                    .equals(address));
  }

  private CairnClient.Builder client(String registries) {
    CairnClient.Builder b =
        CairnClient.builder()
            .registries(registries)
            .shutdownHook(false)
            .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200));
    return b;
  }

  private CairnClient closedAfter(CairnClient c) {
    clients.add(c);
    return c;
  }
}
