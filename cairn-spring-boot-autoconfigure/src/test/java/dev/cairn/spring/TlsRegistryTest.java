package dev.cairn.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.testing.CairnServerExtension;
import dev.cairn.testing.tls.TestCertificates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/** A Spring Boot application registers with a registry that wants mutual TLS (cairn.tls.*). */
class TlsRegistryTest {

  @TempDir static Path dir;
  static TestCertificates pki;

  @RegisterExtension
  static final CairnServerExtension server =
      CairnServerExtension.inMemory()
          .configure(
              b -> {
                pki = TestCertificates.create(dir.resolve("pki"));
                TestCertificates.Pair cert = pki.server();
                b.tlsCert(cert.cert()).tlsKey(cert.key()).tlsCa(pki.ca());
              });

  @Test
  void registersOverMutualTlsWithTheCairnTlsProperties() {
    TestCertificates.Pair client = pki.client();
    List<String> p = Apps.base(server, "hello");
    p.add("cairn.tls.ca=" + pki.ca());
    p.add("cairn.tls.cert=" + client.cert());
    p.add("cairn.tls.key=" + client.key());
    p.add("cairn.removal-protection=false");
    try (ConfigurableApplicationContext app = Apps.servlet(HelloApp.class, p)) {
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () ->
                  assertThat(server.registry().service("default", "hello").instances())
                      .extracting(i -> i.ports().get("http"))
                      .containsExactly(Apps.port(app)));
    }
  }

  @Test
  void aCertificateWithoutItsKeyFailsTheStartNamingTheProperty() {
    List<String> p = Apps.base(server, "hello");
    p.add("cairn.tls.ca=" + pki.ca());
    p.add("cairn.tls.cert=" + pki.client().cert());
    assertThatThrownBy(() -> Apps.servlet(HelloApp.class, p).close())
        .rootCause()
        .hasMessageContaining("cairn.tls.key");
  }
}
