package dev.cairn.server.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.server.core.log.LogStatus;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.ratis.util.MD5FileUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A history's epoch (decision 0222): real Raft members on loopback ports, their data directories on
 * disk. The registry id of a history that started empty is its own, even where the Raft group id is
 * the same (a cluster rebuilt under its name); one with state from before epochs keeps the group
 * id.
 */
class HistoryEpochTest {

  /** How a snapshot's history header starts (the log's own, before the machine's snapshot). */
  private static final byte[] HEADER = {(byte) 0xCA, 0x1A, 'H', 'I', 'S', 'T', 'R', 'Y'};

  /** The header with an epoch: magic, version, flags, 16 bytes of epoch. */
  private static final int HEADER_BYTES = HEADER.length + 2 + 16;

  @TempDir Path dir;

  private final List<RatisCommandLog> logs = new ArrayList<>();

  @AfterEach
  void close() {
    logs.forEach(RatisCommandLog::close);
  }

  @Test
  void aClusterRebuiltFromEmptyDirectoriesUnderItsNameHasAnIdOfItsOwnOnEveryMemberKeptOverRestarts()
      throws Exception {
    List<ClusterPeers.Peer> peers = peers();
    Path first = dir.resolve("first");
    List<RatisCommandLog> old = startCluster(peers, first, 1_000);
    String oldId = awaitOneId(old);
    StartedLogs.join(old.get(0).append(bytes("a")));
    assertThat(oldId).isNotEqualTo(groupId(first.resolve("n1")));

    stop(old);
    List<RatisCommandLog> restarted = startCluster(peers, first, 1_000);
    assertThat(awaitOneId(restarted)).isEqualTo(oldId);
    StartedLogs.join(restarted.get(1).append(bytes("b")));
    stop(restarted);

    Path second = dir.resolve("second");
    List<RatisCommandLog> rebuilt = startCluster(peers, second, 1_000);
    String newId = awaitOneId(rebuilt);
    assertThat(groupId(second.resolve("n1")))
        .as("the same cluster name, the same Raft group")
        .isEqualTo(groupId(first.resolve("n1")));
    assertThat(newId).isNotEqualTo(oldId);
  }

  @Test
  void aMemberThatCatchesUpByAnInstalledSnapshotReportsTheClustersId() throws Exception {
    List<ClusterPeers.Peer> peers = peers();
    Path data = dir.resolve("cluster");
    List<RatisCommandLog> members = startCluster(peers, data, 5);
    String id = awaitOneId(members);
    members.get(2).close();
    byte[] big = new byte[8 * 1024];
    Arrays.fill(big, (byte) 'x');
    for (int i = 0; i < 40; i++) {
      StartedLogs.join(members.get(0).append(big));
    }

    // n3 again, on an empty directory: the leader's log before its snapshot is gone.
    RecordingMachine machine = new RecordingMachine();
    RatisCommandLog n3 = member(peers, peers.get(2), data.resolve("n3-empty"), 5);
    logs.add(n3);
    n3.start(machine);
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              assertThat(machine.entries()).hasSize(40);
              assertThat(n3.status().snapshotInstalls()).isPositive();
              assertThat(n3.historyId()).isEqualTo(id);
            });
  }

  /**
   * A member of an earlier version in a history with an epoch (a cluster started on this version,
   * one member still on the earlier one) writes its snapshots without the header: upgraded, it
   * restarts from one and no longer knows the epoch. The next leader that knows it appends it
   * again, and the member takes it (decision 0230).
   */
  @Test
  void aMemberWhoseSnapshotLostTheEpochTakesItAgainFromTheNextLeader() throws Exception {
    List<ClusterPeers.Peer> peers = peers();
    Path data = dir.resolve("cluster");
    List<RatisCommandLog> members = startCluster(peers, data, 5);
    String id = awaitOneId(members);
    byte[] big = new byte[8 * 1024];
    Arrays.fill(big, (byte) 'x');
    for (int i = 0; i < 40; i++) {
      StartedLogs.join(members.get(0).append(big));
    }
    RatisCommandLog n3 = members.get(2);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> n3.status().appliedIndex() >= members.get(0).status().commitIndex());
    n3.close();
    // Its snapshots as an earlier version writes them; its log before them (the epoch) is purged.
    stripHistoryHeader(data.resolve("n3"));
    assertThat(LogFiles.segments(data.resolve("n3")))
        .allSatisfy(s -> assertThat(LogFiles.startIndex(s)).isGreaterThan(5));

    RatisCommandLog restarted = member(peers, peers.get(2), data.resolve("n3"), 5);
    logs.add(restarted);
    restarted.start(new RecordingMachine());
    String group = groupId(data.resolve("n3"));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(restarted.historyId()).isEqualTo(group));

    RatisCommandLog leader =
        members.get(0).status().role() == LogStatus.Role.LEADER ? members.get(0) : members.get(1);
    RatisCommandLog other = leader == members.get(0) ? members.get(1) : members.get(0);
    leader.transferLeadership(other.status().nodeId()).join();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(restarted.historyId()).isEqualTo(id));
    assertThat(members.get(0).historyId()).isEqualTo(id);
    assertThat(members.get(1).historyId()).isEqualTo(id);
  }

  @Test
  void aSingleNodeHasAnIdOfItsOwnAndADataDirectoryWithoutAnEpochKeepsTheGroupId() throws Exception {
    Path data = dir.resolve("single");
    RecordingMachine machine = new RecordingMachine();
    RatisCommandLog log = single(data, machine);
    String id = log.historyId();
    assertThat(id).isNotEmpty().isNotEqualTo(groupId(data));
    StartedLogs.join(log.append(bytes("a")));
    log.close();

    RecordingMachine restarted = new RecordingMachine();
    log = single(data, restarted);
    assertThat(log.historyId()).isEqualTo(id);
    assertThat(restarted.entries()).containsExactly("a");
    StartedLogs.join(log.append(bytes("b")));
    log.close();

    // The snapshot as a version before epochs wrote it: the machine's alone. Its log entries up to
    // the snapshot (the epoch among them) are not replayed.
    stripHistoryHeader(data);
    RecordingMachine older = new RecordingMachine();
    log = single(data, older);
    assertThat(log.historyId()).isEqualTo(groupId(data));
    assertThat(older.entries()).containsExactly("a", "b");
    StartedLogs.join(log.append(bytes("c")));
    log.close();

    RecordingMachine again = new RecordingMachine();
    log = single(data, again);
    assertThat(log.historyId())
        .as("no epoch added to a history with state")
        .isEqualTo(groupId(data));
    assertThat(again.entries()).containsExactly("a", "b", "c");
  }

  private RatisCommandLog single(Path data, RecordingMachine machine) throws IOException {
    RatisCommandLog log = RatisCommandLog.builder(data).snapshotEvery(1_000).build();
    logs.add(log);
    log.start(machine);
    return log;
  }

  private static List<ClusterPeers.Peer> peers() throws IOException {
    int[] ports = FreePorts.take(3);
    return List.of(
        new ClusterPeers.Peer("n1", "127.0.0.1", ports[0]),
        new ClusterPeers.Peer("n2", "127.0.0.1", ports[1]),
        new ClusterPeers.Peer("n3", "127.0.0.1", ports[2]));
  }

  private List<RatisCommandLog> startCluster(
      List<ClusterPeers.Peer> peers, Path data, long snapshotEvery) throws IOException {
    List<RatisCommandLog> members = new ArrayList<>();
    for (ClusterPeers.Peer p : peers) {
      RatisCommandLog log = member(peers, p, data.resolve(p.id()), snapshotEvery);
      logs.add(log);
      members.add(log);
      log.start(new RecordingMachine());
    }
    return members;
  }

  private static RatisCommandLog member(
      List<ClusterPeers.Peer> peers, ClusterPeers.Peer p, Path data, long snapshotEvery) {
    return RatisCommandLog.builder(data)
        .peerId(p.id())
        .peers(peers)
        .snapshotEvery(snapshotEvery)
        .segmentSizeBytes(64 * 1024)
        .writeTimeout(Duration.ofSeconds(5))
        .electionTimeout(Duration.ofMillis(500))
        .build();
  }

  private static void stop(List<RatisCommandLog> members) {
    members.forEach(RatisCommandLog::close);
  }

  /** Waits until every member reports one registry id, and returns it. */
  private static String awaitOneId(List<RatisCommandLog> members) {
    String[] id = new String[1];
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              Set<String> ids = new HashSet<>();
              members.forEach(m -> ids.add(m.historyId()));
              id[0] = ids.iterator().next();
              return ids.size() == 1 && !id[0].isEmpty();
            });
    return id[0];
  }

  private static String groupId(Path data) throws IOException {
    Properties p = new Properties();
    try (Reader in = Files.newBufferedReader(data.resolve("cairn-raft.properties"))) {
      p.load(in);
    }
    return p.getProperty("groupId");
  }

  /** Rewrites the newest snapshot without its history header, as an earlier version wrote it. */
  private static void stripHistoryHeader(Path data) throws IOException {
    List<Path> snapshots = LogFiles.snapshots(data);
    assertThat(snapshots).isNotEmpty();
    for (Path snapshot : snapshots) {
      byte[] bytes = Files.readAllBytes(snapshot);
      assertThat(Arrays.copyOf(bytes, HEADER.length)).isEqualTo(HEADER);
      Files.write(snapshot, Arrays.copyOfRange(bytes, HEADER_BYTES, bytes.length));
      MD5FileUtil.computeAndSaveMd5ForFile(snapshot.toFile());
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
