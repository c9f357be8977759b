package dev.cairn.server.ratis.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;

/**
 * Snapshot files in Ratis's state-machine directory, one file per snapshot named {@code
 * snapshot.<term>_<index>} with an MD5 side file, as {@link SimpleStateMachineStorage} lays them
 * out. A snapshot is written to a temporary file, fsync'd, and renamed into place, so a crash
 * leaves either the whole snapshot or none.
 *
 * <p>Loaded from the Ratis state-machine updater thread (and from initialize, before it starts),
 * written from the snapshot thread, never both at once (the adapter waits for a write before it
 * loads); {@link #latest} is read from any thread.
 */
final class SnapshotStore {

  /** Writes a whole state to a stream. */
  interface Writer {
    void write(OutputStream out) throws IOException;
  }

  /** Reads a whole state from a stream. */
  interface Reader {
    void read(InputStream in) throws IOException;
  }

  private static final String TMP_SUFFIX = ".tmp";
  private static final int BUFFER_BYTES = 64 * 1024;

  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();

  // The newest snapshot as this store last read or wrote it (null: none). Ratis asks for it on
  // every round of each log appender (LogAppender#shouldInstallSnapshot), and the storage's own
  // getLatestSnapshot() lists the directory again on every ask while there is no snapshot, which
  // put a directory scan into each append to a follower. Snapshots only appear through this store
  // (write) or through an installation from the leader, which Ratis follows with reinitialize
  // (load), so the field is the directory's state.
  private volatile SingleFileSnapshotInfo latest;

  SimpleStateMachineStorage storage() {
    return storage;
  }

  /** Binds to the Raft storage and deletes temporary files a crash left behind. */
  void init(RaftStorage raftStorage) throws IOException {
    storage.init(raftStorage);
    Path dir = raftStorage.getStorageDir().getStateMachineDir().toPath();
    try (DirectoryStream<Path> stale = Files.newDirectoryStream(dir, "snapshot.*" + TMP_SUFFIX)) {
      for (Path path : stale) {
        Files.deleteIfExists(path);
      }
    }
  }

  /**
   * The newest snapshot on disk, or {@code null} when there is none, as of the last {@link #load}
   * or {@link #write}: answered from memory, without looking at the directory.
   */
  SingleFileSnapshotInfo latest() {
    return latest;
  }

  /**
   * Reads the newest snapshot with {@code reader}, after checking its MD5.
   *
   * @return the term and index the snapshot covers, or {@code null} when there is no snapshot
   */
  TermIndex load(Reader reader) throws IOException {
    SingleFileSnapshotInfo info = storage.loadLatestSnapshot();
    latest = info;
    if (info == null) {
      return null;
    }
    Path path = info.getFile().getPath();
    MD5Hash expected = info.getFile().getFileDigest();
    if (expected != null) {
      MD5Hash actual = MD5FileUtil.computeMd5ForFile(path.toFile());
      if (!expected.equals(actual)) {
        throw new IOException(
            "snapshot " + path + ": MD5 " + actual + " (expected: " + expected + ")");
      }
    }
    try (InputStream in = new BufferedInputStream(Files.newInputStream(path), BUFFER_BYTES)) {
      reader.read(in);
    }
    return info.getTermIndex();
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is a digest every Java platform has", e);
    }
  }

  /** Writes a snapshot covering {@code applied} and makes it the latest. */
  void write(TermIndex applied, Writer writer) throws IOException {
    Path target = storage.getSnapshotFile(applied.getTerm(), applied.getIndex()).toPath();
    Path tmp = target.resolveSibling(target.getFileName() + TMP_SUFFIX);
    MessageDigest md5 = md5();
    try (FileChannel channel =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      OutputStream out =
          new BufferedOutputStream(
              new DigestOutputStream(Channels.newOutputStream(channel), md5), BUFFER_BYTES);
      writer.write(new UnclosableOutputStream(out));
      out.flush();
      channel.force(true);
    }
    MD5Hash digest = MD5Hash.newInstance(md5.digest());
    MD5FileUtil.saveMD5File(target.toFile(), digest);
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    FileSync.force(target.getParent());
    SingleFileSnapshotInfo info = new SingleFileSnapshotInfo(new FileInfo(target, digest), applied);
    storage.updateLatestSnapshot(info);
    latest = info;
  }

  /** Keeps the machine from closing the channel before it is forced. */
  private static final class UnclosableOutputStream extends FilterOutputStream {
    UnclosableOutputStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
