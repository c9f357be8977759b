package dev.cairn.server.ratis.internal;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * The epoch of a log's history (decision 0222): a random value the first leader of a history that
 * starts empty appends as the log's first entry, kept in every snapshot, so that a history started
 * again under the same Raft group id (a cluster rebuilt under its name) has a registry id of its
 * own. A history that already had entries or a snapshot without one (written by an earlier version)
 * gets none and keeps the group id as its registry id.
 *
 * <p>The epoch entry and the snapshot header are this log's, never the machine's: the adapter takes
 * them off before the machine sees the rest. An earlier version's machine that is handed the entry
 * skips it as an entry it cannot decode.
 *
 * <p>Changed on the apply thread (and while a snapshot loads); read from any thread.
 */
final class HistoryEpoch {

  /** How an epoch entry starts; its 16 bytes of epoch follow. No command batch starts so. */
  static final byte[] ENTRY_MAGIC = {(byte) 0xCA, 0x1A, 'E', 'P', 'O', 'C', 'H', 1};

  static final int ENTRY_BYTES = ENTRY_MAGIC.length + 16;

  /**
   * How a snapshot with a history header starts; the header's version, its flags and the epoch
   * follow, then the machine's snapshot. A snapshot without it (an earlier version's, or one of a
   * history without an epoch) is the machine's alone.
   */
  static final byte[] SNAPSHOT_MAGIC = {(byte) 0xCA, 0x1A, 'H', 'I', 'S', 'T', 'R', 'Y'};

  /** The version of the snapshot header this code writes and the newest it reads. */
  static final int SNAPSHOT_VERSION = 1;

  private static final int HAS_EPOCH = 1;

  private volatile String groupId = "";
  // The epoch applied, null: none yet.
  private volatile UUID epoch;
  // Whether the history had state before any epoch: it never takes one.
  private volatile boolean withoutEpoch;
  private volatile String registryId = "";
  private final CompletableFuture<Void> settled = new CompletableFuture<>();

  /** The state a snapshot records. */
  record Mark(UUID epoch, boolean withoutEpoch) {

    /** Writes the header of a snapshot; nothing for a history without an epoch. */
    void write(OutputStream out) throws IOException {
      if (withoutEpoch && epoch == null) {
        return; // as an earlier version wrote it, so that one can still read it
      }
      DataOutputStream data = new DataOutputStream(out);
      data.write(SNAPSHOT_MAGIC);
      data.writeByte(SNAPSHOT_VERSION);
      data.writeByte(epoch == null ? 0 : HAS_EPOCH);
      if (epoch != null) {
        data.writeLong(epoch.getMostSignificantBits());
        data.writeLong(epoch.getLeastSignificantBits());
      }
      data.flush();
    }
  }

  void groupId(String groupId) {
    this.groupId = groupId;
    update();
  }

  /**
   * The registry id: derived from the group id and the epoch once it is applied; the group id for a
   * history without an epoch; empty while neither is known (then revisions are compared as they
   * are, decision 0201).
   */
  String registryId() {
    return registryId;
  }

  /** The epoch, {@code null} when none was applied. */
  UUID epoch() {
    return epoch;
  }

  /** Completes once the registry id is known (an epoch applied, or a history without one). */
  CompletableFuture<Void> settled() {
    return settled;
  }

  /** Whether a leader of this history should append an epoch: none yet, and nothing before it. */
  boolean wantsEpoch() {
    return epoch == null && !withoutEpoch;
  }

  /** A new epoch entry with a random epoch. */
  static byte[] newEntry() {
    return entry(UUID.randomUUID());
  }

  /** The epoch entry of epoch {@code e}. */
  static byte[] entry(UUID e) {
    return ByteBuffer.allocate(ENTRY_BYTES)
        .put(ENTRY_MAGIC)
        .putLong(e.getMostSignificantBits())
        .putLong(e.getLeastSignificantBits())
        .array();
  }

  /**
   * Applies {@code data} if it is an epoch entry, and says whether it was: the first one applied
   * sets the epoch, later ones (a leader's that raced another's) change nothing. Any other entry
   * applied before an epoch marks a history without one.
   */
  boolean apply(ByteString data) {
    if (data.size() == ENTRY_BYTES && data.substring(0, ENTRY_MAGIC.length).equals(MAGIC_BYTES)) {
      if (epoch == null) {
        ByteBuffer b = data.substring(ENTRY_MAGIC.length).asReadOnlyByteBuffer();
        epoch = new UUID(b.getLong(), b.getLong());
        update();
      }
      return true;
    }
    if (epoch == null && !withoutEpoch) {
      withoutEpoch = true;
      update();
    }
    return false;
  }

  private static final ByteString MAGIC_BYTES = ByteString.copyFrom(ENTRY_MAGIC);

  /** The state as it is now, for a snapshot captured now. */
  Mark mark() {
    return new Mark(epoch, withoutEpoch);
  }

  /**
   * Reads a snapshot's header, if it has one, and sets the state from it; returns the stream at the
   * machine's snapshot. A snapshot without a header is one of a history without an epoch.
   *
   * @param in a stream that supports {@link InputStream#mark}
   * @throws IOException when the header is of a newer version
   */
  InputStream load(InputStream in) throws IOException {
    in.mark(SNAPSHOT_MAGIC.length);
    byte[] start = in.readNBytes(SNAPSHOT_MAGIC.length);
    if (!Arrays.equals(start, SNAPSHOT_MAGIC)) {
      in.reset();
      // A member of an earlier version writes no header even in a history with an epoch (one
      // that ran in it during an upgrade): the epoch this log already applied stays (decision
      // 0230). A snapshot is only ever installed from a member of this log's own history.
      withoutEpoch = true;
      update();
      return in;
    }
    DataInputStream data = new DataInputStream(in);
    int version = data.readUnsignedByte();
    if (version > SNAPSHOT_VERSION) {
      throw new IOException(
          "snapshot history header version "
              + version
              + " (expected: at most "
              + SNAPSHOT_VERSION
              + "; written by a newer version of Cairn)");
    }
    int flags = data.readUnsignedByte();
    epoch = (flags & HAS_EPOCH) != 0 ? new UUID(data.readLong(), data.readLong()) : null;
    withoutEpoch = false;
    update();
    return in;
  }

  private void update() {
    UUID e = epoch;
    String group = groupId;
    String id;
    if (e != null) {
      id = UUID.nameUUIDFromBytes((group + "/" + e).getBytes(StandardCharsets.UTF_8)).toString();
    } else if (withoutEpoch) {
      id = group;
    } else {
      id = "";
    }
    registryId = id;
    if (!id.isEmpty() && !group.isEmpty()) {
      settled.complete(null);
    }
  }
}
