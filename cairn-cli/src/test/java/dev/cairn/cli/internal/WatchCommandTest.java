package dev.cairn.cli.internal;

import static dev.cairn.cli.internal.CliRun.cairn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.testing.CairnServerExtension;
import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class WatchCommandTest {

  @RegisterExtension final CairnServerExtension server = CairnServerExtension.inMemory();

  private String url;

  @BeforeEach
  void serverUrl() {
    url = server.httpUri().toString();
  }

  @Test
  void printsALineWhenAnotherCommandRegisters() throws Exception {
    cairn("register", "web", "--server", url, "--id", "web-1", "--address", "10.0.0.1");
    CliRun watch = CliRun.prepare();
    CompletableFuture<CliRun> done =
        CompletableFuture.supplyAsync(
            () ->
                watch.execute(
                    "watch", "web", "--server", url, "--max-events", "1", "--timeout", "30s"));
    await().atMost(10, TimeUnit.SECONDS).until(() -> watch.out().contains("watching web"));

    cairn("register", "web", "--server", url, "--id", "web-2", "--address", "10.0.0.2");

    CliRun run = done.get(30, TimeUnit.SECONDS);
    assertThat(run.exitCode()).as("%s", run).isZero();
    List<String> lines = List.of(run.out().split("\n"));
    assertThat(lines.get(0)).isEqualTo("watching web at revision 1: 1 instance");
    assertThat(lines.get(1)).startsWith("  web-1  10.0.0.1");
    assertThat(lines.get(2)).startsWith("added    web-2  10.0.0.2").endsWith("(revision 2)");
    assertThat(lines).hasSize(3);
  }

  @Test
  void printsRemovedAndUpdatedLines() throws Exception {
    cairn("register", "web", "--server", url, "--id", "web-1", "--address", "10.0.0.1");
    CliRun watch = CliRun.prepare();
    CompletableFuture<CliRun> done =
        CompletableFuture.supplyAsync(
            () ->
                watch.execute(
                    "watch", "web", "--server", url, "--max-events", "2", "--timeout", "30s"));
    await().atMost(10, TimeUnit.SECONDS).until(() -> watch.out().contains("watching web"));

    cairn("register", "web", "--server", url, "--id", "web-1", "--address", "10.0.0.9");
    cairn("deregister", "web", "web-1", "--server", url);

    CliRun run = done.get(30, TimeUnit.SECONDS);
    assertThat(run.out())
        .contains("\nupdated  web-1  10.0.0.9")
        .contains("\nremoved  web-1  10.0.0.9");
  }

  @Test
  void jsonPrintsOneEventPerLine() throws Exception {
    CliRun watch = CliRun.prepare();
    CompletableFuture<CliRun> done =
        CompletableFuture.supplyAsync(
            () ->
                watch.execute(
                    "watch",
                    "web",
                    "--server",
                    url,
                    "--json",
                    "--max-events",
                    "1",
                    "--timeout",
                    "30s"));
    await().atMost(10, TimeUnit.SECONDS).until(() -> watch.out().contains("snapshot"));

    cairn("register", "web", "--server", url, "--id", "web-1", "--address", "10.0.0.1");

    CliRun run = done.get(30, TimeUnit.SECONDS);
    List<JsonNode> events = new ArrayList<>();
    for (String line : run.out().split("\n")) {
      events.add(HttpApi.JSON.readTree(line));
    }
    assertThat(events).hasSize(2);
    assertThat(events.get(0).path("event").asText()).isEqualTo("snapshot");
    assertThat(events.get(1).path("event").asText()).isEqualTo("added");
    assertThat(events.get(1).path("instance").path("id").asText()).isEqualTo("web-1");
  }

  @Test
  void startsOverWhenTheServerForgotTheRevision() throws Exception {
    CliRun watch = CliRun.prepare();
    CompletableFuture<CliRun> done =
        CompletableFuture.supplyAsync(
            () ->
                watch.execute(
                    "watch", "web", "--server", url, "--max-events", "5", "--timeout", "30s"));
    await().atMost(10, TimeUnit.SECONDS).until(() -> watch.out().contains("watching web"));
    cairn("register", "web", "--server", url, "--id", "a", "--address", "10.0.0.1");
    cairn("register", "web", "--server", url, "--id", "b", "--address", "10.0.0.2");
    await().atMost(10, TimeUnit.SECONDS).until(() -> watch.out().contains("added    b"));

    server.restart(); // in memory: the new server has never seen revision 2
    cairn("register", "web", "--server", url, "--id", "c", "--address", "10.0.0.3");

    CliRun run = done.get(30, TimeUnit.SECONDS);
    assertThat(run.exitCode()).as("%s", run).isZero();
    assertThat(run.out().lines().filter(l -> !l.startsWith("watching")))
        .hasSize(5)
        .anyMatch(l -> l.startsWith("removed  a  10.0.0.1"))
        .anyMatch(l -> l.startsWith("removed  b  10.0.0.2"))
        .anyMatch(l -> l.startsWith("added    c  10.0.0.3"));
  }

  @Test
  void stopsByItselfAtTheTimeout() {
    CliRun run = cairn("watch", "web", "--server", url, "--timeout", "200ms");

    assertThat(run.exitCode()).as("%s", run).isZero();
    assertThat(run.out()).isEqualTo("watching web at revision 0: 0 instances\n");
  }

  @Test
  void unreachableServerExitsWithFour() throws IOException {
    try (Socket refused = ClientCommandsTest.refusedPort()) {
      String closed = "http://127.0.0.1:" + refused.getLocalPort();

      CliRun run = cairn("watch", "web", "--server", closed, "--timeout", "10s");

      assertThat(run.exitCode()).isEqualTo(ExitCode.UNREACHABLE);
      assertThat(run.err()).isEqualTo("error: cannot reach " + closed + ": connection refused\n");
    }
  }
}
