package dev.cairn.server.ratis.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An exclusive lock on a data directory, held from before Ratis starts until after it stops, so a
 * second server on the same directory fails at once with one clear message (Ratis would retry its
 * own storage lock for seconds, logging each failure).
 *
 * <p>The lock is an OS file lock on {@value #FILE}, which also keeps out other processes. OS locks
 * belong to the whole JVM, and closing any channel on the file may drop them, so the directories
 * locked by this JVM are also kept in {@link #HELD} and checked first, without opening the file.
 */
final class DataDirLock implements AutoCloseable {

  static final String FILE = "cairn.lock";

  // The lock files held by this JVM (real paths); a JVM-wide resource, as the OS locks are.
  private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;
  private final AtomicBoolean released = new AtomicBoolean();

  private DataDirLock(Path file, FileChannel channel, FileLock lock) {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Locks {@code dataDir}, which must exist.
   *
   * @throws IOException {@code "data directory <dir> is in use by another Cairn server"} when it is
   *     locked already, in this JVM or another process; or when the lock file cannot be opened
   */
  static DataDirLock acquire(Path dataDir) throws IOException {
    Path file = dataDir.toRealPath().resolve(FILE);
    if (!HELD.add(file)) {
      throw inUse(dataDir);
    }
    FileChannel channel = null;
    try {
      channel =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock = tryLock(channel);
      if (lock == null) {
        throw inUse(dataDir);
      }
      return new DataDirLock(file, channel, lock);
    } catch (IOException | RuntimeException e) {
      if (channel != null) {
        closeQuietly(channel, e);
      }
      HELD.remove(file);
      throw e;
    }
  }

  /** Releases the lock; idempotent. */
  @Override
  public void close() throws IOException {
    if (!released.compareAndSet(false, true)) {
      return;
    }
    try {
      lock.release();
      channel.close();
    } finally {
      HELD.remove(file);
    }
  }

  /** The lock, or null when another process (or, unexpectedly, this JVM) holds it. */
  private static FileLock tryLock(FileChannel channel) throws IOException {
    try {
      return channel.tryLock();
    } catch (OverlappingFileLockException e) {
      return null;
    }
  }

  private static IOException inUse(Path dataDir) {
    return new IOException("data directory " + dataDir + " is in use by another Cairn server");
  }

  private static void closeQuietly(FileChannel channel, Exception failure) {
    try {
      channel.close();
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
  }
}
