package dev.cairn.cli.internal;

import static dev.cairn.cli.internal.CliRun.cairn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.testing.CairnServerExtension;
import dev.cairn.testing.tls.TestCertificates;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The CLI against a server over mutual TLS, and {@code cairn server}'s TLS flags. */
class CliTlsTest {

  @TempDir static Path dir;
  static TestCertificates pki;

  @BeforeAll
  static void certificates() {
    pki = TestCertificates.create(dir.resolve("pki"));
  }

  @RegisterExtension
  final CairnServerExtension server =
      CairnServerExtension.inMemory()
          .configure(
              b -> {
                TestCertificates.Pair cert = pki.server();
                b.tlsCert(cert.cert()).tlsKey(cert.key()).tlsCa(pki.ca());
              });

  private String url() {
    return server.httpUri().toString();
  }

  @Test
  void clientCommandsTalkMutualTlsWithACaAndAClientCertificate() {
    assertThat(url()).startsWith("https://127.0.0.1:");
    TestCertificates.Pair client = pki.client();

    CliRun run =
        cairn(
            "status",
            "--server",
            url(),
            "--tls-ca",
            pki.ca().toString(),
            "--tls-cert",
            client.cert().toString(),
            "--tls-key",
            client.key().toString());

    assertThat(run.exitCode()).as("%s", run).isZero();
  }

  @Test
  void theTlsFilesMayComeFromSystemProperties() {
    TestCertificates.Pair client = pki.client();
    System.setProperty("cairn.tls.ca", pki.ca().toString());
    System.setProperty("cairn.tls.cert", client.cert().toString());
    System.setProperty("cairn.tls.key", client.key().toString());
    try {
      CliRun run = cairn("services", "--server", url());

      assertThat(run.exitCode()).as("%s", run).isZero();
    } finally {
      System.clearProperty("cairn.tls.ca");
      System.clearProperty("cairn.tls.cert");
      System.clearProperty("cairn.tls.key");
    }
  }

  @Test
  void withoutAClientCertificateOrTrustingTheWrongCaTheServerIsUnreachable() {
    TestCertificates.Pair client = pki.client();
    CliRun noCert = cairn("status", "--server", url(), "--tls-ca", pki.ca().toString());
    CliRun wrongCa =
        cairn(
            "status",
            "--server",
            url(),
            "--tls-ca",
            pki.otherCa().toString(),
            "--tls-cert",
            client.cert().toString(),
            "--tls-key",
            client.key().toString());
    TestCertificates.Pair other = pki.otherClient();
    CliRun otherCert =
        cairn(
            "status",
            "--server",
            url(),
            "--tls-ca",
            pki.ca().toString(),
            "--tls-cert",
            other.cert().toString(),
            "--tls-key",
            other.key().toString());

    for (CliRun run : new CliRun[] {noCert, wrongCa, otherCert}) {
      assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCode.UNREACHABLE);
      assertThat(run.err()).as("%s", run).startsWith("error: cannot reach " + url());
    }
    assertThat(wrongCa.err())
        .contains("TLS failed", "the server's certificate does not chain to --tls-ca");
    // TLS 1.3: the server's alert or, when the connection is gone first, an empty answer; both say
    // what to do.
    assertThat(noCert.err())
        .containsAnyOf(
            "the server wants a client certificate (mutual TLS): give --tls-cert and --tls-key",
            "does it want a client certificate? give --tls-cert and --tls-key");
    assertThat(otherCert.err())
        .contains(
            "the server refused the client certificate --tls-cert " + other.cert(),
            "CN=client",
            "signed by the CA the server's --tls-ca names");
  }

  @Test
  void anExpiredClientCertificateIsNamedWithItsDate() {
    TestCertificates.Pair expired = pki.expiredClient();

    CliRun run =
        cairn(
            "status",
            "--server",
            url(),
            "--tls-ca",
            pki.ca().toString(),
            "--tls-cert",
            expired.cert().toString(),
            "--tls-key",
            expired.key().toString());

    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCode.UNREACHABLE);
    assertThat(run.err())
        .contains(
            "the server refused the client certificate --tls-cert " + expired.cert(),
            "it expired at " + expired.certificate().getNotAfter().toInstant())
        .doesNotContain("hTTP");
    assertThat(run.err().lines()).hasSize(1);
  }

  @Test
  void tlsOptionsThatDoNotFitAreUsageErrors() {
    CliRun plain =
        cairn("status", "--server", "http://127.0.0.1:1", "--tls-ca", pki.ca().toString());
    CliRun certAlone =
        cairn("status", "--server", url(), "--tls-cert", pki.client().cert().toString());
    CliRun missing =
        cairn("status", "--server", url(), "--tls-ca", dir.resolve("none.pem").toString());

    assertThat(plain.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(plain.err()).contains("--tls-ca is set but --server http://127.0.0.1:1 is plain");
    assertThat(certAlone.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(certAlone.err()).contains("--tls-cert needs --tls-key");
    assertThat(missing.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(missing.err()).contains("none.pem");
  }

  @Test
  void serverTakesItsTlsFlags() {
    AtomicReference<ServerSettings> asked = new AtomicReference<>();
    ServerCommand command =
        new ServerCommand(
            settings -> {
              asked.set(settings);
              throw new java.io.IOException("stop here");
            });
    TestCertificates.Pair cert = pki.server();

    CliRun.of(new CommandLine(command))
        .execute(
            "--http-port",
            "0",
            "--grpc-port",
            "0",
            "--tls-cert",
            cert.cert().toString(),
            "--tls-key",
            cert.key().toString(),
            "--tls-ca",
            pki.ca().toString(),
            "--insecure-allow-open-access");

    assertThat(asked.get().security())
        .isEqualTo(new ServerSettings.Security(cert.cert(), cert.key(), pki.ca(), true));
  }

  @Test
  void serverFlagsThatDoNotFitAreUsageErrors() {
    CliRun keyAlone = cairn("server", "--in-memory", "--tls-key", pki.client().key().toString());
    CliRun caAlone = cairn("server", "--in-memory", "--tls-ca", pki.ca().toString());

    assertThat(keyAlone.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(keyAlone.err()).contains("--tls-key needs --tls-cert");
    assertThat(caAlone.exitCode()).isEqualTo(ExitCode.USAGE);
    assertThat(caAlone.err()).contains("--tls-ca needs --tls-cert and --tls-key");
  }

  @Test
  void serverOffLoopbackWithoutSecurityRefusesToStartSayingHowToFixIt() {
    CliRun run =
        cairn(
            "server",
            "--in-memory",
            "--bind",
            "0.0.0.0",
            "--http-port",
            "0",
            "--grpc-port",
            "0",
            "--dns-port",
            "-1");

    assertThat(run.exitCode()).as("%s", run).isEqualTo(ExitCode.CANNOT_START);
    assertThat(run.err())
        .contains("refusing to serve 0.0.0.0 (not loopback) without TLS")
        .contains("--tls-cert and --tls-key, with --tls-ca (mutual TLS) or --acl")
        .contains("--insecure-allow-open-access");
  }
}
