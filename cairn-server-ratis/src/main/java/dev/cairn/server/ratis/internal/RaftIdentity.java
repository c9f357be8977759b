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

  /**
   * Reads the identity persisted in {@code dataDir}, or persists a new one with {@code peerId}.
   *
   * @throws IOException when the file cannot be read or written, or names another peer
   */
  static RaftIdentity loadOrCreate(Path dataDir, String peerId) throws IOException {
    Path file = dataDir.resolve(FILE);
    if (!Files.exists(file)) {
      RaftIdentity created =
          new RaftIdentity(RaftGroupId.valueOf(UUID.randomUUID()), RaftPeerId.valueOf(peerId));
      created.write(file);
      return created;
    }
    Properties props = new Properties();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      props.load(in);
    }
    String group = props.getProperty("groupId");
    String peer = props.getProperty("peerId");
    if (group == null || peer == null) {
      throw new IOException(file + ": groupId or peerId missing (expected: both)");
    }
    if (!peer.equals(peerId)) {
      throw new IOException(
          "peerId: \"" + peerId + "\" (expected: \"" + peer + "\", as persisted in " + file + ")");
    }
    final UUID groupUuid;
    try {
      groupUuid = UUID.fromString(group);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": groupId: \"" + group + "\" (expected: a UUID)", e);
    }
    return new RaftIdentity(RaftGroupId.valueOf(groupUuid), RaftPeerId.valueOf(peer));
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
