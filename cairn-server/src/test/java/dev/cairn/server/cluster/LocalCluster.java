package dev.cairn.server.cluster;

import static java.util.Objects.requireNonNull;
import static org.awaitility.Awaitility.await;

import dev.cairn.server.CairnServer;
import dev.cairn.server.ratis.FreePorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A cluster of {@link CairnServer} members in this JVM, over loopback, for tests: member {@code i}
 * is named {@code n<i+1>}, listens for HTTP and gRPC on ephemeral ports and keeps its data in a
 * fresh directory under the one given. Raft ports are found free, then bound by the members; when
 * one was taken meanwhile, the whole cluster starts again on new ports (at most three times).
 *
 * <p>Shared by the cluster tests of cairn-server and cairn-client (as cairn-server's test-jar). Not
 * thread-safe: used from the test's thread. The caller closes it.
 */
public final class LocalCluster implements AutoCloseable {

  private static final int ATTEMPTS = 3;
  private static final Duration LEADER_TIMEOUT = Duration.ofSeconds(30);

  private final List<CairnServer> servers;

  private LocalCluster(List<CairnServer> servers) {
    this.servers = List.copyOf(servers);
  }

  /** Starts {@code size} members with an election timeout of 500 ms. */
  public static LocalCluster start(int size, Path dir) throws IOException {
    return start(size, dir, b -> {});
  }

  /**
   * Starts {@code size} members; {@code customize} is given each member's builder after the
   * cluster's own settings (data dir, ports, node id, peers, an election timeout of 500 ms), so it
   * may add to them or override the timeout.
   */
  public static LocalCluster start(int size, Path dir, Consumer<CairnServer.Builder> customize)
      throws IOException {
    if (size < 1) {
      throw new IllegalArgumentException("size: " + size + " (expected: > 0)");
    }
    requireNonNull(dir, "dir");
    requireNonNull(customize, "customize");
    for (int attempt = 1; ; attempt++) {
      List<CairnServer> started = new ArrayList<>();
      try {
        startOnce(size, Files.createTempDirectory(dir, "cluster-"), customize, started);
        return new LocalCluster(started);
      } catch (IOException | RuntimeException e) {
        started.forEach(CairnServer::close);
        if (attempt == ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  /** Member {@code i}, named {@code n<i+1>}. */
  public CairnServer server(int i) {
    return servers.get(i);
  }

  /** All members in order, closed ones included. */
  public List<CairnServer> servers() {
    return servers;
  }

  /**
   * Waits (up to 30 s each) for a member that is not closed to lead, then for every member not
   * closed to name it as leader; returns its index.
   */
  public int awaitLeader() {
    int leader =
        await()
            .atMost(LEADER_TIMEOUT)
            .until(
                () -> {
                  for (int i = 0; i < servers.size(); i++) {
                    CairnServer s = servers.get(i);
                    if (isUp(s) && s.registry().cluster().leading()) {
                      return i;
                    }
                  }
                  return -1;
                },
                i -> i >= 0);
    String id = "n" + (leader + 1);
    await()
        .atMost(LEADER_TIMEOUT)
        .until(
            () ->
                servers.stream()
                    .filter(LocalCluster::isUp)
                    .allMatch(s -> s.registry().cluster().status().leaderId().equals(id)));
    return leader;
  }

  /** Closes every member (those already closed again, which does nothing). */
  @Override
  public void close() {
    servers.forEach(CairnServer::close);
  }

  private static void startOnce(
      int size, Path dir, Consumer<CairnServer.Builder> customize, List<CairnServer> started)
      throws IOException {
    int[] raft = FreePorts.take(size);
    List<String> peers = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      peers.add("n" + (i + 1) + "=127.0.0.1:" + raft[i]);
    }
    for (int i = 0; i < size; i++) {
      String id = "n" + (i + 1);
      CairnServer.Builder b =
          CairnServer.builder()
              .dataDir(dir.resolve(id))
              .httpPort(0)
              .grpcPort(0)
              .nodeId(id)
              .peers(String.join(",", peers))
              .electionTimeout(Duration.ofMillis(500));
      customize.accept(b);
      CairnServer s = b.build();
      started.add(s);
      s.start();
    }
  }

  private static boolean isUp(CairnServer s) {
    return !s.whenClosed().isDone();
  }
}
