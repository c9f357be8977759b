package dev.cairn.server.ratis.internal;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * Keeps the log off a full disk (decision 0094): a write is refused while the file system holding
 * the data directory has less than the reserve usable, before Ratis is asked to write anything.
 * Ratis 3.2.0 does not survive a failed log write in-process (it closes its log and leaves the
 * writes waiting), so the reserve keeps room for the next log segment, the Raft metadata and a
 * snapshot. Asked at every append and every status read: one {@code statfs} call, no thread.
 *
 * <p>Thread-safe.
 */
final class StorageGuard {

  private final Path dir;
  private final long reserveBytes;
  private final LongSupplier usable;
  // The file store of dir, found once: finding it reads the mount table.
  private volatile FileStore store;

  /**
   * @param usable the usable bytes of the file system holding {@code dir}; {@code null} for the
   *     file system's own figure
   */
  StorageGuard(Path dir, long reserveBytes, LongSupplier usable) {
    this.dir = dir;
    this.reserveBytes = reserveBytes;
    this.usable = usable == null ? this::fileSystemUsable : usable;
  }

  long reserveBytes() {
    return reserveBytes;
  }

  /** The usable bytes now, {@code -1} when they cannot be read (the log then finds out). */
  long usableBytes() {
    try {
      return usable.getAsLong();
    } catch (RuntimeException e) {
      return -1;
    }
  }

  /** Whether {@code usableBytes} (from {@link #usableBytes}) leaves less than the reserve. */
  boolean full(long usableBytes) {
    return usableBytes >= 0 && usableBytes < reserveBytes;
  }

  /** The refusal of a write when {@code usableBytes} is below the reserve, else {@code null}. */
  CairnException refusal(long usableBytes) {
    if (!full(usableBytes)) {
      return null;
    }
    return CairnException.of(
        ErrorCode.INSUFFICIENT_STORAGE,
        "log",
        "the command log cannot write: disk full: "
            + bytes(usableBytes)
            + " usable on the file system of "
            + dir
            + ", below the "
            + bytes(reserveBytes)
            + " kept free for the log; writes resume by themselves once there is room");
  }

  /** {@code n} bytes for a message: {@code 12 B}, {@code 3.5 KiB}, {@code 64.0 MiB}. */
  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
  }

  private long fileSystemUsable() {
    try {
      FileStore s = store;
      if (s == null) {
        s = Files.getFileStore(dir);
        store = s;
      }
      return s.getUsableSpace();
    } catch (IOException e) {
      return -1;
    }
  }
}
