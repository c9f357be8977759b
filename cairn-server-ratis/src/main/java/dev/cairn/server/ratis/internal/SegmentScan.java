package dev.cairn.server.ratis.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Reads every Ratis log segment under a data directory frame by frame (a varint length, the entry,
 * a CRC32C of both) before Ratis does, to tell a torn tail from damage before it (decision 0093).
 *
 * <p>A bad frame is a torn tail when it is in the newest, still open segment and no intact frame
 * follows it there: the last write was cut short by a crash and was never acknowledged. Anything
 * else (a bad frame with intact frames after it, or in a closed segment) is damage to acknowledged
 * entries, which only an operator may drop ({@code cairn repair}).
 */
public final class SegmentScan {

  private static final Pattern SEGMENT = Pattern.compile("log_(inprogress_)?(\\d+)(?:-(\\d+))?");
  private static final Pattern SNAPSHOT = Pattern.compile("snapshot\\.\\d+_(\\d+)");
  private static final byte[] HEADER = "RaftLog1".getBytes(StandardCharsets.US_ASCII);
  // LogEntryProto's first field: term (field 1, varint).
  private static final byte TERM_TAG = 0x08;
  private static final int MAX_ENTRY = 64 * 1024 * 1024;

  /** A bad frame: where it is, the log index it held, and what cutting the log there drops. */
  public record Damage(
      Path file,
      long offset,
      long index,
      boolean tail,
      long entriesAfter,
      List<Path> laterFiles,
      long snapshotIndex) {

    /** One line for an operator. */
    public String describe() {
      return file
          + " at byte offset "
          + offset
          + " (log index "
          + index
          + "; "
          + entriesAfter
          + " intact entries after it"
          + (laterFiles.isEmpty() ? "" : " and " + laterFiles.size() + " later segment file(s)")
          + (snapshotIndex < 0
              ? ""
              : "; the latest snapshot holds the entries up to log index " + snapshotIndex)
          + ")";
    }
  }

  private SegmentScan() {}

  /** The first bad frame in the log under {@code dataDir}, or {@code null} when there is none. */
  public static Damage find(Path dataDir) throws IOException {
    List<Path> segments = segments(dataDir);
    for (int s = 0; s < segments.size(); s++) {
      Path file = segments.get(s);
      Matcher m = SEGMENT.matcher(file.getFileName().toString());
      m.matches();
      boolean open = m.group(1) != null;
      long index = Long.parseLong(m.group(2));
      byte[] b = Files.readAllBytes(file);
      int pos = 0;
      if (b.length < HEADER.length || !startsWithHeader(b)) {
        if (open && s == segments.size() - 1 && allZero(b, 0)) {
          return new Damage(file, 0, index, true, 0, List.of(), snapshotIndex(dataDir));
        }
      } else {
        pos = HEADER.length;
        while (pos < b.length) {
          if (b[pos] == 0 && allZero(b, pos)) {
            pos = b.length; // the preallocated, never written rest
            break;
          }
          int end = frameEnd(b, pos);
          if (end < 0) {
            break;
          }
          pos = end;
          index++;
        }
      }
      if (pos >= b.length) {
        continue;
      }
      long after = countFramesAfter(b, pos + 1);
      List<Path> later = List.copyOf(segments.subList(s + 1, segments.size()));
      long laterEntries = 0;
      for (Path p : later) {
        laterEntries += countFramesAfter(Files.readAllBytes(p), HEADER.length);
      }
      boolean tail = open && later.isEmpty() && after == 0;
      return new Damage(
          file, pos, index, tail, after + laterEntries, later, snapshotIndex(dataDir));
    }
    return null;
  }

  /**
   * Cuts the log at {@code damage}: truncates its file there and deletes every later segment. A
   * closed segment becomes the open one (renamed {@code log_inprogress_<first index>}), as Ratis
   * expects of the newest segment.
   */
  public static void cut(Damage damage) throws IOException {
    if (damage.index() <= damage.snapshotIndex()) {
      // The snapshot holds every entry before the damage: the log restarts after it, as after a
      // purge (a log ending below the snapshot's index would leave a gap Ratis refuses).
      for (Path p : segments(damage.file().getParent())) {
        Files.delete(p);
      }
      FileSync.force(damage.file().getParent());
      return;
    }
    for (Path p : damage.laterFiles()) {
      Files.delete(p);
    }
    Path file = damage.file();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(damage.offset());
      ch.force(true);
    }
    Matcher m = SEGMENT.matcher(file.getFileName().toString());
    m.matches();
    long first = Long.parseLong(m.group(2));
    if (damage.offset() <= HEADER.length || damage.index() == first) {
      Files.delete(file); // nothing intact left in it
    } else if (m.group(1) == null) {
      Files.move(file, file.resolveSibling("log_inprogress_" + first));
    }
    FileSync.force(file.getParent());
  }

  /**
   * {@code cairn repair}: with the data directory locked, finds the first bad frame and cuts the
   * log there; returns it, or {@code null} when the log is intact.
   */
  public static Damage repair(Path dataDir) throws IOException {
    if (!Files.isDirectory(dataDir)) {
      throw new IOException("data directory " + dataDir + " does not exist");
    }
    try (DataDirLock lock = DataDirLock.acquire(dataDir)) {
      Damage damage = find(dataDir.resolve(RaftConfig.RAFT_DIR));
      if (damage != null) {
        cut(damage);
      }
      return damage;
    }
  }

  /**
   * Whether the log under {@code dataDir} holds anything: an entry in a segment (more than its
   * header) or a snapshot. A member that never heard from a leader holds nothing.
   */
  static boolean holdsEntries(Path dataDir) throws IOException {
    for (Path segment : segments(dataDir)) {
      if (Files.size(segment) > HEADER.length) {
        return true;
      }
    }
    return Files.isDirectory(dataDir) && snapshotIndex(dataDir) >= 0;
  }

  /** All segment files under {@code dataDir}, oldest first. */
  static List<Path> segments(Path dataDir) throws IOException {
    if (!Files.isDirectory(dataDir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(dataDir)) {
      return files
          .filter(p -> Files.isRegularFile(p))
          .filter(p -> SEGMENT.matcher(p.getFileName().toString()).matches())
          .sorted(Comparator.comparingLong(SegmentScan::firstIndex))
          .collect(Collectors.toCollection(ArrayList::new));
    }
  }

  /** The log index of the newest snapshot under {@code dir}, or -1. */
  private static long snapshotIndex(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .map(p -> SNAPSHOT.matcher(p.getFileName().toString()))
          .filter(Matcher::matches)
          .mapToLong(m -> Long.parseLong(m.group(1)))
          .max()
          .orElse(-1);
    }
  }

  private static long firstIndex(Path p) {
    Matcher m = SEGMENT.matcher(p.getFileName().toString());
    m.matches();
    return Long.parseLong(m.group(2));
  }

  /** The end of an intact frame at {@code pos}, or -1. */
  private static int frameEnd(byte[] b, int pos) {
    long length = 0;
    int p = pos;
    for (int shift = 0; ; shift += 7) {
      if (p >= b.length || shift > 28) {
        return -1;
      }
      byte x = b[p++];
      length |= (long) (x & 0x7F) << shift;
      if ((x & 0x80) == 0) {
        break;
      }
    }
    if (length < 1 || length > MAX_ENTRY || p + length + 4 > b.length || b[p] != TERM_TAG) {
      return -1;
    }
    int end = (int) (p + length);
    CRC32C crc = new CRC32C();
    crc.update(b, pos, end - pos);
    int stored = ByteBuffer.wrap(b, end, 4).getInt();
    return (int) crc.getValue() == stored ? end + 4 : -1;
  }

  /** Intact frames found anywhere from {@code from} on, each counted once. */
  private static long countFramesAfter(byte[] b, int from) {
    long n = 0;
    int pos = from;
    while (pos < b.length) {
      int end = b[pos] == 0 ? -1 : frameEnd(b, pos);
      if (end > 0) {
        n++;
        pos = end;
      } else {
        pos++;
      }
    }
    return n;
  }

  private static boolean startsWithHeader(byte[] b) {
    for (int i = 0; i < HEADER.length; i++) {
      if (b[i] != HEADER[i]) {
        return false;
      }
    }
    return true;
  }

  private static boolean allZero(byte[] b, int from) {
    for (int i = from; i < b.length; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }
}
