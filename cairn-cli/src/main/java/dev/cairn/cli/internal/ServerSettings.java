package dev.cairn.cli.internal;

import dev.cairn.xds.XdsOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

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
    Cluster cluster,
    Limits limits) {

  /** Without limits of its own: the server's defaults. */
  ServerSettings(
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
    this(
        dataDir,
        bind,
        httpPort,
        grpcPort,
        detachGrace,
        inMemory,
        dns,
        metrics,
        protectionThreshold,
        frontDoors,
        security,
        cluster,
        Limits.DEFAULTS);
  }

  /**
   * Browser and abuse protections (docs/security.md): the host names the HTTP API answers to
   * besides localhost, IP addresses and the bound name; DNS answers over UDP a second per client
   * address (-1: the server's default, 0: none); watches, connections and sessions per client (0:
   * the server's default); requests a second per token or client address (0: no limit) and their
   * burst (0: one second's worth); watches and sessions per ACL token (0: no limit).
   */
  record Limits(
      List<String> allowedHosts,
      double dnsRateLimit,
      int maxWatchesPerClient,
      int maxConnectionsPerClient,
      int maxSessionsPerClient,
      double rateLimit,
      int rateLimitBurst,
      int maxWatchesPerToken,
      int maxSessionsPerToken) {

    static final Limits DEFAULTS = new Limits(List.of(), -1, 0, 0, 0, 0, 0, 0, 0);

    Limits {
      allowedHosts = List.copyOf(allowedHosts);
    }
  }

  /**
   * Cluster membership: {@code nodeId} and {@code peers} both null for a single node; {@code
   * snapshotEvery} 0 for the default; {@code advertiseAddress} null for the default (the host of
   * this member's entry in {@code peers}).
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
      long minFreeDisk,
      String advertiseAddress) {

    /** {@link #minFreeDisk} when not given: the server's default. */
    static final long DEFAULT_MIN_FREE_DISK = -1;

    static final Cluster SINGLE =
        new Cluster(
            null,
            null,
            "cairn",
            false,
            Duration.ofMillis(250),
            Duration.ofSeconds(3),
            0,
            0,
            DEFAULT_MIN_FREE_DISK,
            null);
  }

  /** The DNS listener: {@code port} -1 for none, 0 for an ephemeral one. */
  record Dns(int port, String domain, Duration ttl) {}

  /**
   * The front doors' ports (see docs/interop.md): -1 for off (the default), 0 for ephemeral; and
   * what the xDS front door serves.
   */
  record FrontDoors(int prometheusSdPort, int xdsPort, int consulPort, int eurekaPort, Xds xds) {

    /** With the xDS front door's defaults. */
    FrontDoors(int prometheusSdPort, int xdsPort, int consulPort, int eurekaPort) {
      this(prometheusSdPort, xdsPort, consulPort, eurekaPort, Xds.DEFAULTS);
    }
  }

  /**
   * The xDS front door's settings (the {@code XdsOptions} of docs/interop.md#xds): the namespaces
   * served, the instance port endpoints use, whether routes retry {@code UNAVAILABLE}, how often a
   * stream's token is checked again and how many filtered snapshots are served at once.
   */
  record Xds(
      List<String> namespaces,
      String portName,
      boolean retryUnavailable,
      Duration tokenCheckInterval,
      int maxFilteredSnapshots) {

    static final Xds DEFAULTS =
        new Xds(
            List.of(dev.cairn.common.Limits.DEFAULT_NAMESPACE),
            XdsOptions.DEFAULT_PORT_NAME,
            true,
            XdsOptions.DEFAULT_TOKEN_CHECK_INTERVAL,
            XdsOptions.DEFAULT_MAX_FILTERED_SNAPSHOTS);

    Xds {
      namespaces = List.copyOf(namespaces);
    }
  }

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
