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
    Dns dns,
    boolean metrics,
    Double protectionThreshold,
    FrontDoors frontDoors,
    Security security,
    Cluster cluster) {

  /**
   * Cluster membership: {@code nodeId} and {@code peers} both null for a single node; {@code
   * snapshotEvery} 0 for the default.
   */
  record Cluster(
      String nodeId,
      String peers,
      String clusterName,
      boolean join,
      Duration electionTimeout,
      Duration writeTimeout,
      long snapshotEvery,
      long segmentSize,
      long minFreeDisk) {

    /** {@link #minFreeDisk} when not given: the server's default. */
    static final long DEFAULT_MIN_FREE_DISK = -1;

    static final Cluster SINGLE =
        new Cluster(
            null,
            null,
            "cairn",
            false,
            Duration.ofMillis(300),
            Duration.ofSeconds(3),
            0,
            0,
            DEFAULT_MIN_FREE_DISK);
  }

  /** The DNS listener: {@code port} -1 for none, 0 for an ephemeral one. */
  record Dns(int port, String domain, Duration ttl) {}

  /** The front doors' ports (see docs/interop.md): -1 for off (the default), 0 for ephemeral. */
  record FrontDoors(int prometheusSdPort, int xdsPort, int consulPort, int eurekaPort) {}

  /**
   * TLS (PEM files, null for none: plaintext), whether open access off loopback is allowed and
   * whether ACLs are on; see docs/security.md.
   */
  record Security(
      Path tlsCert, Path tlsKey, Path tlsCa, boolean insecureAllowOpenAccess, boolean acl) {

    /** Without ACLs. */
    Security(Path tlsCert, Path tlsKey, Path tlsCa, boolean insecureAllowOpenAccess) {
      this(tlsCert, tlsKey, tlsCa, insecureAllowOpenAccess, false);
    }
  }
}
