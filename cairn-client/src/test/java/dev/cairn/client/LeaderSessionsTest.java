package dev.cairn.client;

import static dev.cairn.client.Servers.ids;
import static dev.cairn.client.Servers.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import java.io.IOException;
import java.net.ServerSocket;
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

  private final List<CairnServer> servers = new ArrayList<>();
  private final List<AutoCloseable> clients = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : clients) {
      c.close();
    }
    servers.forEach(CairnServer::close);
  }

  @Test
  void aClientGivenOnlyAFollowerOpensItsSessionOnTheLeader() throws Exception {
    startThree(null);
    int leader = awaitLeader();
    int follower = (leader + 1) % 3;
    awaitLeaderAddressKnown(follower, Servers.target(servers.get(leader)));
    long forwardedBefore = forwarded(follower);

    CairnClient c = closedAfter(client(Servers.target(servers.get(follower))).build());
    c.register(instance("orders", "o1")).registered().get(20, TimeUnit.SECONDS);
    c.register(instance("orders", "o2")).registered().get(20, TimeUnit.SECONDS);

    // The session and its registrations went to the leader: the follower forwarded nothing.
    assertThat(forwarded(follower)).isEqualTo(forwardedBefore);
    for (CairnServer s : servers) {
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
    startThree(null);
    int leader = awaitLeader();
    int follower = (leader + 1) % 3;
    awaitLeaderAddressKnown(follower, Servers.target(servers.get(leader)));
    long forwardedBefore = forwarded(follower);

    CairnClient c =
        closedAfter(client(Servers.target(servers.get(follower))).sessionsOnLeader(false).build());
    c.register(instance("orders", "o1")).registered().get(20, TimeUnit.SECONDS);

    assertThat(forwarded(follower)).isGreaterThan(forwardedBefore);
    assertThat(ids(servers.get(leader), "orders")).containsExactly("o1");
  }

  @Test
  void aLeaderAddressTheClientCannotReachCostsOneAttemptAndTheSessionOpensOnTheFollower()
      throws Exception {
    // Every member advertises an address of the documentation range (RFC 5737), which nothing
    // here answers at: refused, unreachable or silent, the attempt fails.
    startThree("192.0.2.1");
    int leader = awaitLeader();
    int follower = (leader + 1) % 3;
    awaitLeaderAddressKnown(follower, "192.0.2.1:" + servers.get(leader).grpcAddress().getPort());
    long forwardedBefore = forwarded(follower);

    CairnClient c =
        closedAfter(
            client(Servers.target(servers.get(follower)))
                .sessionTtl(Duration.ofSeconds(3))
                .build());
    c.register(instance("orders", "o1")).registered().get(20, TimeUnit.SECONDS);

    assertThat(forwarded(follower)).isGreaterThan(forwardedBefore);
    assertThat(ids(servers.get(leader), "orders")).containsExactly("o1");
  }

  @Test
  void whenTheLeaderDiesTheSessionIsResumedOnTheNextLeader() throws Exception {
    startThree(null);
    int leader = awaitLeader();
    int follower = (leader + 1) % 3;
    awaitLeaderAddressKnown(follower, Servers.target(servers.get(leader)));
    CairnClient c =
        closedAfter(
            client(Servers.target(servers.get(follower)))
                .sessionTtl(Duration.ofSeconds(4))
                .build());
    String session =
        c.register(instance("orders", "o1")).registered().get(20, TimeUnit.SECONDS).sessionId();

    servers.get(leader).close();
    int next = awaitLeader();
    int survivor = 3 - leader - next; // the member that neither led nor leads
    // Longer than the TTL: the session was resumed, not lost, and o1 never went.
    await()
        .during(Duration.ofSeconds(5))
        .atMost(Duration.ofSeconds(15))
        .until(() -> ids(servers.get(next), "orders").equals(List.of("o1")));
    // It is on the new leader: a registration now is not forwarded by the other survivor.
    long forwardedBefore = forwarded(survivor);
    Instance o2 = c.register(instance("orders", "o2")).registered().get(20, TimeUnit.SECONDS);
    assertThat(o2.sessionId()).isEqualTo(session);
    assertThat(forwarded(survivor)).isEqualTo(forwardedBefore);
    assertThat(ids(servers.get(next), "orders")).containsExactlyInAnyOrder("o1", "o2");
  }

  private long forwarded(int member) {
    return servers.get(member).registry().cluster().status().forwardedWrites();
  }

  private void awaitLeaderAddressKnown(int member, String address) {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                servers
                    .get(member)
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

  /** Starts three members; again on new ports when one was taken meanwhile (the ports race). */
  private void startThree(String advertise) throws IOException {
    for (int attempt = 1; ; attempt++) {
      try {
        startThreeOnce(advertise);
        return;
      } catch (IOException | RuntimeException e) {
        servers.forEach(CairnServer::close);
        servers.clear();
        if (attempt == 3) {
          throw e;
        }
      }
    }
  }

  private void startThreeOnce(String advertise) throws IOException {
    int[] raft = new int[3];
    List<ServerSocket> open = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ServerSocket s = new ServerSocket(0);
      open.add(s);
      raft[i] = s.getLocalPort();
    }
    for (ServerSocket s : open) {
      s.close();
    }
    String peers =
        "n1=127.0.0.1:" + raft[0] + ",n2=127.0.0.1:" + raft[1] + ",n3=127.0.0.1:" + raft[2];
    for (int i = 0; i < 3; i++) {
      CairnServer.Builder b =
          CairnServer.builder()
              .dataDir(dir.resolve("start" + System.nanoTime()).resolve("n" + (i + 1)))
              .httpPort(0)
              .grpcPort(0)
              .nodeId("n" + (i + 1))
              .peers(peers)
              .electionTimeout(Duration.ofMillis(500));
      if (advertise != null) {
        b.advertiseAddress(advertise);
      }
      CairnServer s = b.build();
      servers.add(s);
      s.start();
    }
  }

  private int awaitLeader() {
    int[] found = {-1};
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              for (int i = 0; i < servers.size(); i++) {
                CairnServer s = servers.get(i);
                if (isUp(s) && s.registry().cluster().leading()) {
                  found[0] = i;
                  return true;
                }
              }
              return false;
            });
    String id = "n" + (found[0] + 1);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                servers.stream()
                    .filter(LeaderSessionsTest::isUp)
                    .allMatch(s -> s.registry().cluster().status().leaderId().equals(id)));
    return found[0];
  }

  private static boolean isUp(CairnServer s) {
    return !s.whenClosed().isDone();
  }
}
