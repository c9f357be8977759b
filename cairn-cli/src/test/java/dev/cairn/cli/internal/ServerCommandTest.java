package dev.cairn.cli.internal;

import static dev.cairn.cli.internal.CliRun.cairn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ServerCommandTest {

  private static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  private static final String EDS =
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  private static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

  @Test
  void helpListsTheFlags() {
    CliRun run = cairn("server", "--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .contains("--data-dir", "--bind", "--http-port", "--grpc-port")
        .contains(
            "--session-detach-grace",
            "--in-memory",
            "--dns-port",
            "--dns-domain",
            "--dns-ttl",
            "--[no-]metrics",
            "--prometheus-sd-port",
            "--xds-port",
            "--xds-namespaces",
            "--xds-port-name",
            "--[no-]xds-retry-unavailable",
            "--xds-token-check-interval",
            "--xds-max-filtered-snapshots",
            "--consul-port",
            "--eureka-port")
        .contains("default: ./data", "default: 127.0.0.1", "default: 8500", "default: 8501");
    // The description's lines are whole: none is broken in the middle by the 80-column wrap.
    assertThat(run.out().lines())
        .containsSubsequence(
            "Runs a Cairn server until Ctrl-C or SIGTERM.",
            "Then it shuts the server down gracefully.",
            "Prints one line per listener: 'http  listening on http://127.0.0.1:8500'.",
            "Exit codes: 3 when it cannot start (e.g. a port in use: the message names",
            "the flag to change); 6 when it stopped by itself because it could no longer",
            "serve (the log says why); 0 when this cluster member was removed from the",
            "cluster; 9 when its data directory is a removed member's (not restartable).");
    // An option's description on its own line (the column width follows the longest option).
    assertThat(run.out().lines())
        .anyMatch(
            l ->
                l.matches(
                    "      --bind=ADDRESS +Address to listen on \\(default: 127\\.0\\.0\\.1\\)\\."));
  }

  @Test
  void aPortInUseExitsWithThree() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();

      CliRun run =
          cairn("server", "--in-memory", "--http-port", Integer.toString(port), "--grpc-port", "0");

      assertThat(run.exitCode()).isEqualTo(ExitCode.CANNOT_START);
      assertThat(run.err())
          .startsWith("error: cannot listen for http on 127.0.0.1:" + port + ": ")
          .contains("already in use")
          .endsWith("(choose another with --http-port)\n");
    }
  }

  @Test
  void aDnsPortInUseNamesItsFlag() throws IOException {
    // A second local server given only --http-port and --grpc-port still wants DNS on its port.
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();

      CliRun run =
          cairn(
              "server",
              "--in-memory",
              "--http-port",
              "0",
              "--grpc-port",
              "0",
              "--dns-port",
              Integer.toString(port));

      assertThat(run.exitCode()).isEqualTo(ExitCode.CANNOT_START);
      assertThat(run.err())
          .startsWith("error: cannot listen for dns on 127.0.0.1:" + port + ": ")
          .endsWith("(choose another with --dns-port)\n");
    }
  }

  @Test
  void aDnsUdpPortInUseFailsFastNamingItsFlag() throws IOException {
    try (java.net.DatagramSocket taken =
        new java.net.DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      long start = System.nanoTime();

      CliRun run =
          cairn(
              "server",
              "--in-memory",
              "--http-port",
              "0",
              "--grpc-port",
              "0",
              "--dns-port",
              Integer.toString(port));

      assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCode.CANNOT_START);
      assertThat(run.err())
          .isEqualTo(
              "error: cannot listen for dns on 127.0.0.1:"
                  + port
                  + " (udp): address already in use (choose another with --dns-port)\n");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    }
  }

  @Test
  void aDataDirThatIsAFileSaysSo(@TempDir Path dir) throws IOException {
    Path file = java.nio.file.Files.createFile(dir.resolve("afile"));

    CliRun run =
        cairn(
            "server",
            "--data-dir",
            file.toString(),
            "--http-port",
            "0",
            "--grpc-port",
            "0",
            "--dns-port",
            "-1");

    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCode.CANNOT_START);
    assertThat(run.err())
        .isEqualTo("error: cannot start server: --data-dir " + file + ": not a directory\n");
  }

  @Test
  void aMissingTlsFileOfTheServerSaysWhy() {
    CliRun run =
        cairn(
            "server",
            "--in-memory",
            "--http-port",
            "0",
            "--grpc-port",
            "0",
            "--dns-port",
            "-1",
            "--tls-cert",
            "/nonexistent/cert.pem",
            "--tls-key",
            "/nonexistent/key.pem");

    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCode.CANNOT_START);
    assertThat(run.err()).startsWith("error: cannot start server: ").doesNotContain("java.");
    assertThat(run.err()).contains("/nonexistent/").contains(": no such file or directory");
  }

  @Test
  void theSamePortTwiceIsAUsageError() {
    CliRun run = cairn("server", "--http-port", "9000", "--grpc-port", "9000");

    assertThat(run.exitCode()).isEqualTo(ExitCode.USAGE);
  }

  @Test
  void aPeerAddressWrittenTwoWaysIsAUsageErrorNamingBothEntries(@TempDir Path dataDir)
      throws IOException {
    int[] ports = freePorts(2);
    AtomicBoolean started = new AtomicBoolean();

    CliRun run =
        memberThatMustNotStart(
            started,
            dataDir,
            0,
            "n1=127.0.0.1:" + ports[0] + ",n2=localhost:" + ports[0] + ",n3=127.0.0.1:" + ports[1]);

    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCode.USAGE);
    assertThat(run.err().lines().findFirst())
        .hasValue(
            "error: --peers: address 127.0.0.1:"
                + ports[0]
                + " is given to two members (n1=127.0.0.1:"
                + ports[0]
                + " and n2=localhost:"
                + ports[0]
                + ": localhost is 127.0.0.1)");
    assertThat(started).isFalse();
  }

  @Test
  void aRaftPortThatIsAnotherListenersPortIsAUsageErrorNamingBothFlags(@TempDir Path dataDir)
      throws IOException {
    int port = freePorts(1)[0];
    AtomicBoolean started = new AtomicBoolean();

    CliRun run = memberThatMustNotStart(started, dataDir, port, "n1=127.0.0.1:" + port);

    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCode.USAGE);
    assertThat(run.err().lines().findFirst())
        .hasValue(
            "error: --http-port: "
                + port
                + " (expected: a port other than this member's Raft port in --peers, n1=127.0.0.1:"
                + port
                + ")");
    assertThat(started).isFalse();
  }

  /**
   * Runs {@code cairn server} as member n1 of {@code peers}, HTTP on {@code httpPort}, with a
   * starter that only notes it was called in {@code started}.
   */
  private static CliRun memberThatMustNotStart(
      AtomicBoolean started, Path dataDir, int httpPort, String peers) {
    return CliRun.of(new CommandLine(new ServerCommand(notStarting(started))))
        .execute(
            "--data-dir",
            dataDir.toString(),
            "--http-port",
            Integer.toString(httpPort),
            "--grpc-port",
            "0",
            "--dns-port",
            "-1",
            "--node-id",
            "n1",
            "--peers",
            peers);
  }

  @Test
  void twoListenersOnOnePortAreAUsageErrorNamingBothFlags() throws IOException {
    String port = Integer.toString(freePorts(1)[0]);

    CliRun run =
        cairn(
            "server",
            "--in-memory",
            "--http-port",
            "0",
            "--grpc-port",
            port,
            "--dns-port",
            "0",
            "--consul-port",
            port);

    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCode.USAGE);
    assertThat(run.err())
        .startsWith("error: --consul-port: " + port + " (expected: a port other than --grpc-port)");
  }

  /**
   * {@code cairn members add} of a member's address written another way is refused by the cluster:
   * exit code 1 and its message, naming the member that has the address.
   */
  @Test
  void addingAMembersAddressWrittenAnotherWayExitsWithOneNamingTheMember(@TempDir Path dataDir)
      throws Exception {
    int raft = freePorts(1)[0];
    RunningServer n1 =
        RunningServer.start(
            "--data-dir", dataDir.toString(), "--node-id", "n1", "--peers", "n1=127.0.0.1:" + raft);

    CliRun add = cairn("members", "add", "n2=localhost:" + raft, "--server", n1.url());
    CliRun members = cairn("members", "--server", n1.url(), "--json");
    assertThat(n1.stop()).isZero();

    assertThat(add.exitCode()).as("%s", add).isEqualTo(ExitCode.SERVER_ERROR);
    assertThat(add.err())
        .isEqualTo(
            "error: address: localhost:"
                + raft
                + " is member n1's already (n1=127.0.0.1:"
                + raft
                + ": localhost is 127.0.0.1; expected: a new address)\n");
    assertThat(members.out()).contains("\"n1\"").doesNotContain("\"n2\"");
  }

  @Test
  void aZeroElectionTimeoutOrSnapshotIntervalIsAUsageErrorNamingTheRange() {
    CliRun election = cairn("server", "--in-memory", "--election-timeout", "0s");
    CliRun snapshot = cairn("server", "--in-memory", "--snapshot-every", "0");

    assertThat(election.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(election.err()).contains("--election-timeout: 0ms (expected: 100ms..60s)");
    assertThat(snapshot.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(snapshot.err()).contains("--snapshot-every: 0 (expected: >= 1 entries)");
  }

  @Test
  void aProtectionThresholdOutsideZeroToOneIsAUsageError() {
    CliRun run = cairn("server", "--in-memory", "--protection-threshold", "1.5");

    assertThat(run.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(run.err()).contains("--protection-threshold: 1.5 (expected: 0..1)");
  }

  @Test
  void aBadAdvertiseAddressIsAUsageErrorNamingIt(@TempDir Path dataDir) {
    CliRun withPort =
        cairn(
            "server",
            "--data-dir",
            dataDir.toString(),
            "--node-id",
            "n1",
            "--peers",
            "n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7003",
            "--advertise-address",
            "registry.example:8501");
    CliRun single = cairn("server", "--in-memory", "--advertise-address", "registry.example");

    assertThat(withPort.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(withPort.err())
        .contains("--advertise-address: \"registry.example:8501\"")
        .contains("without a port");
    assertThat(single.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(single.err()).contains("--advertise-address: needs --node-id and --peers");
  }

  @Test
  void aDnsPortBelowMinusOneIsAUsageError() {
    CliRun run = cairn("server", "--in-memory", "--dns-port", "-2");

    assertThat(run.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(run.err()).contains("--dns-port: -2 (expected: -1 (off) or 0..65535)");
  }

  @Test
  void aFailedStartExitsWithThree() {
    ServerCommand command =
        new ServerCommand(
            settings -> {
              throw new IOException("Failed to bind", new BindException("Address already in use"));
            });

    CliRun run =
        CliRun.of(new CommandLine(command)).execute("--http-port", "0", "--grpc-port", "0");

    assertThat(run.exitCode()).isEqualTo(ExitCode.CANNOT_START);
    assertThat(run.err()).isEqualTo("error: cannot start server: address already in use\n");
  }

  @Test
  void printsItsListenersAndStopsGracefully() throws Exception {
    AtomicReference<ServerSettings> asked = new AtomicReference<>();
    AtomicBoolean closed = new AtomicBoolean();
    ServerCommand command =
        new ServerCommand(
            settings -> {
              asked.set(settings);
              return new EmbeddedServer() {
                @Override
                public java.util.List<String> listenerLines() {
                  return java.util.List.of(
                      "http  listening on http://127.0.0.1:18500",
                      "grpc  listening on 127.0.0.1:18501");
                }

                @Override
                public CompletableFuture<Void> whenClosed() {
                  return new CompletableFuture<>();
                }

                @Override
                public void close() {
                  closed.set(true);
                }
              };
            });
    CliRun run = CliRun.of(new CommandLine(command));
    CompletableFuture<CliRun> done =
        CompletableFuture.supplyAsync(
            () ->
                run.execute(
                    "--http-port",
                    "0",
                    "--grpc-port",
                    "0",
                    "--session-detach-grace",
                    "15s",
                    "--protection-threshold",
                    "0.4",
                    "--data-dir",
                    "some/dir",
                    "--dns-port",
                    "0",
                    "--dns-ttl",
                    "5s",
                    "--allowed-hosts",
                    "cairn.internal,registry.example",
                    "--dns-rate-limit",
                    "50",
                    "--max-sessions-per-client",
                    "10",
                    "--rate-limit",
                    "200",
                    "--max-sessions-per-token",
                    "5",
                    "--no-metrics"));
    await().atMost(10, TimeUnit.SECONDS).until(() -> run.out().contains("grpc  listening"));

    command.stop();

    assertThat(done.get(10, TimeUnit.SECONDS).exitCode()).isZero();
    assertThat(closed).isTrue();
    assertThat(run.out())
        .isEqualTo(
            "http  listening on http://127.0.0.1:18500\ngrpc  listening on 127.0.0.1:18501\n");
    assertThat(asked.get().detachGrace()).hasSeconds(15);
    assertThat(asked.get().protectionThreshold()).isEqualTo(0.4);
    assertThat(asked.get().dataDir()).isAbsolute().endsWithRaw(Path.of("some", "dir"));
    assertThat(asked.get().bind()).isEqualTo("127.0.0.1");
    assertThat(asked.get().inMemory()).isFalse();
    assertThat(asked.get().metrics()).isFalse();
    assertThat(asked.get().dns())
        .isEqualTo(new ServerSettings.Dns(0, "cairn", Duration.ofSeconds(5)));
    assertThat(asked.get().limits())
        .isEqualTo(
            new ServerSettings.Limits(
                List.of("cairn.internal", "registry.example"), 50, 1000, 1024, 10, 200, 0, 0, 5));
  }

  @Test
  void aServerThatClosesItselfExitsWithSixSayingWhy() throws Exception {
    CompletableFuture<Void> serverClosed = new CompletableFuture<>();
    ServerCommand command =
        new ServerCommand(
            settings ->
                new EmbeddedServer() {
                  @Override
                  public List<String> listenerLines() {
                    return List.of("http  listening on http://127.0.0.1:18500");
                  }

                  @Override
                  public CompletableFuture<Void> whenClosed() {
                    return serverClosed.copy();
                  }

                  @Override
                  public void close() {}
                });
    CliRun run = CliRun.of(new CommandLine(command));
    CompletableFuture<CliRun> done =
        CompletableFuture.supplyAsync(() -> run.execute("--http-port", "0", "--grpc-port", "0"));
    await().atMost(10, TimeUnit.SECONDS).until(() -> run.out().contains("http  listening"));

    serverClosed.completeExceptionally(
        dev.cairn.common.CairnException.of(
            dev.cairn.common.ErrorCode.UNAVAILABLE,
            "command log failed: applying log entry 7 threw java.lang.StackOverflowError"));

    assertThat(done.get(10, TimeUnit.SECONDS).exitCode()).isEqualTo(ExitCode.SERVER_FAILED);
    assertThat(run.err())
        .isEqualTo(
            "error: the server stopped: command log failed: applying log entry 7 threw"
                + " java.lang.StackOverflowError (the log above says more; restart it)\n");
  }

  @Test
  void runsARealServerUntilStopped() throws Exception {
    RunningServer server = RunningServer.start("--in-memory");

    CliRun status = cairn("status", "--server", server.url());
    int exitCode = server.stop();

    assertThat(status.exitCode()).as("%s", status).isZero();
    assertThat(exitCode).isZero();
    assertThat(server.run.out().lines())
        .satisfiesExactly(
            l -> assertThat(l).matches("http  listening on http://127\\.0\\.0\\.1:\\d+"),
            l -> assertThat(l).matches("grpc  listening on 127\\.0\\.0\\.1:\\d+"),
            l -> assertThat(l).matches("dns   listening on udp\\+tcp 127\\.0\\.0\\.1:\\d+"));
    assertThat(server.run.err()).contains("cairn: shutting down");
  }

  @Test
  void keepsItsRegistryInTheDataDir(@TempDir Path dataDir) throws Exception {
    RunningServer first = RunningServer.start("--data-dir", dataDir.toString());
    CliRun register =
        cairn("register", "web", "--server", first.url(), "--id", "w1", "--address", "10.0.0.1");
    assertThat(register.exitCode()).as("%s", register).isZero();
    assertThat(first.stop()).isZero();

    RunningServer second = RunningServer.start("--data-dir", dataDir.toString());
    CliRun instances = cairn("instances", "web", "--server", second.url());
    assertThat(second.stop()).isZero();

    assertThat(instances.out()).contains("w1", "10.0.0.1");
  }

  @Test
  void repairRefusesARunningServersDirectoryAndLeavesAnIntactLogAlone(@TempDir Path dataDir)
      throws Exception {
    RunningServer server = RunningServer.start("--data-dir", dataDir.toString());
    CliRun inUse = cairn("repair", "--data-dir", dataDir.toString());
    assertThat(server.stop()).isZero();
    CliRun intact = cairn("repair", "--data-dir", dataDir.toString());

    assertThat(inUse.exitCode()).as("%s", inUse).isEqualTo(ExitCode.CANNOT_START);
    assertThat(inUse.err()).startsWith("error: repair: data directory ").contains("in use");
    assertThat(intact.exitCode()).as("%s", intact).isZero();
    assertThat(intact.out())
        .isEqualTo("the command log in " + dataDir + " is intact; nothing changed\n");
  }

  @Test
  void aLogDamagedBeforeItsTailRefusesToStartUntilRepaired(@TempDir Path dataDir) throws Exception {
    RunningServer first = RunningServer.start("--data-dir", dataDir.toString());
    for (int i = 0; i < 20; i++) {
      CliRun r =
          cairn(
              "register", "web", "--server", first.url(), "--id", "w" + i, "--address", "10.0.0.1");
      assertThat(r.exitCode()).as("%s", r).isZero();
    }
    assertThat(first.stop()).isZero();
    Path segment;
    try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(dataDir)) {
      segment =
          files
              .filter(p -> p.getFileName().toString().startsWith("log_inprogress_"))
              .findFirst()
              .orElseThrow();
    }
    byte[] bytes = java.nio.file.Files.readAllBytes(segment);
    int written = bytes.length;
    while (bytes[written - 1] == 0) {
      written--;
    }
    bytes[written / 2] ^= 0x5A; // many entries follow it
    java.nio.file.Files.write(segment, bytes);

    CliRun refused =
        cairn(
            "server",
            "--data-dir",
            dataDir.toString(),
            "--http-port",
            "0",
            "--grpc-port",
            "0",
            "--dns-port",
            "0");
    CliRun repair = cairn("repair", "--data-dir", dataDir.toString());
    RunningServer repaired = RunningServer.start("--data-dir", dataDir.toString());
    CliRun instances = cairn("instances", "web", "--server", repaired.url());
    assertThat(repaired.stop()).isZero();

    assertThat(refused.exitCode()).as("%s", refused).isEqualTo(ExitCode.CANNOT_START);
    assertThat(refused.err())
        .startsWith(
            "error: cannot start server: command log damaged before its tail: "
                + segment
                + " at byte offset ")
        .contains("cairn repair --data-dir " + dataDir);
    assertThat(repair.exitCode()).as("%s", repair).isZero();
    assertThat(repair.out())
        .startsWith("dropped " + segment + " from byte offset ")
        .contains("; the latest snapshot keeps the entries up to log index ");
    // The snapshot taken when the first server stopped still holds every registration.
    assertThat(instances.out()).contains("w0", "w19");
  }

  @Test
  void repairOfAMissingDirectoryExitsWithThree(@TempDir Path dir) {
    CliRun run = cairn("repair", "--data-dir", dir.resolve("nope").toString());

    assertThat(run.exitCode()).isEqualTo(ExitCode.CANNOT_START);
    assertThat(run.err())
        .isEqualTo("error: repair: data directory " + dir.resolve("nope") + " does not exist\n");
  }

  @Test
  void repairNeedsADataDir() {
    assertThat(cairn("repair").exitCode()).isEqualTo(ExitCode.USAGE);
  }

  @Test
  void frontDoorsAreOffUnlessAPortIsGiven() throws Exception {
    RunningServer plain = RunningServer.start("--in-memory");
    assertThat(plain.run.out()).doesNotContain("prometheus-sd").doesNotContain("xds");
    assertThat(plain.stop()).isZero();

    RunningServer withSd =
        RunningServer.start(
            "--in-memory",
            "--prometheus-sd-port",
            "0",
            "--xds-port",
            "0",
            "--consul-port",
            "0",
            "--eureka-port",
            "0");
    assertThat(withSd.run.out())
        .containsPattern("consul  listening on http://127\\.0\\.0\\.1:\\d+\n")
        .containsPattern("eureka  listening on http://127\\.0\\.0\\.1:\\d+/eureka/");
    assertThat(withSd.run.out()).containsPattern("xds   listening on 127\\.0\\.0\\.1:\\d+");
    String targets =
        withSd.run.out().replaceAll("(?s).*prometheus-sd  listening on (\\S+).*", "$1");
    java.net.http.HttpResponse<String> r =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(targets)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(targets).startsWith("http://127.0.0.1:").endsWith("/targets");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("[]");
    assertThat(withSd.stop()).isZero();
  }

  @Test
  void aFrontDoorPortBelowMinusOneIsAUsageError() {
    CliRun run = cairn("server", "--in-memory", "--prometheus-sd-port", "-2");

    assertThat(run.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(run.err()).contains("--prometheus-sd-port: -2 (expected: -1 (off) or 0..65535)");
  }

  @Test
  void theXdsFlagsServeTheNamespacesPortNameAndRetriesTheyName() throws Exception {
    RunningServer server =
        RunningServer.start(
            "--in-memory",
            "--xds-port",
            "0",
            "--xds-namespaces",
            "default,staging",
            "--xds-port-name",
            "http",
            "--no-xds-retry-unavailable");
    try {
      for (String namespace : List.of("staging", "prod")) {
        CliRun register =
            cairn(
                "register",
                "hello",
                "--server",
                server.url(),
                "-n",
                namespace,
                "--id",
                "h-" + namespace,
                "--address",
                "127.0.0.1",
                "--port",
                "grpc=9000",
                "--port",
                "http=9001");
        assertThat(register.exitCode()).as("%s", register).isZero();
      }
      int xdsPort =
          Integer.parseInt(
              server
                  .run
                  .out()
                  .replaceAll("(?s).*xds   listening on 127\\.0\\.0\\.1:(\\d+).*", "$1"));

      // The namespace named by the flag is served with its suffix; one not named is not.
      await()
          .atMost(30, TimeUnit.SECONDS)
          .until(
              () -> adsFetch(xdsPort, CDS).stream().map(this::clusterName).toList(),
              names -> names.contains("hello.staging"));
      assertThat(adsFetch(xdsPort, CDS).stream().map(this::clusterName).toList())
          .containsExactly("hello.staging");
      // Endpoints use the port named by --xds-port-name.
      List<Any> eds = adsFetch(xdsPort, EDS, "hello.staging");
      ClusterLoadAssignment assignment = eds.get(0).unpack(ClusterLoadAssignment.class);
      assertThat(
              assignment
                  .getEndpoints(0)
                  .getLbEndpoints(0)
                  .getEndpoint()
                  .getAddress()
                  .getSocketAddress()
                  .getPortValue())
          .isEqualTo(9001);
      // --no-xds-retry-unavailable: routes carry no retry policy.
      RouteConfiguration route =
          adsFetch(xdsPort, RDS, "hello.staging").get(0).unpack(RouteConfiguration.class);
      assertThat(route.getVirtualHosts(0).getRoutes(0).getRoute().getCluster())
          .isEqualTo("hello.staging");
      assertThat(route.getVirtualHosts(0).getRoutes(0).getRoute().hasRetryPolicy()).isFalse();
    } finally {
      assertThat(server.stop()).isZero();
    }
  }

  @Test
  void badXdsFlagsAreUsageErrorsNamingTheFlag() {
    assertUsageError(
        "--xds-namespaces: \"Staging\"", "--xds-port", "0", "--xds-namespaces", "Staging");
    assertUsageError("--xds-namespaces: \"\"", "--xds-port", "0", "--xds-namespaces", "");
    assertUsageError(
        "--xds-namespaces: \"staging\" named twice (expected: distinct namespaces)",
        "--xds-port",
        "0",
        "--xds-namespaces",
        "staging,staging");
    assertUsageError(
        "--xds-port-name: \"grpc_port\"", "--xds-port", "0", "--xds-port-name", "grpc_port");
    assertUsageError(
        "--xds-token-check-interval: 0s (expected: more than 0s)",
        "--xds-port",
        "0",
        "--xds-token-check-interval",
        "0s");
    assertUsageError(
        "--xds-token-check-interval: '-5s' (expected: a duration",
        "--xds-port",
        "0",
        "--xds-token-check-interval",
        "-5s");
    assertUsageError(
        "--xds-max-filtered-snapshots: -1 (expected: >= 0)",
        "--xds-port",
        "0",
        "--xds-max-filtered-snapshots",
        "-1");
    assertUsageError(
        "--xds-namespaces: needs --xds-port (the xDS front door is off)",
        "--xds-namespaces",
        "staging");
    assertUsageError("--no-xds-retry-unavailable: needs --xds-port", "--no-xds-retry-unavailable");
  }

  // `cairn server` with these flags (on free ports, nothing on disk) exits with USAGE saying this.
  private static void assertUsageError(String message, String... flags) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "server",
                "--in-memory",
                "--http-port",
                "0",
                "--grpc-port",
                "0",
                "--dns-port",
                "-1"));
    args.addAll(List.of(flags));
    CliRun run = cairn(args.toArray(String[]::new));

    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCode.USAGE);
    assertThat(run.err()).contains(message);
  }

  private String clusterName(Any any) {
    try {
      return any.unpack(Cluster.class).getName();
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  // The resources of typeUrl (the named ones, or all) in one state-of-the-world ADS fetch.
  private static List<Any> adsFetch(int port, String typeUrl, String... names) throws Exception {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      BlockingQueue<Object> received = new LinkedBlockingQueue<>();
      StreamObserver<DiscoveryRequest> requests =
          AggregatedDiscoveryServiceGrpc.newStub(channel)
              .streamAggregatedResources(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(DiscoveryResponse value) {
                      received.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                      received.add(t);
                    }

                    @Override
                    public void onCompleted() {
                      received.add("completed");
                    }
                  });
      requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(Node.newBuilder().setId("cli-test").setCluster("test"))
              .setTypeUrl(typeUrl)
              .addAllResourceNames(List.of(names))
              .build());
      Object first = received.poll(30, TimeUnit.SECONDS);
      assertThat(first).as("the first response").isInstanceOf(DiscoveryResponse.class);
      return ((DiscoveryResponse) first).getResourcesList();
    } finally {
      channel.shutdownNow();
    }
  }

  /** {@code cairn server} on free ports, run on another thread until {@link #stop()}. */
  // A starter that notes it was asked and fails: for checks that must refuse before it.
  private static EmbeddedServer.Starter notStarting(AtomicBoolean started) {
    return settings -> {
      started.set(true);
      throw new IOException("the server was started");
    };
  }

  // Distinct ports free when this returns.
  private static int[] freePorts(int n) throws IOException {
    List<ServerSocket> open = new ArrayList<>();
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        open.add(s);
        ports[i] = s.getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket s : open) {
        s.close();
      }
    }
  }

  private static final class RunningServer {
    final CliRun run = CliRun.prepare();
    final CompletableFuture<CliRun> done;

    private RunningServer(String... flags) {
      List<String> args =
          new ArrayList<>(
              List.of("server", "--http-port", "0", "--grpc-port", "0", "--dns-port", "0"));
      args.addAll(List.of(flags));
      done = CompletableFuture.supplyAsync(() -> run.execute(args.toArray(String[]::new)));
    }

    static RunningServer start(String... flags) {
      RunningServer s = new RunningServer(flags);
      await()
          .atMost(60, TimeUnit.SECONDS)
          .until(() -> s.run.out().contains("grpc  listening") || s.done.isDone());
      assertThat(s.run.out()).as("%s", s.run).contains("grpc  listening");
      return s;
    }

    String url() {
      return run.out().replaceAll("(?s).*http  listening on (\\S+).*", "$1");
    }

    int stop() throws Exception {
      ((ServerCommand) run.commandLine().getSubcommands().get("server").getCommand()).stop();
      return done.get(60, TimeUnit.SECONDS).exitCode();
    }
  }
}
