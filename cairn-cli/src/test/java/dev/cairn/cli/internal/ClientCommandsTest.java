package dev.cairn.cli.internal;

import static dev.cairn.cli.internal.CliRun.cairn;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.testing.CairnServerExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ClientCommandsTest {

  @RegisterExtension final CairnServerExtension server = CairnServerExtension.inMemory();

  private String url;

  @BeforeEach
  void serverUrl() {
    url = server.httpUri().toString();
  }

  @Test
  void registerThenInstancesShowsAnAlignedTable() {
    CliRun register =
        cairn(
            "register",
            "web",
            "--server",
            url,
            "--id",
            "web-1",
            "--address",
            "127.0.0.1",
            "--port",
            "http=8080",
            "--port",
            "grpc=9090",
            "--tag",
            "v1",
            "--meta",
            "k=v",
            "--weight",
            "5",
            "--zone",
            "z1");
    assertThat(register.exitCode()).as("%s", register).isZero();
    assertThat(register.out()).startsWith("registered web/web-1 at revision ");
    cairn("register", "web", "--server", url, "--id", "web-2", "--address", "10.0.0.22");

    CliRun instances = cairn("instances", "web", "--server", url);

    assertThat(instances.exitCode()).as("%s", instances).isZero();
    String[] lines = instances.out().split("\n");
    assertThat(lines).hasSize(3);
    assertThat(lines[0].split(" +"))
        .containsExactly(
            "ID", "ADDRESS", "PORTS", "TAGS", "ZONE", "WEIGHT", "HEALTH", "KIND", "METADATA");
    assertThat(lines[1].split(" +")).contains("web-1", "127.0.0.1", "v1", "z1", "5", "k=v");
    assertThat(lines[1]).contains("http=8080").contains("grpc=9090");
    assertThat(lines[2].split(" +")).contains("web-2", "10.0.0.22");
    // Aligned: each column starts at the same offset in every line.
    assertThat(lines[1].indexOf("127.0.0.1")).isEqualTo(lines[0].indexOf("ADDRESS"));
    assertThat(lines[2].indexOf("10.0.0.22")).isEqualTo(lines[0].indexOf("ADDRESS"));
  }

  @Test
  void instancesJsonIsTheServersJson() throws IOException {
    cairn(
        "register",
        "web",
        "--server",
        url,
        "--id",
        "web-1",
        "--address",
        "127.0.0.1",
        "--port",
        "http=8080",
        "--tag",
        "v1",
        "--meta",
        "k=v",
        "--weight",
        "5",
        "--zone",
        "z1");

    CliRun run = cairn("instances", "web", "--server", url, "--json");

    assertThat(run.exitCode()).as("%s", run).isZero();
    JsonNode body = HttpApi.JSON.readTree(run.out());
    assertThat(body.path("service").asText()).isEqualTo("web");
    JsonNode instance = body.path("instances").get(0);
    assertThat(instance.path("id").asText()).isEqualTo("web-1");
    assertThat(instance.path("address").asText()).isEqualTo("127.0.0.1");
    assertThat(instance.path("ports").path("http").asInt()).isEqualTo(8080);
    assertThat(instance.path("tags").get(0).asText()).isEqualTo("v1");
    assertThat(instance.path("metadata").path("k").asText()).isEqualTo("v");
    assertThat(instance.path("weight").asInt()).isEqualTo(5);
    assertThat(instance.path("zone").asText()).isEqualTo("z1");
    assertThat(instance.path("kind").asText()).isEqualTo("persistent");
  }

  @Test
  void instancesFiltersByTag() {
    cairn("register", "web", "--server", url, "--id", "a", "--address", "10.0.0.1", "--tag", "v1");
    cairn("register", "web", "--server", url, "--id", "b", "--address", "10.0.0.2", "--tag", "v2");

    CliRun run = cairn("instances", "web", "--server", url, "--tag", "v2");

    assertThat(run.out()).contains("10.0.0.2").doesNotContain("10.0.0.1");
  }

  @Test
  void instancesFiltersByZoneAndHealth() throws Exception {
    cairn("register", "web", "--server", url, "--id", "a", "--address", "10.0.0.1", "--zone", "z1");
    cairn("register", "web", "--server", url, "--id", "b", "--address", "10.0.0.2", "--zone", "z2");
    // The CLI registers passing instances only; a failing one is arranged directly.
    Instance failing =
        Instance.builder("web", "10.0.0.3").id("c").zone("z1").health(Health.CRITICAL).build();
    server.registry().register("default", failing).get(10, TimeUnit.SECONDS);

    CliRun zone = cairn("instances", "web", "--server", url, "--zone", "z1");
    CliRun healthy = cairn("instances", "web", "--server", url, "--zone", "z1", "--healthy");

    assertThat(zone.out()).contains("10.0.0.1", "10.0.0.3").doesNotContain("10.0.0.2");
    assertThat(healthy.out()).contains("10.0.0.1").doesNotContain("10.0.0.2", "10.0.0.3");
  }

  @Test
  void servicesListsEachServiceWithItsCount() throws IOException {
    cairn("register", "web", "--server", url, "--id", "w1", "--address", "10.0.0.1");
    cairn("register", "web", "--server", url, "--id", "w2", "--address", "10.0.0.2");
    cairn("register", "db", "--server", url, "--id", "d1", "--address", "10.0.0.3");

    CliRun table = cairn("services", "--server", url);
    CliRun json = cairn("services", "--server", url, "--json");

    assertThat(table.exitCode()).as("%s", table).isZero();
    String[] lines = table.out().split("\n");
    assertThat(lines[0].split(" +")).containsExactly("SERVICE", "INSTANCES", "PASSING", "REVISION");
    assertThat(Arrays.stream(lines).map(l -> l.split(" +")[0] + " " + l.split(" +")[1]))
        .contains("web 2", "db 1");
    assertThat(HttpApi.JSON.readTree(json.out()).path("services").findValuesAsText("name"))
        .containsExactlyInAnyOrder("web", "db");
  }

  @Test
  void deregisterRemovesTheInstance() {
    cairn("register", "web", "--server", url, "--id", "w1", "--address", "10.0.0.1");

    CliRun run = cairn("deregister", "web", "w1", "--server", url);

    assertThat(run.exitCode()).as("%s", run).isZero();
    assertThat(run.out()).startsWith("deregistered web/w1 at revision ");
    assertThat(cairn("instances", "web", "--server", url).out()).doesNotContain("10.0.0.1");
  }

  @Test
  void deregisterWaitsUntilDrained() {
    cairn("register", "web", "--server", url, "--id", "w1", "--address", "10.0.0.1");

    CliRun run = cairn("deregister", "web", "w1", "--server", url, "--wait-drained");

    assertThat(run.exitCode()).as("%s", run).isZero();
    assertThat(run.out())
        .startsWith("deregistered web/w1 at revision ")
        .containsPattern("\ndrained: 0 watchers received revision \\d+ \\(\\d+ ms\\)\n$");
  }

  @Test
  void deregisterNamesTheWatchersThatDidNotReceiveTheRemoval() throws IOException {
    cairn("register", "web", "--server", url, "--id", "w1", "--address", "10.0.0.1");
    long listed = server.registry().service("default", "web").revision();
    // A long-poll client that got the list once and never polls again.
    try (java.net.Socket poller =
        new java.net.Socket(InetAddress.getLoopbackAddress(), server.httpUri().getPort())) {
      poller
          .getOutputStream()
          .write(
              ("GET /v1/services/web/instances?index="
                      + listed
                      + "&wait=0s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      assertThat(new String(poller.getInputStream().readNBytes(12))).isEqualTo("HTTP/1.1 200");

      CliRun run = cairn("deregister", "web", "w1", "--server", url, "--wait-drained=300ms");

      assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCode.NOT_DRAINED);
      assertThat(run.out())
          .contains("not drained after ")
          .contains("1 of 1 watchers had not received revision ")
          .contains("  long-poll 127.0.0.1:" + poller.getLocalPort())
          .contains("(acknowledged " + listed + ")");
    }
  }

  @Test
  void deregisterOfAnUnknownInstanceExitsWithNotFound() {
    CliRun run = cairn("deregister", "web", "nope", "--server", url);

    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(run.err()).startsWith("error: ").contains("not found");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void badInputPrintsTheServersMessage() {
    CliRun run =
        cairn("register", "web", "--server", url, "--id", "w1", "--address", "h", "--weight", "0");

    assertThat(run.exitCode()).isEqualTo(ExitCode.SERVER_ERROR);
    assertThat(run.err()).isEqualTo("error: weight: 0 (expected: 1..10000)\n");
  }

  @Test
  void unreachableServerExitsWithFour() throws IOException {
    try (Socket refused = refusedPort()) {
      String closed = "http://127.0.0.1:" + refused.getLocalPort();

      CliRun run = cairn("services", "--server", closed);

      assertThat(run.exitCode()).isEqualTo(ExitCode.UNREACHABLE);
      assertThat(run.err()).isEqualTo("error: cannot reach " + closed + ": connection refused\n");
    }
  }

  @Test
  void statusShowsTheServersCounts() throws IOException {
    cairn("register", "web", "--server", url, "--id", "w1", "--address", "10.0.0.1");

    CliRun table = cairn("status", "--server", url);
    CliRun json = cairn("status", "--server", url, "--json");

    assertThat(table.exitCode()).as("%s", table).isZero();
    assertThat(table.out()).contains("version", "revision", "instances").contains(url);
    assertThat(HttpApi.JSON.readTree(json.out()).path("instances").asInt()).isEqualTo(1);
  }

  @Test
  void namespacesAreSeparate() {
    cairn(
        "register", "web", "--server", url, "-n", "team-a", "--id", "w1", "--address", "10.0.0.1");

    assertThat(cairn("instances", "web", "--server", url, "--namespace", "team-a").out())
        .contains("10.0.0.1");
    assertThat(cairn("instances", "web", "--server", url).out()).doesNotContain("10.0.0.1");
  }

  @Test
  void usageErrorsExitWithTwo() {
    assertThat(cairn("register", "web", "--server", url, "--address", "h").exitCode())
        .isEqualTo(ExitCode.USAGE);
    assertThat(cairn("register", "web", "--id", "x", "--address", "h", "--port", "http").exitCode())
        .isEqualTo(ExitCode.USAGE);
    assertThat(cairn("services", "--server", "127.0.0.1:8500").exitCode())
        .isEqualTo(ExitCode.USAGE);
    assertThat(cairn("nonsense").exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(cairn().exitCode()).isEqualTo(ExitCode.USAGE);
  }

  @Test
  void everyCommandHasHelpAndVersion() {
    for (String command :
        new String[] {
          "server", "services", "instances", "register", "deregister", "watch", "status"
        }) {
      CliRun help = cairn(command, "--help");
      assertThat(help.exitCode()).as(command).isZero();
      assertThat(help.out()).as(command).startsWith("Usage: cairn " + command);
    }
    assertThat(cairn("--version").out()).matches("cairn \\d+\\.\\d+\\.\\d+.*\n");
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /**
   * A socket bound to a loopback port that never listens: its port refuses connections until it is
   * closed, from this JVM and from others. A port merely closed before use, as {@link #freePort()}
   * gives, can be bound again by the next ephemeral listener, and then it answers.
   */
  static Socket refusedPort() throws IOException {
    Socket holder = new Socket();
    holder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    return holder;
  }
}
