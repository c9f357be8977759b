package dev.cairn.cli.internal;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What {@code cairn server} was asked for. {@code detachGrace} and {@code protectionThreshold} are
 * null when the server's default applies; ports may be 0 for an ephemeral port.
 */
record ServerSettings(
    Path dataDir,
    String bind,
    int httpPort,
    int grpcPort,
    Duration detachGrace,
    boolean inMemory,
    Double protectionThreshold) {}
