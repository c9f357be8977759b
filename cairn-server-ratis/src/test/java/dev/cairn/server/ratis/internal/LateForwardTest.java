package dev.cairn.server.ratis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.server.core.log.LogStateMachine;
import dev.cairn.server.core.log.LogStatus;
import dev.cairn.server.ratis.ClusterPeers;
import dev.cairn.server.ratis.FreePorts;
import dev.cairn.server.ratis.RatisCommandLog;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftPeer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decision 0183, on three members in this JVM on real loopback Raft ports: a forwarded write that
 * reaches the leader after its sender's deadline is not appended, and the sender is told it was not
 * done in time; one sent after it, within its deadline, is applied on every member. The late
 * arrival is made by sending with a deadline already past (the follower's end of the forward
 * stream, as a follower sends), not by waiting.
 */
class LateForwardTest {

  @TempDir Path dir;

  private final List<RatisCommandLog> logs = new ArrayList<>();
  private final List<Recording> machines = new ArrayList<>();
  private final ForwardStream stream = new ForwardStream(null, 10_000);

  @AfterEach
  void close() {
    stream.close();
    logs.forEach(RatisCommandLog::close);
  }

  @Test
  void aWriteThatReachesTheLeaderPastItsDeadlineIsNeverAppended() throws Exception {
    List<ClusterPeers.Peer> peers = startThree();
    int leaderAt = awaitLeader();
    ClusterPeers.Peer p = peers.get(leaderAt);
    RaftPeer leader =
        RaftPeer.newBuilder().setId(p.id()).setAddress(p.host() + ":" + p.port()).build();
    long now = System.nanoTime();

    assertThatThrownBy(
            () ->
                stream
                    .send(leader, bytes("late"), now - TimeUnit.MILLISECONDS.toNanos(300))
                    .get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("the leader refused: write not done within its deadline")
        .hasMessageContaining("dropped before it was appended (it will not be applied)");
    stream
        .send(leader, bytes("in-time"), System.nanoTime() + TimeUnit.SECONDS.toNanos(10))
        .get(10, TimeUnit.SECONDS);

    // Entries apply in log order: once the later write is everywhere, the late one never will be.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              for (Recording m : machines) {
                assertThat(m.entries).containsExactly("in-time");
              }
            });
  }

  private List<ClusterPeers.Peer> startThree() throws IOException {
    int[] ports = FreePorts.take(3);
    List<ClusterPeers.Peer> peers =
        List.of(
            new ClusterPeers.Peer("n1", "127.0.0.1", ports[0]),
            new ClusterPeers.Peer("n2", "127.0.0.1", ports[1]),
            new ClusterPeers.Peer("n3", "127.0.0.1", ports[2]));
    for (ClusterPeers.Peer p : peers) {
      RatisCommandLog log =
          RatisCommandLog.builder(dir.resolve(p.id()))
              .peerId(p.id())
              .peers(peers)
              .writeTimeout(Duration.ofSeconds(5))
              .electionTimeout(Duration.ofMillis(500))
              .build();
      Recording m = new Recording();
      logs.add(log);
      machines.add(m);
      log.start(m);
    }
    return peers;
  }

  /** The index of the member that leads, once it does with every earlier entry applied. */
  private int awaitLeader() {
    int[] found = {-1};
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              for (int i = 0; i < logs.size(); i++) {
                RatisCommandLog l = logs.get(i);
                if (l.status().role() == LogStatus.Role.LEADER && leads(l)) {
                  found[0] = i;
                  return true;
                }
              }
              return false;
            });
    return found[0];
  }

  private static boolean leads(RatisCommandLog l) {
    try {
      l.readBarrier().get(2, TimeUnit.SECONDS);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Records applied entries as text; its snapshot is empty (none is taken in this test). */
  private static final class Recording implements LogStateMachine {
    final List<String> entries = new CopyOnWriteArrayList<>();

    @Override
    public byte[] apply(byte[] entry) {
      entries.add(new String(entry, StandardCharsets.UTF_8));
      return new byte[0];
    }

    @Override
    public void writeSnapshot(OutputStream out) {}

    @Override
    public void readSnapshot(InputStream in) {}
  }
}
