package dev.cairn.loadgen.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.testing.CairnServerExtension;
import dev.cairn.testing.tls.TestCertificates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * W1, W2 and W3 against a server that wants mutual TLS (the TLS side of the benchmark), the SDK
 * phases included: their CairnClients follow the run's TLS files.
 */
class TlsWorkloadsTest {

  @TempDir static Path dir;
  static TestCertificates pki;

  @RegisterExtension
  static CairnServerExtension server =
      CairnServerExtension.inMemory()
          .configure(
              b -> {
                pki = TestCertificates.create(dir.resolve("pki"));
                TestCertificates.Pair cert = pki.server();
                b.tlsCert(cert.cert()).tlsKey(cert.key()).tlsCa(pki.ca());
              });

  private RunContext context;
  private ResultTable table;

  @BeforeEach
  void newRun() {
    TestCertificates.Pair client = pki.client();
    Target target =
        Target.of(server.grpcTarget(), server.httpUri().toString())
            .withTls(Target.Tls.load(pki.ca(), client.cert(), client.key()));
    context = new RunContext(target, "default", RunContext.newRunTag(), System.err);
    table = new ResultTable();
  }

  @AfterEach
  void everythingCleanedUp() {
    context.close();
    System.err.print(table.toMarkdown());
    assertThat(table.rows()).noneMatch(row -> row.metric().equals("error"));
    assertThat(server.registry().instanceCount()).isZero();
  }

  @Test
  void w1RegistersOverMutualTls() throws Exception {
    new RegisterWorkload(
            RegisterWorkload.Settings.defaults().withInstances(100).withBlockingCallers(0))
        .run(context, table);

    assertThat(values(") registered")).containsExactly("100", "100");
    assertThat(values("errors")).isEmpty();
  }

  @Test
  void w1SdkPhasesRegisterOverMutualTlsInThisProcessAndInProcessesOfTheirOwn() throws Exception {
    new RegisterWorkload(
            RegisterWorkload.Settings.defaults()
                .withInstances(20)
                .withBlockingCallers(4)
                .withPersistent(false))
        .run(context, table);

    // pipelined, SDK-shaped, through the SDK in this process and in 4 sdk-client processes, all
    // over mutual TLS with the run's CA, client certificate and key
    assertThat(values(") registered")).containsExactly("20", "20", "20", "20");
    assertThat(
            table
                .find(
                    "W1",
                    "ephemeral register through the SDK (4 CairnClients, 4 blocking callers)"
                        + " registered")
                .value())
        .isEqualTo("20");
    assertThat(
            table
                .find(
                    "W1",
                    "ephemeral register through the SDK in 4 processes (1 CairnClient each, 4"
                        + " blocking callers in all) registered")
                .value())
        .isEqualTo("20");
    assertThat(values("clean-up")).containsExactly("ok", "ok", "ok", "ok");
    assertThat(values("SDK clean-up")).containsExactly("ok");
    assertThat(values("SDK processes clean-up")).containsExactly("ok");
    assertThat(values("errors")).isEmpty();
    assertThat(table.rows())
        .extracting(ResultTable.Row::value)
        .noneMatch(v -> v.startsWith("skipped") || v.startsWith("failed"));
  }

  @Test
  void w2SdkWriterWritesOverMutualTls() throws Exception {
    new WatchLatencyWorkload(
            WatchLatencyWorkload.Settings.defaults()
                .withWatchers(2)
                .withEvents(4)
                .withWarmupEvents(0))
        .run(context, table);

    // the unary writer's series, then the SDK writer's, each delivered to both watchers
    assertThat(values("writes acknowledged")).containsExactly("4", "4");
    assertThat(values("events delivered")).containsExactly("8", "8");
    assertThat(values("events delivered (event x watcher) (writer: the SDK)")).containsExactly("8");
    assertThat(values("SDK writer clean-up")).containsExactly("ok");
    assertThat(values("resync snapshots")).containsExactly("0 / 0");
    assertThat(table.rows())
        .extracting(ResultTable.Row::value)
        .noneMatch(v -> v.startsWith("skipped"));
  }

  @ParameterizedTest
  @EnumSource(HttpListWorkload.Client.class)
  void w3ReadsOverMutualTlsWithBothClients(HttpListWorkload.Client client) throws Exception {
    new HttpListWorkload(
            HttpListWorkload.Settings.defaults()
                .withDuration(Duration.ofSeconds(1))
                .withClient(client, 1))
        .run(context, table);

    assertThat(values("reads / errors"))
        .hasSize(2)
        .allSatisfy(value -> assertThat(value).endsWith(" / 0").doesNotStartWith("0 "));
  }

  @Test
  void tlsWantsAnHttpsUri() {
    assertThatThrownBy(
            () ->
                Target.of("127.0.0.1:8501", "http://127.0.0.1:8500")
                    .withTls(Target.Tls.load(pki.ca(), null, null)))
        .hasMessageContaining("expected: https://host:port");
  }

  private List<String> values(String metricPart) {
    return table.rows().stream()
        .filter(row -> row.metric().contains(metricPart))
        .map(ResultTable.Row::value)
        .toList();
  }
}
