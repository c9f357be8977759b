package dev.cairn.server.ratis;

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
import org.apache.ratis.proto.RaftProtos.LogEntryProto;

/** Finds and damages Ratis log segment files under a data directory. */
final class LogFiles {

  private static final Pattern SEGMENT = Pattern.compile("log_(?:inprogress_)?(\\d+)(?:-\\d+)?");
  private static final int HEADER_BYTES = "RaftLog1".length();

  private LogFiles() {}

  /** All segment files, oldest first. */
  static List<Path> segments(Path dataDir) throws IOException {
    try (Stream<Path> files = Files.walk(dataDir)) {
      return files
          .filter(p -> SEGMENT.matcher(p.getFileName().toString()).matches())
          .sorted(Comparator.comparingLong(LogFiles::startIndex))
          .collect(Collectors.toList());
    }
  }

  /** The first log index a segment file holds. */
  static long startIndex(Path segment) {
    Matcher m = SEGMENT.matcher(segment.getFileName().toString());
    if (!m.matches()) {
      throw new IllegalArgumentException("segment: " + segment + " (expected: a log_ file)");
    }
    return Long.parseLong(m.group(1));
  }

  /** Snapshot files (without their .md5 side files). */
  static List<Path> snapshots(Path dataDir) throws IOException {
    try (Stream<Path> files = Files.walk(dataDir)) {
      return files
          .filter(p -> p.getFileName().toString().matches("snapshot\\.\\d+_\\d+"))
          .collect(Collectors.toList());
    }
  }

  /**
   * One entry of a segment: where its frame starts, its length, its payload (null: the log's own,
   * Ratis's or the history's epoch).
   */
  record Frame(int start, int length, String payload) {}

  /** The entries of {@code segment}, in order. */
  static List<Frame> frames(Path segment) throws IOException {
    byte[] bytes = Files.readAllBytes(segment);
    List<Frame> frames = new ArrayList<>();
    int pos = HEADER_BYTES;
    while (pos < bytes.length && bytes[pos] != 0) {
      int length = 0;
      int shift = 0;
      int p = pos;
      byte b;
      do {
        b = bytes[p++];
        length |= (b & 0x7F) << shift;
        shift += 7;
      } while ((b & 0x80) != 0);
      LogEntryProto entry = LogEntryProto.parseFrom(ByteBuffer.wrap(bytes, p, length).slice());
      frames.add(
          new Frame(
              pos,
              p - pos + length + 4,
              entry.hasStateMachineLogEntry() && !epoch(entry)
                  ? entry.getStateMachineLogEntry().getLogData().toString(StandardCharsets.UTF_8)
                  : null));
      pos = p + length + 4;
    }
    return frames;
  }

  /** How the history's epoch entry starts (decision 0222): the log's own, not the machine's. */
  private static final byte[] EPOCH = {(byte) 0xCA, 0x1A, 'E', 'P', 'O', 'C', 'H', 1};

  private static boolean epoch(LogEntryProto entry) {
    byte[] data = entry.getStateMachineLogEntry().getLogData().toByteArray();
    return data.length == EPOCH.length + 16
        && java.util.Arrays.equals(java.util.Arrays.copyOf(data, EPOCH.length), EPOCH);
  }

  /** Flips one byte in the middle of {@code frame}, so that its checksum no longer matches. */
  static void flipByte(Path segment, Frame frame) throws IOException {
    byte[] bytes = Files.readAllBytes(segment);
    bytes[frame.start() + frame.length() / 2] ^= 0x5A;
    Files.write(segment, bytes);
  }

  /** How the tail of a segment is damaged. */
  enum Damage {
    /** Flips bytes inside the last entry: its checksum no longer matches. */
    GARBLE,
    /** Cuts the file in the middle of the last entry, as a torn write would. */
    TRUNCATE
  }

  /**
   * Damages the last entry of {@code segment}, as a crash in the middle of writing it would, and
   * returns its payload (null when it is one of Ratis's own entries).
   */
  static String damageLastEntry(Path segment, Damage damage) throws IOException {
    List<Frame> frames = frames(segment);
    Frame last = frames.get(frames.size() - 1);
    switch (damage) {
      case GARBLE:
        byte[] bytes = Files.readAllBytes(segment);
        for (int i = last.start() + last.length() / 2; i < last.start() + last.length() - 4; i++) {
          bytes[i] ^= (byte) 0x5A;
        }
        Files.write(segment, bytes);
        break;
      case TRUNCATE:
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
          ch.truncate(last.start() + last.length() / 2);
        }
        break;
      default:
        throw new AssertionError(damage);
    }
    return last.payload();
  }
}
