package dev.cairn.server.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.tls.PemKeyManager;
import dev.cairn.common.tls.PemTrustManager;
import dev.cairn.server.core.log.LogStatus;
import dev.cairn.testing.tls.TestCertificates;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mutual TLS between the members of a group (decision 0109), on real loopback Raft ports. */
class ClusterTlsTest {

  @TempDir Path dir;

  private TestCertificates certs;
  private final List<RatisCommandLog> logs = new ArrayList<>();
  private final List<RecordingMachine> machines = new ArrayList<>();

  @BeforeEach
  void certificates() {
    certs = TestCertificates.create(dir.resolve("certs"));
  }

  @AfterEach
  void close() {
    logs.forEach(RatisCommandLog::close);
  }

  @Test
  void membersWithCertificatesFromTheClusterCaReplicateOverTls() throws Exception {
    start(certs.member(), certs.member(), certs.member());
    RatisCommandLog leader = awaitLeader(logs);
    RatisCommandLog follower = logs.stream().filter(l -> l != leader).findFirst().orElseThrow();

    follower.append(bytes("via-follower")).get(10, TimeUnit.SECONDS);
    leader.append(bytes("via-leader")).get(10, TimeUnit.SECONDS);

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              for (RecordingMachine m : machines) {
                assertThat(m.entries()).containsExactly("via-follower", "via-leader");
              }
            });
  }

  @Test
  void aMemberWhoseCertificateAnotherCaSignedGetsNothing() throws Exception {
    start(certs.member(), certs.member(), certs.otherMember());
    RatisCommandLog stranger = logs.get(2);
    // The two members with the cluster's certificates make a majority without the third.
    RatisCommandLog leader = awaitLeader(logs.subList(0, 2));

    leader.append(bytes("secret")).get(10, TimeUnit.SECONDS);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(machines.get(0).entries()).containsExactly("secret");
              assertThat(machines.get(1).entries()).containsExactly("secret");
            });
    // Refused at every handshake, both ways: it neither receives the entry nor follows the leader.
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              assertThat(machines.get(2).entries()).isEmpty();
              assertThat(stranger.status().role()).isNotEqualTo(LogStatus.Role.LEADER);
              assertThat(stranger.status().leaderId()).isNotEqualTo(leader.status().nodeId());
            });
  }

  private void start(TestCertificates.Pair... members) throws IOException {
    int[] ports = FreePorts.take(members.length);
    List<ClusterPeers.Peer> peers = new ArrayList<>();
    for (int i = 0; i < members.length; i++) {
      peers.add(new ClusterPeers.Peer("n" + (i + 1), "127.0.0.1", ports[i]));
    }
    for (int i = 0; i < members.length; i++) {
      ClusterPeers.Peer p = peers.get(i);
      RatisCommandLog log =
          RatisCommandLog.builder(dir.resolve(p.id()))
              .peerId(p.id())
              .peers(peers)
              .writeTimeout(Duration.ofSeconds(2))
              .electionTimeout(Duration.ofMillis(500))
              .peerTls(
                  PemKeyManager.load(members[i].cert(), members[i].key()),
                  PemTrustManager.load(certs.ca()))
              .build();
      RecordingMachine m = new RecordingMachine();
      logs.add(log);
      machines.add(m);
      log.start(m);
    }
  }

  private static RatisCommandLog awaitLeader(List<RatisCommandLog> among) {
    RatisCommandLog[] found = new RatisCommandLog[1];
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              for (RatisCommandLog l : among) {
                try {
                  if (l.status().role() == LogStatus.Role.LEADER) {
                    l.readBarrier().get(2, TimeUnit.SECONDS);
                    found[0] = l;
                    return true;
                  }
                } catch (Exception e) {
                  // not leading yet
                }
              }
              return false;
            });
    return found[0];
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
