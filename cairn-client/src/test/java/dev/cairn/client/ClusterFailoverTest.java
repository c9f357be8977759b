package dev.cairn.client;

import static dev.cairn.client.Servers.ids;
import static dev.cairn.client.Servers.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.server.CairnServer;
import java.io.IOException;
import java.net.ServerSocket;
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

  private final List<CairnServer> servers = new ArrayList<>();
  private final List<AutoCloseable> clients = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : clients) {
      c.close();
    }
    servers.forEach(CairnServer::close);
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void whenItsMemberDiesAClientResumesElsewhereAndNothingIsRemoved(boolean killTheLeader)
      throws Exception {
    startThree();
    int leader = awaitLeader();
    int attached = killTheLeader ? leader : (leader + 1) % 3;
    int watcherMember = killTheLeader ? (leader + 1) % 3 : (leader + 2) % 3;

    // The registering client prefers `attached`, then the others.
    StringBuilder order = new StringBuilder(Servers.target(servers.get(attached)));
    for (int i = 0; i < 3; i++) {
      if (i != attached) {
        order.append(',').append(Servers.target(servers.get(i)));
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
        client(Servers.target(servers.get(watcherMember))).spreadOverRegistries(false).build();
    ServiceView view = watcher.view("orders");
    await().atMost(Duration.ofSeconds(20)).until(() -> ids(view.instances()).equals(List.of("o1")));
    List<String> changes = new CopyOnWriteArrayList<>();
    view.addListener(s -> changes.add(String.join(",", ids(s.instances()))));

    servers.get(attached).close();

    // Longer than the session's TTL: had the session not been resumed, o1 would have gone.
    await()
        .during(Duration.ofSeconds(5))
        .atMost(Duration.ofSeconds(8))
        .until(() -> ids(view.instances()).equals(List.of("o1")));
    assertThat(changes).allMatch(c -> c.equals("o1"));
    for (int i = 0; i < 3; i++) {
      if (i != attached) {
        assertThat(ids(servers.get(i), "orders")).containsExactly("o1");
      }
    }
    // The client still owns it: closing the client removes it.
    owner.close();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> ids(servers.get(watcherMember), "orders").isEmpty());
  }

  @Test
  void clientsSpreadOverTheMembersByDefault() throws Exception {
    startThree();
    int leader = awaitLeader();
    servers.get(leader).registry().register("default", instance("hello", "h1")).join();
    String all =
        Servers.target(servers.get(0))
            + ","
            + Servers.target(servers.get(1))
            + ","
            + Servers.target(servers.get(2));
    java.util.Set<Integer> firsts = new java.util.HashSet<>();
    // With a random first member, 30 clients land on more than one member (failing: 3^-29).
    for (int i = 0; i < 30 && firsts.size() < 2; i++) {
      CairnClient c = CairnClient.builder().registries(all).shutdownHook(false).build();
      clients.add(c);
      ServiceView v = c.view("hello");
      v.awaitInstances(Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS);
      for (int s = 0; s < 3; s++) {
        if (servers.get(s).registry().watcherCount() > 0) {
          firsts.add(s);
        }
      }
      c.close();
      clients.remove(c);
      int before = firsts.size();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> servers.stream().allMatch(sv -> sv.registry().watcherCount() == 0));
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

  /** Starts three members; again on new ports when one was taken meanwhile (the ports race). */
  private void startThree() throws IOException {
    for (int attempt = 1; ; attempt++) {
      try {
        startThreeOnce();
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

  private void startThreeOnce() throws IOException {
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
      CairnServer s =
          CairnServer.builder()
              .dataDir(dir.resolve("start" + System.nanoTime()).resolve("n" + (i + 1)))
              .httpPort(0)
              .grpcPort(0)
              .nodeId("n" + (i + 1))
              .peers(peers)
              .electionTimeout(Duration.ofMillis(500))
              .build();
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
                if (servers.get(i).registry().cluster().leading()) {
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
                    .allMatch(s -> s.registry().cluster().status().leaderId().equals(id)));
    return found[0];
  }
}
