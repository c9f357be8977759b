package dev.cairn.server.ratis;

import dev.cairn.server.ratis.internal.SegmentScan;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The explicit repair of a {@link RatisCommandLog} damaged before its tail, which refuses to start
 * ({@code cairn repair --data-dir DIR}; decision 0093). It cuts the log at the first damaged entry:
 * that entry and every later one are dropped, and the server starts from the intact prefix (and the
 * latest snapshot).
 */
public final class LogRepair {

  private LogRepair() {}

  /**
   * Cuts the log under {@code dataDir} at its first damaged entry and returns what was dropped, or
   * empty when the log is intact (then nothing changes).
   *
   * @throws IOException when the directory does not exist, is in use by a running server, or cannot
   *     be written
   */
  public static Optional<String> repair(Path dataDir) throws IOException {
    SegmentScan.Damage d = SegmentScan.repair(dataDir);
    if (d == null) {
      return Optional.empty();
    }
    return Optional.of(
        "dropped "
            + d.file()
            + " from byte offset "
            + d.offset()
            + " on: the damaged entry at log index "
            + d.index()
            + " and "
            + d.entriesAfter()
            + " intact entries after it"
            + (d.laterFiles().isEmpty()
                ? ""
                : " (" + d.laterFiles().size() + " later segment file(s) deleted)")
            + (d.snapshotIndex() < 0
                ? ""
                : "; the latest snapshot keeps the entries up to log index " + d.snapshotIndex()));
  }
}
