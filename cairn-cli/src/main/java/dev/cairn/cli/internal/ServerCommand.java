package dev.cairn.cli.internal;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.CairnException;
import dev.cairn.common.Names;
import dev.cairn.server.ratis.ClusterPeers;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code cairn server}: runs an embedded server until SIGINT or SIGTERM, then closes it from a
 * shutdown hook. Prints one line per listener on standard output; a port in use exits with {@link
 * ExitCode#CANNOT_START}. A server that closes itself after a failure (its command log failed)
 * exits with {@link ExitCode#SERVER_FAILED}, so that a supervisor restarts it.
 */
@Command(
    name = "server",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = {
      "Runs a Cairn server until Ctrl-C or SIGTERM.",
      "Then it shuts the server down gracefully.",
      "Prints one line per listener: 'http  listening on http://127.0.0.1:8500'.",
      "Exit codes: 3 when it cannot start (e.g. a port in use: the message names",
      "the flag to change); 6 when it stopped by itself because it could no longer",
      "serve (the log says why); 0 when this cluster member was removed from the",
      "cluster; 9 when its data directory is a removed member's (not restartable)."
    })
final class ServerCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      defaultValue = "./data",
      description =
          "Directory for the durable log; created if missing (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(
      names = "--bind",
      paramLabel = "ADDRESS",
      defaultValue = "127.0.0.1",
      description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String bind;

  @Option(
      names = "--http-port",
      paramLabel = "PORT",
      defaultValue = "8500",
      description = "HTTP API port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(
      names = "--grpc-port",
      paramLabel = "PORT",
      defaultValue = "8501",
      description = "gRPC port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int grpcPort;

  @Option(
      names = "--session-detach-grace",
      paramLabel = "DURATION",
      converter = Durations.class,
      description =
          "How long a session whose stream broke waits to be resumed, e.g. 10s"
              + " (default: the server's, 0s).")
  Duration sessionDetachGrace;

  @Option(
      names = "--protection-threshold",
      paramLabel = "SHARE",
      description =
          "Default protection threshold of services, 0..1: healthy-only reads return every"
              + " instance when fewer than this share are healthy (default: 0, off).")
  Double protectionThreshold;

  @Option(
      names = "--dns-port",
      paramLabel = "PORT",
      defaultValue = "8600",
      description =
          "DNS port, UDP and TCP; 0 picks a free one, -1 turns DNS off (default: ${DEFAULT-VALUE}).")
  int dnsPort;

  @Option(
      names = "--dns-domain",
      paramLabel = "DOMAIN",
      defaultValue = "cairn",
      description = "DNS domain: names are <service>.service.DOMAIN (default: ${DEFAULT-VALUE}).")
  String dnsDomain;

  @Option(
      names = "--dns-ttl",
      paramLabel = "DURATION",
      converter = Durations.class,
      defaultValue = "0s",
      description = "TTL of DNS answers, whole seconds, e.g. 5s (default: ${DEFAULT-VALUE}).")
  Duration dnsTtl;

  @Option(
      names = "--metrics",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description = "Serve metrics on GET /metrics, Prometheus format (default: on).")
  boolean metrics;

  @Option(
      names = "--prometheus-sd-port",
      paramLabel = "PORT",
      defaultValue = "-1",
      description =
          "Serve Prometheus HTTP service discovery (GET /targets) on this port; 0 picks a free"
              + " one (default: -1, off).")
  int prometheusSdPort;

  @Option(
      names = "--xds-port",
      paramLabel = "PORT",
      defaultValue = "-1",
      description =
          "Serve xDS (ADS over gRPC) for proxyless gRPC and Envoy on this port, e.g. 18000;"
              + " 0 picks a free one (default: -1, off).")
  int xdsPort;

  @Option(
      names = "--xds-namespaces",
      paramLabel = "NAMES",
      split = ",",
      description =
          "Namespaces xDS serves, comma separated: services of the first as they are (hello),"
              + " of the others with their namespace (hello.staging) (default: default).")
  List<String> xdsNamespaces;

  @Option(
      names = "--xds-port-name",
      paramLabel = "NAME",
      description =
          "The instance port xDS endpoints use; an instance without it uses its only port"
              + " (default: grpc).")
  String xdsPortName;

  @Option(
      names = "--xds-retry-unavailable",
      negatable = true,
      description =
          "xDS routes retry calls that fail with UNAVAILABLE on other endpoints, up to 2 more"
              + " attempts; turn off when methods are not idempotent (default: on).")
  Boolean xdsRetryUnavailable;

  @Option(
      names = "--xds-token-check-interval",
      paramLabel = "DURATION",
      converter = Durations.class,
      description =
          "With --acl, how often every open xDS stream's token is checked again, e.g. 15s"
              + " (default: 15s; decision 0232).")
  Duration xdsTokenCheckInterval;

  @Option(
      names = "--xds-max-filtered-snapshots",
      paramLabel = "N",
      description =
          "With --acl, filtered snapshots xDS serves at once (one per distinct set of service"
              + " read rules among wildcard streams); 0 refuses such streams (default: 64).")
  Integer xdsMaxFilteredSnapshots;

  @Option(
      names = "--consul-port",
      paramLabel = "PORT",
      defaultValue = "-1",
      description =
          "Serve the Consul-compatible API subset on this port; 0 picks a free one"
              + " (default: -1, off).")
  int consulPort;

  @Option(
      names = "--eureka-port",
      paramLabel = "PORT",
      defaultValue = "-1",
      description =
          "Serve the Eureka-compatible API subset under /eureka on this port, e.g. 8761;"
              + " 0 picks a free one (default: -1, off).")
  int eurekaPort;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description =
          "Serve HTTP and gRPC over TLS with this PEM certificate chain (needs --tls-key); read"
              + " again when it changes. DNS stays plain.")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      description = "Private key of --tls-cert: unencrypted PKCS#8 PEM (BEGIN PRIVATE KEY).")
  Path tlsKey;

  @Option(
      names = "--tls-ca",
      paramLabel = "FILE",
      description =
          "Mutual TLS: clients must present a certificate signed by a CA in this PEM file"
              + " (needs --tls-cert).")
  Path tlsCa;

  @Option(
      names = "--acl",
      description = {
        "Turn ACLs on: every request needs a token whose policies allow it (default deny);"
            + " create the first with cairn acl bootstrap.",
        "See docs/security.md."
      })
  boolean acl;

  @Option(
      names = "--allowed-hosts",
      paramLabel = "NAMES",
      split = ",",
      description =
          "Host names the HTTP API answers to besides localhost, IP addresses and --bind, comma"
              + " separated; * for any. Other Host headers are refused (DNS rebinding). Default:"
              + " none on loopback, any elsewhere.")
  List<String> allowedHosts = new ArrayList<>();

  @Option(
      names = "--dns-rate-limit",
      paramLabel = "N",
      description =
          "DNS answers over UDP a second per client address; beyond it truncated or none"
              + " (0: no limit). Default: none on loopback, 100 elsewhere.")
  Double dnsRateLimit;

  @Option(
      names = "--max-watches-per-client",
      paramLabel = "N",
      defaultValue = "1000",
      description =
          "Watches one client may hold open: HTTP per client address, gRPC per connection"
              + " (default: ${DEFAULT-VALUE}).")
  int maxWatchesPerClient;

  @Option(
      names = "--max-connections-per-client",
      paramLabel = "N",
      defaultValue = "1024",
      description = "HTTP connections per client address (default: ${DEFAULT-VALUE}).")
  int maxConnectionsPerClient;

  @Option(
      names = "--max-sessions-per-client",
      paramLabel = "N",
      defaultValue = "1000",
      description =
          "Sessions one client may hold open: opened over HTTP per client address, session"
              + " streams per gRPC connection (default: ${DEFAULT-VALUE}).")
  int maxSessionsPerClient;

  @Option(
      names = "--max-watches-per-token",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "Watches one ACL token may hold open across connections, the API's and the front"
              + " doors' together, with --acl (default: 0, no limit).")
  int maxWatchesPerToken;

  @Option(
      names = "--max-sessions-per-token",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "Sessions one ACL token may hold open across connections, the API's and the Eureka"
              + " front door's leases together, with --acl (default: 0, no limit).")
  int maxSessionsPerToken;

  @Option(
      names = "--rate-limit",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "Requests a second per ACL token (per client address without one), HTTP and gRPC;"
              + " beyond it 429 with Retry-After (default: 0, no limit).")
  double rateLimit;

  @Option(
      names = "--rate-limit-burst",
      paramLabel = "N",
      defaultValue = "0",
      description = "The largest burst over --rate-limit (default: 0, one second's worth).")
  int rateLimitBurst;

  @Option(
      names = "--insecure-allow-open-access",
      description =
          "Serve on an address other than loopback without TLS or client authentication (no"
              + " --tls-ca, no --acl). Anyone who reaches the ports can change the registry;"
              + " logged as a warning at every start.")
  boolean insecureAllowOpenAccess;

  @Option(
      names = "--node-id",
      paramLabel = "ID",
      description =
          "This member's id in a cluster, one of the ids in --peers, e.g. n1. With --peers it makes"
              + " this server a member of a replicated cluster (docs/operations.md).")
  String nodeId;

  @Option(
      names = "--peers",
      paramLabel = "ID=HOST:PORT,...",
      description = {
        "Every member of the cluster and its Raft address, this one too; the same list on"
            + " every member, for example:",
        "n1=127.0.0.1:7001,n2=127.0.0.1:7002,",
        "n3=127.0.0.1:7003"
      })
  String peers;

  @Option(
      names = "--advertise-address",
      paramLabel = "HOST",
      description =
          "The host name or IP address clients reach this member's gRPC API at (no port: the bound"
              + " --grpc-port is added). The leader tells it to the other members, which send SDK"
              + " clients there to open their sessions (default: this member's host in --peers;"
              + " decision 0114).")
  String advertiseAddress;

  @Option(
      names = "--join",
      description =
          "Start outside the cluster's configuration and wait to be added with `cairn members"
              + " add` (a new member of a running cluster).")
  boolean join;

  @Option(
      names = "--cluster-name",
      paramLabel = "NAME",
      defaultValue = "cairn",
      description =
          "The cluster's name, the same on every member; a data directory made for another is"
              + " refused (default: ${DEFAULT-VALUE}).")
  String clusterName;

  @Option(
      names = "--election-timeout",
      paramLabel = "DURATION",
      defaultValue = "250ms",
      converter = Durations.class,
      description =
          "A member that hears nothing from its leader for one to two of these starts an"
              + " election (default: ${DEFAULT-VALUE}; decision 0101).")
  Duration electionTimeout;

  @Option(
      names = "--write-timeout",
      paramLabel = "DURATION",
      defaultValue = "3s",
      converter = Durations.class,
      description =
          "How long a write waits for a leader and a quorum (a single node: for its log)"
              + " before it fails with 503 / UNAVAILABLE (default: ${DEFAULT-VALUE}).")
  Duration writeTimeout;

  @Option(
      names = "--snapshot-every",
      paramLabel = "ENTRIES",
      description = "Take a snapshot after this many log entries, at least 1 (default: 10000).")
  Long snapshotEvery;

  @Option(
      names = "--segment-size",
      paramLabel = "BYTES",
      defaultValue = "0",
      description =
          "Close a log segment at this size, at least 65536 (default: 1 MiB); the log is purged"
              + " after a snapshot a segment at a time.")
  long segmentSize;

  @Option(
      names = "--min-free-disk",
      paramLabel = "BYTES",
      defaultValue = "-1",
      description =
          "Refuse writes (507 / RESOURCE_EXHAUSTED) while the data directory's file system has"
              + " less than this usable, and take them again once it has (default: 32 MiB; 0"
              + " turns the guard off). See docs/operations.md, Disk full.")
  long minFreeDisk;

  @Option(
      names = "--in-memory",
      description = "Keep nothing on disk; --data-dir is ignored and all state is lost on exit.")
  boolean inMemory;

  private final EmbeddedServer.Starter starter;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);
  // Set once by call() before the shutdown hook can see it; read by stop() from any thread.
  private volatile EmbeddedServer server;
  // Why the server closed itself, if it did; written before `stopped` counts down.
  private volatile Throwable failure;

  ServerCommand() {
    this(new CairnServerStarter());
  }

  ServerCommand(EmbeddedServer.Starter starter) {
    this.starter = requireNonNull(starter, "starter");
  }

  @Override
  public Integer call() throws InterruptedException {
    if (dataDir.toString().isBlank()) {
      throw new ParameterException(
          spec.commandLine(), "--data-dir: empty (expected: a directory, e.g. ./data)");
    }
    checkPortsApart();
    checkPort("http", httpPort);
    checkPort("grpc", grpcPort);
    if (protectionThreshold != null && !(protectionThreshold >= 0 && protectionThreshold <= 1)) {
      throw new ParameterException(
          spec.commandLine(),
          "--protection-threshold: " + protectionThreshold + " (expected: 0..1)");
    }
    if (dnsPort < -1 || dnsPort > 65_535) {
      throw new ParameterException(
          spec.commandLine(), "--dns-port: " + dnsPort + " (expected: -1 (off) or 0..65535)");
    }
    if (dnsPort != -1) {
      checkPort("dns", dnsPort);
      checkUdpPort("dns", dnsPort);
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new ParameterException(
          spec.commandLine(),
          (tlsCert == null ? "--tls-key" : "--tls-cert")
              + " needs "
              + (tlsCert == null ? "--tls-cert" : "--tls-key")
              + " (expected: both, or neither for plaintext)");
    }
    if (tlsCa != null && tlsCert == null) {
      throw new ParameterException(
          spec.commandLine(), "--tls-ca needs --tls-cert and --tls-key (mutual TLS is TLS first)");
    }
    checkOptionalPort("prometheus-sd", prometheusSdPort);
    checkOptionalPort("xds", xdsPort);
    checkOptionalPort("consul", consulPort);
    checkOptionalPort("eureka", eurekaPort);
    ServerSettings.Xds xds = xdsSettings();
    ServerSettings.Cluster cluster = cluster();
    ServerSettings settings =
        new ServerSettings(
            dataDir.toAbsolutePath().normalize(),
            bind,
            httpPort,
            grpcPort,
            sessionDetachGrace,
            inMemory,
            new ServerSettings.Dns(dnsPort, dnsDomain, dnsTtl),
            metrics,
            protectionThreshold,
            new ServerSettings.FrontDoors(prometheusSdPort, xdsPort, consulPort, eurekaPort, xds),
            new ServerSettings.Security(
                absolute(tlsCert), absolute(tlsKey), absolute(tlsCa), insecureAllowOpenAccess, acl),
            cluster,
            limits());
    try {
      server = starter.start(settings);
    } catch (CliException e) {
      throw e;
    } catch (Exception e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof dev.cairn.server.ratis.MemberRemovedException) {
          throw new CliException(ExitCode.REMOVED, "cannot start server: " + describe(t), e);
        }
      }
      throw new CliException(
          ExitCode.CANNOT_START, "cannot start server: " + startFailure(e, settings), e);
    }
    Thread hook = new Thread(this::stop, "cairn-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    PrintWriter out = spec.commandLine().getOut();
    server.listenerLines().forEach(out::println);
    out.flush();
    server.whenClosed().whenComplete((ok, error) -> failed(error));
    stopped.await();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down; the hook has run.
    }
    Throwable f = failure;
    if (f != null && dev.cairn.server.CairnServer.removedFromCluster(unwrap(f))) {
      // Not a failure: the cluster let this member go, and a restart would not bring it back.
      PrintWriter err = spec.commandLine().getErr();
      err.println("cairn: " + unwrap(f).getMessage());
      err.flush();
      return ExitCode.OK;
    }
    if (f != null) {
      throw new CliException(
          ExitCode.SERVER_FAILED,
          "the server stopped: " + describe(unwrap(f)) + " (the log above says more; restart it)",
          f);
    }
    return ExitCode.OK;
  }

  /**
   * Why the server could not start, one line; a file the data directory could not be used for is
   * named with the reason and the flag ({@code --data-dir /x: not a directory}).
   */
  static String startFailure(Throwable e, ServerSettings settings) {
    java.nio.file.FileSystemException file =
        Failures.find(e, java.nio.file.FileSystemException.class);
    if (file != null && file.getFile() != null && !settings.inMemory()) {
      Path failed = Path.of(file.getFile()).toAbsolutePath().normalize();
      if (failed.equals(settings.dataDir())) {
        return "--data-dir " + Failures.describe(file);
      }
      if (failed.startsWith(settings.dataDir()) || settings.dataDir().startsWith(failed)) {
        return Failures.describe(file) + " (--data-dir " + settings.dataDir() + ")";
      }
    }
    return Failures.describe(e);
  }

  /** The protection flags, checked. */
  private ServerSettings.Limits limits() {
    if (dnsRateLimit != null && !(dnsRateLimit >= 0)) {
      throw new ParameterException(
          spec.commandLine(),
          "--dns-rate-limit: " + dnsRateLimit + " (expected: >= 0, 0 for no limit)");
    }
    positive("--max-watches-per-client", maxWatchesPerClient);
    positive("--max-connections-per-client", maxConnectionsPerClient);
    positive("--max-sessions-per-client", maxSessionsPerClient);
    if (!(rateLimit >= 0) || Double.isInfinite(rateLimit)) {
      throw new ParameterException(
          spec.commandLine(), "--rate-limit: " + rateLimit + " (expected: >= 0, 0 for no limit)");
    }
    if (maxWatchesPerToken < 0 || maxSessionsPerToken < 0) {
      throw new ParameterException(
          spec.commandLine(),
          (maxWatchesPerToken < 0
                  ? "--max-watches-per-token: " + maxWatchesPerToken
                  : "--max-sessions-per-token: " + maxSessionsPerToken)
              + " (expected: >= 0, 0 for no limit)");
    }
    if (rateLimitBurst < 0) {
      throw new ParameterException(
          spec.commandLine(), "--rate-limit-burst: " + rateLimitBurst + " (expected: >= 0)");
    }
    for (String host : allowedHosts) {
      if (!host.trim().matches("\\*|[A-Za-z0-9._-]+\\.?")) {
        throw new ParameterException(
            spec.commandLine(),
            "--allowed-hosts: \"" + host + "\" (expected: host names without port, or *)");
      }
    }
    return new ServerSettings.Limits(
        allowedHosts,
        dnsRateLimit == null ? -1 : dnsRateLimit,
        maxWatchesPerClient,
        maxConnectionsPerClient,
        maxSessionsPerClient,
        rateLimit,
        rateLimitBurst,
        maxWatchesPerToken,
        maxSessionsPerToken);
  }

  private void positive(String flag, int value) {
    if (value < 1) {
      throw new ParameterException(spec.commandLine(), flag + ": " + value + " (expected: >= 1)");
    }
  }

  /**
   * The xDS front door's flags, checked as {@code XdsOptions} would check them but naming the flag;
   * given without --xds-port they are a usage error rather than ignored.
   */
  private ServerSettings.Xds xdsSettings() {
    ServerSettings.Xds d = ServerSettings.Xds.DEFAULTS;
    if (xdsPort == -1) {
      String given =
          xdsNamespaces != null
              ? "--xds-namespaces"
              : xdsPortName != null
                  ? "--xds-port-name"
                  : xdsRetryUnavailable != null
                      ? (xdsRetryUnavailable
                          ? "--xds-retry-unavailable"
                          : "--no-xds-retry-unavailable")
                      : xdsTokenCheckInterval != null
                          ? "--xds-token-check-interval"
                          : xdsMaxFilteredSnapshots != null ? "--xds-max-filtered-snapshots" : null;
      if (given != null) {
        throw new ParameterException(
            spec.commandLine(), given + ": needs --xds-port (the xDS front door is off)");
      }
      return d;
    }
    List<String> namespaces = xdsNamespaces == null ? d.namespaces() : xdsNamespaces;
    if (namespaces.isEmpty()) {
      throw new ParameterException(
          spec.commandLine(), "--xds-namespaces: none (expected: at least one namespace)");
    }
    Set<String> seen = new HashSet<>();
    for (String namespace : namespaces) {
      checkLabel("--xds-namespaces", namespace);
      if (!seen.add(namespace)) {
        throw new ParameterException(
            spec.commandLine(),
            "--xds-namespaces: \"" + namespace + "\" named twice (expected: distinct namespaces)");
      }
    }
    String portName = xdsPortName == null ? d.portName() : xdsPortName;
    checkLabel("--xds-port-name", portName);
    Duration interval =
        xdsTokenCheckInterval == null ? d.tokenCheckInterval() : xdsTokenCheckInterval;
    if (interval.isNegative() || interval.isZero()) {
      throw new ParameterException(
          spec.commandLine(),
          "--xds-token-check-interval: "
              + dev.cairn.common.Durations.format(interval)
              + " (expected: more than 0s)");
    }
    int maxFiltered =
        xdsMaxFilteredSnapshots == null ? d.maxFilteredSnapshots() : xdsMaxFilteredSnapshots;
    if (maxFiltered < 0) {
      throw new ParameterException(
          spec.commandLine(), "--xds-max-filtered-snapshots: " + maxFiltered + " (expected: >= 0)");
    }
    return new ServerSettings.Xds(
        namespaces,
        portName,
        xdsRetryUnavailable == null ? d.retryUnavailable() : xdsRetryUnavailable,
        interval,
        maxFiltered);
  }

  // A usage error naming the flag when value is not a DNS label (a namespace, a port name).
  private void checkLabel(String flag, String value) {
    try {
      Names.checkLabel(flag, value);
    } catch (CairnException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  /** The cluster flags, checked; {@link ServerSettings.Cluster#SINGLE} without --peers. */
  private ServerSettings.Cluster cluster() {
    if (segmentSize != 0 && segmentSize < 65_536) {
      throw new ParameterException(
          spec.commandLine(), "--segment-size: " + segmentSize + " (expected: >= 65536)");
    }
    if (snapshotEvery != null && snapshotEvery < 1) {
      throw new ParameterException(
          spec.commandLine(), "--snapshot-every: " + snapshotEvery + " (expected: >= 1 entries)");
    }
    checkElectionTimeout();
    if (minFreeDisk < -1) {
      throw new ParameterException(
          spec.commandLine(), "--min-free-disk: " + minFreeDisk + " (expected: >= 0)");
    }
    if (writeTimeout.toMillis() < 100 || writeTimeout.toMillis() > 600_000) {
      throw new ParameterException(
          spec.commandLine(),
          "--write-timeout: " + writeTimeout.toMillis() + "ms" + " (expected: 100ms..10m)");
    }
    if (nodeId == null && peers == null) {
      if (join) {
        throw new ParameterException(
            spec.commandLine(), "--join: needs --node-id and --peers (the member to start)");
      }
      if (advertiseAddress != null) {
        throw new ParameterException(
            spec.commandLine(),
            "--advertise-address: needs --node-id and --peers (a cluster member's option)");
      }
      return new ServerSettings.Cluster(
          null,
          null,
          clusterName,
          false,
          electionTimeout,
          writeTimeout,
          snapshotEvery == null ? 0 : snapshotEvery,
          segmentSize,
          minFreeDisk,
          null);
    }
    if (nodeId == null || peers == null) {
      throw new ParameterException(
          spec.commandLine(),
          nodeId == null
              ? "--peers: needs --node-id (this member's id, one of the peers)"
              : "--node-id: needs --peers (every member's id=host:port)");
    }
    if (inMemory) {
      throw new ParameterException(
          spec.commandLine(), "--in-memory: a cluster member keeps its log in --data-dir");
    }
    ClusterPeers.Peer me;
    try {
      ClusterPeers.checkId("--node-id", nodeId);
      ClusterPeers.checkId("--cluster-name", clusterName);
      me =
          ClusterPeers.parse(peers).stream()
              .filter(p -> p.id().equals(nodeId))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "--peers: no member with this node's id \""
                              + nodeId
                              + "\" (expected: --peers to list every member, this one too)"));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    checkApartFromRaft(me);
    if (advertiseAddress != null) {
      try {
        dev.cairn.server.CairnServer.builder().advertiseAddress(advertiseAddress);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(
            spec.commandLine(),
            e.getMessage().replace("advertiseAddress:", "--advertise-address:"));
      }
    }
    checkRaftPort(me);
    return new ServerSettings.Cluster(
        nodeId,
        peers,
        clusterName,
        join,
        electionTimeout,
        writeTimeout,
        snapshotEvery == null ? 0 : snapshotEvery,
        segmentSize,
        minFreeDisk,
        advertiseAddress);
  }

  // This server's TCP listeners by flag, those given a port (not 0, not off).
  private Map<String, Integer> tcpPorts() {
    Map<String, Integer> ports = new LinkedHashMap<>();
    ports.put("--http-port", httpPort);
    ports.put("--grpc-port", grpcPort);
    ports.put("--dns-port", dnsPort);
    ports.put("--xds-port", xdsPort);
    ports.put("--prometheus-sd-port", prometheusSdPort);
    ports.put("--consul-port", consulPort);
    ports.put("--eureka-port", eurekaPort);
    ports.values().removeIf(port -> port <= 0);
    return ports;
  }

  /**
   * Two listeners on one port are a usage error: each port is free when checked, and the second
   * listener would fail only after the first started.
   */
  private void checkPortsApart() {
    Map<Integer, String> taken = new HashMap<>();
    tcpPorts()
        .forEach(
            (flag, port) -> {
              String before = taken.putIfAbsent(port, flag);
              if (before != null) {
                throw new ParameterException(
                    spec.commandLine(),
                    flag + ": " + port + " (expected: a port other than " + before + ")");
              }
            });
  }

  /** Like {@link #checkPortsApart} for this member's Raft port, which Ratis binds first. */
  private void checkApartFromRaft(ClusterPeers.Peer me) {
    tcpPorts()
        .forEach(
            (flag, port) -> {
              if (port == me.port()) {
                throw new ParameterException(
                    spec.commandLine(),
                    flag
                        + ": "
                        + port
                        + " (expected: a port other than this member's Raft port in --peers, "
                        + me
                        + ")");
              }
            });
  }

  private void checkElectionTimeout() {
    if (electionTimeout.toMillis() < 100 || electionTimeout.toMillis() > 60_000) {
      throw new ParameterException(
          spec.commandLine(),
          "--election-timeout: " + electionTimeout.toMillis() + "ms" + " (expected: 100ms..60s)");
    }
  }

  /**
   * Fails early, like {@link #checkPort}, when this member's Raft address in --peers cannot be
   * listened on: Ratis would fail later with a stack trace.
   */
  private void checkRaftPort(ClusterPeers.Peer me) {
    InetSocketAddress address = new InetSocketAddress(me.host(), me.port());
    if (address.isUnresolved()) {
      throw new CliException(
          ExitCode.CANNOT_START,
          "cannot listen for raft on "
              + me.address()
              + ": unknown host (this member's address in --peers)");
    }
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(address);
    } catch (IOException e) {
      throw new CliException(
          ExitCode.CANNOT_START,
          "cannot listen for raft on "
              + me.address()
              + ": "
              + describe(e)
              + " (this member's address in --peers)");
    }
  }

  /** The server closed itself: {@link #call()} returns with {@link ExitCode#SERVER_FAILED}. */
  private void failed(Throwable error) {
    if (error == null || !stopping.compareAndSet(false, true)) {
      return; // closed by stop(), or stopping already
    }
    failure = error;
    stopped.countDown();
  }

  /**
   * Closes the server and lets {@link #call()} return. Called by the shutdown hook, or by tests;
   * safe from any thread, more than once; does nothing before the server started.
   */
  void stop() {
    EmbeddedServer s = server;
    if (s == null || !stopping.compareAndSet(false, true)) {
      return;
    }
    PrintWriter err = spec.commandLine().getErr();
    err.println("cairn: shutting down");
    err.flush();
    s.close();
    stopped.countDown();
  }

  /**
   * Fails early with a clear message when {@code port} is taken on the bind address, or the address
   * is not local (also checked for port 0). The server's own bind may still fail (a race); that
   * also ends in {@link ExitCode#CANNOT_START}.
   */
  private void checkPort(String protocol, int port) {
    if (port < 0 || port > 65_535) {
      throw new ParameterException(
          spec.commandLine(), "--" + protocol + "-port: " + port + " (expected: 0..65535)");
    }
    PortCheck.tcp(protocol, bindAddress(port), "--" + protocol + "-port", "");
  }

  /**
   * Like {@link #checkPort} for a UDP port (DNS listens on both): a UDP port in use would otherwise
   * fail the start only after the server opened everything else.
   */
  private void checkUdpPort(String protocol, int port) {
    if (port == 0) {
      return; // the server picks a free one
    }
    PortCheck.udp(protocol, bindAddress(port), "--" + protocol + "-port", "");
  }

  private InetSocketAddress bindAddress(int port) {
    try {
      return new InetSocketAddress(InetAddress.getByName(bind), port);
    } catch (UnknownHostException e) {
      throw new CliException(ExitCode.CANNOT_START, "bind: \"" + bind + "\" (unknown host)");
    }
  }

  /** A front door's port: -1 (off), or a port {@link #checkPort} accepts. */
  private void checkOptionalPort(String protocol, int port) {
    if (port < -1 || port > 65_535) {
      throw new ParameterException(
          spec.commandLine(),
          "--" + protocol + "-port: " + port + " (expected: -1 (off) or 0..65535)");
    }
    if (port != -1) {
      checkPort(protocol, port);
    }
  }

  private static Path absolute(Path file) {
    return file == null ? null : file.toAbsolutePath().normalize();
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof java.util.concurrent.CompletionException && e.getCause() != null
        ? e.getCause()
        : e;
  }

  private static String describe(Throwable e) {
    return Failures.describe(e);
  }
}
