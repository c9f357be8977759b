package dev.cairn.server.ratis.internal;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;
import java.util.UUID;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * The Raft group id and peer id of a data directory, written to {@value #FILE} on first start and
 * read back on every later one, so a restart joins the same group as the same peer. The group id is
 * random: two registries are two groups, even in one JVM (Ratis names its JMX beans and metrics by
 * group and peer).
 */
record RaftIdentity(RaftGroupId groupId, RaftPeerId peerId) {

  static final String FILE = "cairn-raft.properties";

  /** The group id of the cluster named {@code clusterName}: the same on every member. */
  static UUID clusterGroup(String clusterName) {
    return UUID.nameUUIDFromBytes(
        ("cairn-cluster:" + clusterName).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Reads the identity persisted in {@code dataDir}, or persists a new one with {@code peerId}.
   *
   * @param group the group this directory must belong to (a cluster's), or {@code null} for a log
   *     of one, whose group is random
   * @throws IOException when the file cannot be read or written, or names another peer or group
   */
  static RaftIdentity loadOrCreate(Path dataDir, String peerId, UUID group) throws IOException {
    Path file = dataDir.resolve(FILE);
    if (!Files.exists(file)) {
      RaftIdentity created =
          new RaftIdentity(
              RaftGroupId.valueOf(group == null ? UUID.randomUUID() : group),
              RaftPeerId.valueOf(peerId));
      created.write(file);
      return created;
    }
    Properties props = new Properties();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      props.load(in);
    }
    String persistedGroup = props.getProperty("groupId");
    String peer = props.getProperty("peerId");
    if (persistedGroup == null || peer == null) {
      throw new IOException(file + ": groupId or peerId missing (expected: both)");
    }
    if (group == null && isClusterGroup(persistedGroup)) {
      // A cluster member's directory started as a single node: it keeps the member's identity, and
      // the start refuses it once the log's configuration names the other members (RaftNode).
      return new RaftIdentity(
          RaftGroupId.valueOf(UUID.fromString(persistedGroup)), RaftPeerId.valueOf(peer));
    }
    if (!peer.equals(peerId)) {
      throw new IOException(
          "node id \""
              + peerId
              + "\": data directory "
              + dataDir
              + " belongs to node \""
              + peer
              + "\" (use that node id, or an empty --data-dir for a new member)");
    }
    final UUID groupUuid;
    try {
      groupUuid = UUID.fromString(persistedGroup);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": groupId: \"" + persistedGroup + "\" (expected: a UUID)", e);
    }
    if (group != null && !group.equals(groupUuid)) {
      throw new IOException(
          "data directory "
              + dataDir
              + " belongs to another Raft group ("
              + groupUuid
              + ", expected "
              + group
              + " of this cluster): it was made by a single node or another cluster; give this"
              + " member an empty --data-dir, or start it with the --cluster-name it was made with");
    }
    return new RaftIdentity(RaftGroupId.valueOf(groupUuid), RaftPeerId.valueOf(peer));
  }

  /** Whether this directory was made by a cluster member ({@link #clusterGroup}'s group). */
  boolean madeByCluster() {
    return groupId.getUuid().version() == 3;
  }

  /**
   * Whether {@code group} is a cluster's: {@link #clusterGroup} makes name-based (version 3) ids.
   */
  private static boolean isClusterGroup(String group) {
    try {
      return UUID.fromString(group).version() == 3;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private void write(Path file) throws IOException {
    Properties props = new Properties();
    props.setProperty("groupId", groupId.getUuid().toString());
    props.setProperty("peerId", peerId.toString());
    StringWriter text = new StringWriter();
    props.store(text, "Cairn Raft identity of this data directory; do not edit");
    Path tmp = file.resolveSibling(FILE + ".tmp");
    try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      out.write(text.toString());
    }
    FileSync.force(tmp);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    FileSync.force(file.getParent());
  }
}
