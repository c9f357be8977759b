package dev.cairn.server.ratis.internal;

import dev.cairn.server.ratis.ClusterPeers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The validated settings of a {@link dev.cairn.server.ratis.RatisCommandLog}; see its builder for
 * the meaning and the defaults. {@code peers} is empty for a log of one.
 */
public record LogSettings(
    Path dataDir,
    String host,
    int port,
    String peerId,
    long snapshotEvery,
    int snapshotsRetained,
    boolean snapshotOnClose,
    boolean purgeAfterSnapshot,
    long segmentSizeBytes,
    Duration startTimeout,
    List<ClusterPeers.Peer> peers,
    String clusterName,
    Duration electionTimeout,
    Duration writeTimeout,
    boolean join,
    PeerTls peerTls) {

  /**
   * Mutual TLS between members (decision 0109): this member's certificate, presented as server and
   * as client, and the authority that signed every member's; null for plain Raft traffic.
   */
  public record PeerTls(X509ExtendedKeyManager keys, X509ExtendedTrustManager peers) {}

  /** Whether this log is one member of a group of several (or may become one). */
  public boolean clustered() {
    return !peers.isEmpty();
  }
}
