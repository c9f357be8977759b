package dev.cairn.server.core.log;

/**
 * Whether a {@link CommandLog} can write to its storage now, and if not, why (decision 0094).
 *
 * @param writable whether an append may be taken now; {@code false} while the file system holding
 *     the log has less than {@code reserveBytes} usable, or after a write to the log failed and
 *     until the log has recovered from it
 * @param error why the log cannot write, naming the path ({@code ""} while writable)
 * @param path the directory the log writes to ({@code ""} for a log that keeps nothing)
 * @param usableBytes bytes usable on that file system when asked ({@code -1} when unknown)
 * @param reserveBytes the free space below which appends are refused
 * @param failedWrites appends failed since the start because the log could not write
 * @param recoveries times the log recovered in-process from a failed write since the start
 */
public record StorageStatus(
    boolean writable,
    String error,
    String path,
    long usableBytes,
    long reserveBytes,
    long failedWrites,
    long recoveries) {

  /** The status of a log that keeps nothing on disk: always writable. */
  public static final StorageStatus IN_MEMORY = new StorageStatus(true, "", "", -1, 0, 0, 0);
}
