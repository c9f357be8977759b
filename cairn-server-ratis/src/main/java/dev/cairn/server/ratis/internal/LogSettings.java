package dev.cairn.server.ratis.internal;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The validated settings of a {@link dev.cairn.server.ratis.RatisCommandLog}; see its builder for
 * the meaning and the defaults.
 */
public record LogSettings(
    Path dataDir,
    String host,
    int port,
    String peerId,
    long snapshotEvery,
    int snapshotsRetained,
    boolean snapshotOnClose,
    boolean purgeAfterSnapshot,
    long segmentSizeBytes,
    Duration startTimeout) {}
