package dev.cairn.client;

import static dev.cairn.client.Servers.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.Instance;
import dev.cairn.testing.CairnServerExtension;
import dev.cairn.testing.tls.TestCertificates;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The client against a registry that asks for mutual TLS. */
class ClientTlsTest {

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

  private final List<CairnClient> clients = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeClients() {
    clients.forEach(CairnClient::close);
  }

  private CairnClient client(UnaryOperator<CairnClient.Builder> tls) {
    CairnClient c =
        tls.apply(
                CairnClient.builder()
                    .registries(server.grpcTarget())
                    .shutdownHook(false)
                    .requestTimeout(Duration.ofSeconds(5))
                    .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200)))
            .build();
    clients.add(c);
    return c;
  }

  @Test
  void aClientWithTheCaAndACertificateRegistersAndDiscovers() throws Exception {
    TestCertificates.Pair cert = pki.client();
    CairnClient client =
        client(b -> b.tlsCa(pki.ca()).tlsClientCertificate(cert.cert(), cert.key()));

    Instance stored =
        client.register(instance("orders", "o1")).registered().get(10, TimeUnit.SECONDS);

    assertThat(stored.id()).isEqualTo("o1");
    assertThat(client.services().get(10, TimeUnit.SECONDS)).containsExactly("orders");
  }

  @Test
  void theTlsFilesMayComeFromSystemProperties() throws Exception {
    TestCertificates.Pair cert = pki.client();
    System.setProperty(CairnClient.TLS_CA_PROPERTY, pki.ca().toString());
    System.setProperty(CairnClient.TLS_CERT_PROPERTY, cert.cert().toString());
    System.setProperty(CairnClient.TLS_KEY_PROPERTY, cert.key().toString());
    CairnClient client;
    try {
      client = client(b -> b);
    } finally {
      System.clearProperty(CairnClient.TLS_CA_PROPERTY);
      System.clearProperty(CairnClient.TLS_CERT_PROPERTY);
      System.clearProperty(CairnClient.TLS_KEY_PROPERTY);
    }

    assertThat(client.services().get(10, TimeUnit.SECONDS)).isEmpty();
  }

  @Test
  void clientsWithoutAnAcceptedCertificateOrTrustingAnotherCaAreRefused() {
    TestCertificates.Pair cert = pki.client();
    TestCertificates.Pair expired = pki.expiredClient();
    TestCertificates.Pair other = pki.otherClient();
    List<CairnClient> refused =
        List.of(
            client(b -> b.plaintext()),
            client(b -> b.tlsCa(pki.ca())),
            client(b -> b.tlsCa(pki.ca()).tlsClientCertificate(expired.cert(), expired.key())),
            client(b -> b.tlsCa(pki.ca()).tlsClientCertificate(other.cert(), other.key())),
            client(b -> b.tlsCa(pki.otherCa()).tlsClientCertificate(cert.cert(), cert.key())));

    for (CairnClient client : refused) {
      assertThatThrownBy(() -> client.services().get(20, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }
  }

  @Test
  void unusableTlsSettingsAreRefusedByTheBuilder() {
    Path missing = dir.resolve("missing.pem");
    assertThatThrownBy(() -> CairnClient.builder().registries("127.0.0.1:1").tlsCa(missing).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("tlsCa: ")
        .hasMessageContaining("missing.pem");
    TestCertificates.Pair cert = pki.client();
    System.setProperty(CairnClient.TLS_CERT_PROPERTY, cert.cert().toString());
    try {
      assertThatThrownBy(() -> CairnClient.builder().registries("127.0.0.1:1").build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("a certificate without a key");
    } finally {
      System.clearProperty(CairnClient.TLS_CERT_PROPERTY);
    }
  }
}
