package dev.cairn.client;

import static dev.cairn.client.Servers.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import dev.cairn.testing.tls.TestCertificates;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client whose session no registry opens says so once, with the reason (a refused connection, a
 * certificate its CA did not sign), and says when a session is open again: read from the test's own
 * log output (slf4j-simple writes to {@code System.err}).
 */
class UnreachableRegistryLogTest {

  @TempDir Path dir;

  private final Closer closer = new Closer();
  private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
  private PrintStream stderr;

  @BeforeEach
  void captureTheLog() {
    stderr = System.err;
    System.setErr(new PrintStream(logged, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void close() throws Exception {
    try {
      closer.close();
    } finally {
      System.setErr(stderr);
      stderr.print(logged.toString(StandardCharsets.UTF_8));
    }
  }

  @Test
  void aRegistryThatRefusesConnectionsIsWarnedOfOnceAndItsReturnToldOf() throws Exception {
    Socket refused = Servers.refusedPort();
    int port = refused.getLocalPort();
    CairnClient client = closer.add(client("127.0.0.1:" + port, b -> b));
    CompletableFuture<Instance> registered = client.register(instance("orders", "o1")).registered();

    await().atMost(Duration.ofSeconds(20)).until(() -> !warnings().isEmpty());
    assertThat(warnings())
        .singleElement()
        .asString()
        .contains("WARN", "127.0.0.1:" + port, "UNAVAILABLE", "Connection refused");
    assertThat(registered).isNotDone();

    refused.close();
    CairnServer server = closer.add(Servers.start(port));
    assertThat(registered.get(20, java.util.concurrent.TimeUnit.SECONDS).id()).isEqualTo("o1");
    await().atMost(Duration.ofSeconds(20)).until(() -> !lines("open on").isEmpty());
    assertThat(lines("open on")).singleElement().asString().contains("INFO", "without one");
    assertThat(warnings()).hasSize(1);
    assertThat(Servers.ids(server, "orders")).containsExactly("o1");
  }

  @Test
  void aRegistryWhoseCertificateTheClientsCaDidNotSignIsWarnedOfWithTheReason() {
    TestCertificates pki = TestCertificates.create(dir.resolve("pki"));
    TestCertificates.Pair cert = pki.server();
    CairnServer server =
        closer.add(
            start(
                CairnServer.builder()
                    .inMemory()
                    .httpPort(0)
                    .grpcPort(0)
                    .tlsCert(cert.cert())
                    .tlsKey(cert.key())));
    CairnClient client = closer.add(client(Servers.target(server), b -> b.tlsCa(pki.otherCa())));
    client.register(instance("orders", "o1"));

    await().atMost(Duration.ofSeconds(20)).until(() -> !warnings().isEmpty());
    // The status alone says "ssl exception"; the warning carries what the handshake found.
    assertThat(warnings())
        .singleElement()
        .asString()
        .contains("UNAVAILABLE")
        .containsIgnoringCase("certification path");
  }

  private static CairnServer start(CairnServer.Builder b) {
    try {
      return b.start();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static CairnClient client(
      String registries, java.util.function.UnaryOperator<CairnClient.Builder> more) {
    return more.apply(
            CairnClient.builder()
                .registries(registries)
                .shutdownHook(false)
                .requestTimeout(Duration.ofSeconds(2))
                .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200)))
        .build();
  }

  private List<String> warnings() {
    return lines("No registry has opened this client's session");
  }

  private List<String> lines(String containing) {
    return logged
        .toString(StandardCharsets.UTF_8)
        .lines()
        .filter(l -> l.contains(containing))
        .toList();
  }
}
