package dev.cairn.client;

import static dev.cairn.client.Servers.ids;
import static dev.cairn.client.Servers.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.server.cluster.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client attached to a member of a three-member cluster that dies: it resumes its session on
 * another member, its instance is never removed, and a watcher on another member sees no change.
 */
class ClusterFailoverTest {

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

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void whenItsMemberDiesAClientResumesElsewhereAndNothingIsRemoved(boolean killTheLeader)
      throws Exception {
    cluster = LocalCluster.start(3, dir);
    int leader = cluster.awaitLeader();
    int attached = killTheLeader ? leader : (leader + 1) % 3;
    int watcherMember = killTheLeader ? (leader + 1) % 3 : (leader + 2) % 3;

    // The registering client prefers `attached`, then the others.
    StringBuilder order = new StringBuilder(Servers.target(cluster.server(attached)));
    for (int i = 0; i < 3; i++) {
      if (i != attached) {
        order.append(',').append(Servers.target(cluster.server(i)));
      }
    }
    // Killing a follower: the session stays where it was put (decision 0114 would move it to
    // the leader, which does not die here).
    CairnClient owner =
        client(order.toString())
            .sessionTtl(Duration.ofSeconds(2))
            .spreadOverRegistries(false)
            .sessionsOnLeader(killTheLeader)
            .build();
    owner.register(instance("orders", "o1")).registered().get(20, TimeUnit.SECONDS);
    CairnClient watcher =
        client(Servers.target(cluster.server(watcherMember))).spreadOverRegistries(false).build();
    ServiceView view = watcher.view("orders");
    await().atMost(Duration.ofSeconds(20)).until(() -> ids(view.instances()).equals(List.of("o1")));
    List<String> changes = new CopyOnWriteArrayList<>();
    view.addListener(s -> changes.add(String.join(",", ids(s.instances()))));

    cluster.server(attached).close();

    // Longer than the session's TTL: had the session not been resumed, o1 would have gone.
    await()
        .during(Duration.ofSeconds(5))
        .atMost(Duration.ofSeconds(8))
        .until(() -> ids(view.instances()).equals(List.of("o1")));
    assertThat(changes).allMatch(c -> c.equals("o1"));
    for (int i = 0; i < 3; i++) {
      if (i != attached) {
        assertThat(ids(cluster.server(i), "orders")).containsExactly("o1");
      }
    }
    // The client still owns it: closing the client removes it.
    owner.close();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> ids(cluster.server(watcherMember), "orders").isEmpty());
  }

  @Test
  void clientsSpreadOverTheMembersByDefault() throws Exception {
    cluster = LocalCluster.start(3, dir);
    int leader = cluster.awaitLeader();
    cluster.server(leader).registry().register("default", instance("hello", "h1")).join();
    String all =
        Servers.target(cluster.server(0))
            + ","
            + Servers.target(cluster.server(1))
            + ","
            + Servers.target(cluster.server(2));
    java.util.Set<Integer> firsts = new java.util.HashSet<>();
    // With a random first member, 30 clients land on more than one member (failing: 3^-29).
    for (int i = 0; i < 30 && firsts.size() < 2; i++) {
      CairnClient c = CairnClient.builder().registries(all).shutdownHook(false).build();
      clients.add(c);
      ServiceView v = c.view("hello");
      v.awaitInstances(Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS);
      for (int s = 0; s < 3; s++) {
        if (cluster.server(s).registry().watcherCount() > 0) {
          firsts.add(s);
        }
      }
      c.close();
      clients.remove(c);
      int before = firsts.size();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> cluster.servers().stream().allMatch(sv -> sv.registry().watcherCount() == 0));
      assertThat(firsts).hasSize(before);
    }
    assertThat(firsts).hasSizeGreaterThan(1);
  }

  private CairnClient.Builder client(String registries) {
    CairnClient.Builder b =
        CairnClient.builder()
            .registries(registries)
            .shutdownHook(false)
            .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200));
    return b;
  }
}
