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

/** W1 and W3 against a server that wants mutual TLS (the TLS side of the benchmark). */
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
  void w2WatchesOverMutualTlsAndSaysTheSdkWriterWasSkipped() throws Exception {
    new WatchLatencyWorkload(
            WatchLatencyWorkload.Settings.defaults()
                .withWatchers(2)
                .withEvents(4)
                .withWarmupEvents(0))
        .run(context, table);

    assertThat(values("events delivered")).containsExactly("8");
    assertThat(values("writer: the SDK"))
        .containsExactly("skipped (TLS: the SDK writer runs plaintext only)");
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
