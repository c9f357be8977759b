package dev.cairn.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.tls.PemKeyManager;
import dev.cairn.common.tls.PemTrustManager;
import dev.cairn.server.CairnServer;
import dev.cairn.server.FrontDoor;
import dev.cairn.testing.TlsServers;
import dev.cairn.testing.tls.TestCertificates;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.time.Duration;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP front doors over the server's TLS: HTTPS with its certificate, and with its client CA
 * only for clients presenting a certificate that CA signed, as the server's own API.
 */
class FrontDoorTlsTest {

  @TempDir static Path dir;
  static TestCertificates pki;

  @BeforeAll
  static void certificates() {
    pki = TestCertificates.create(dir.resolve("pki"));
  }

  private static CairnServer.Builder server(boolean mutual) {
    return TlsServers.builder(pki, mutual)
        .frontDoor(ConsulApi.frontDoor(0))
        .frontDoor(EurekaApi.frontDoor(0))
        .frontDoor(PrometheusSd.frontDoor(0));
  }

  @Test
  void everyHttpFrontDoorServesHttpsWithTheServersCertificate() throws Exception {
    try (CairnServer server = server(false).start()) {
      assertThat(server.frontDoors())
          .allSatisfy(d -> assertThat(d.endpoint()).startsWith("https://127.0.0.1:"));
      HttpClient client = client(pki.ca(), null);
      for (String url : readUrls(server)) {
        assertThat(get(client, url).statusCode()).as(url).isEqualTo(200);
      }
      // A Consul registration over HTTPS reaches the catalog.
      HttpResponse<String> put =
          client.send(
              HttpRequest.newBuilder(URI.create(url(server, 0, "/v1/agent/service/register")))
                  .PUT(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"Name\":\"web\",\"ID\":\"web-1\",\"Address\":\"10.0.0.1\",\"Port\":80}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(put.statusCode()).isEqualTo(200);
      assertThat(server.registry().service("default", "web").instances()).hasSize(1);

      // Clients that do not trust the server's CA, and plaintext, are refused.
      HttpClient distrusting = client(pki.otherCa(), null);
      HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      for (String url : readUrls(server)) {
        assertThatThrownBy(() -> get(distrusting, url)).as(url).isInstanceOf(IOException.class);
        String http = url.replace("https://", "http://");
        assertThatThrownBy(() -> get(plain, http)).as(http).isInstanceOf(IOException.class);
      }
    }
  }

  @Test
  void withAClientCaOnlyClientsWithACertificateItSignedAreServed() throws Exception {
    try (CairnServer server = server(true).start()) {
      HttpClient withCert = client(pki.ca(), pki.client());
      for (String url : readUrls(server)) {
        assertThat(get(withCert, url).statusCode()).as(url).isEqualTo(200);
      }
      for (TestCertificates.Pair refused :
          new TestCertificates.Pair[] {null, pki.expiredClient(), pki.otherClient()}) {
        HttpClient client = client(pki.ca(), refused);
        for (String url : readUrls(server)) {
          assertThatThrownBy(() -> get(client, url))
              .as("%s with client certificate %s", url, refused)
              .isInstanceOf(IOException.class);
        }
      }
    }
  }

  @Test
  void aRotatedCertificateIsUsedForNewConnectionsWhileOpenOnesStay() throws Exception {
    TestCertificates.Pair first = pki.server();
    TestCertificates.Pair second = pki.server();
    Path cert = dir.resolve("live-cert.pem");
    Path key = dir.resolve("live-key.pem");
    Files.copy(first.cert(), cert, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(first.key(), key, StandardCopyOption.REPLACE_EXISTING);
    try (CairnServer server =
        CairnServer.builder()
            .inMemory()
            .httpPort(0)
            .grpcPort(0)
            .tlsCert(cert)
            .tlsKey(key)
            .frontDoor(ConsulApi.frontDoor(0))
            .start()) {
      int port = server.frontDoors().get(0).address().getPort();
      SSLContext trusting = sslContext(pki.ca());
      try (SSLSocket open = connect(trusting, port)) {
        assertThat(serial(open)).isEqualTo(first.certificate().getSerialNumber());

        // Written beside and moved into place, as a certificate manager does.
        Path next = dir.resolve("next.pem");
        Files.copy(second.key(), next, StandardCopyOption.REPLACE_EXISTING);
        Files.move(next, key, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.copy(second.cert(), next, StandardCopyOption.REPLACE_EXISTING);
        Files.move(next, cert, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

        await("new connections see the new certificate")
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () -> {
                  try (SSLSocket s = connect(trusting, port)) {
                    assertThat(serial(s)).isEqualTo(second.certificate().getSerialNumber());
                  }
                });
        // The connection opened before the rotation still answers.
        open.getOutputStream()
            .write(
                "GET /v1/status/leader HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
        open.getOutputStream().flush();
        String status =
            new BufferedReader(
                    new InputStreamReader(open.getInputStream(), StandardCharsets.ISO_8859_1))
                .readLine();
        assertThat(status).startsWith("HTTP/1.1 200");
      }
    }
  }

  private static SSLContext sslContext(Path ca) throws IOException, GeneralSecurityException {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {PemTrustManager.load(ca)}, null);
    return context;
  }

  private static SSLSocket connect(SSLContext context, int port) throws IOException {
    SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
    s.setSoTimeout(10_000);
    s.startHandshake();
    return s;
  }

  private static java.math.BigInteger serial(SSLSocket s) throws IOException {
    return ((java.security.cert.X509Certificate) s.getSession().getPeerCertificates()[0])
        .getSerialNumber();
  }

  private static String[] readUrls(CairnServer server) {
    return new String[] {
      url(server, 0, "/v1/catalog/services"), url(server, 1, "apps"), url(server, 2, "")
    };
  }

  private static String url(CairnServer server, int door, String path) {
    FrontDoor d = server.frontDoors().get(door);
    return d.endpoint() + path;
  }

  private static HttpResponse<String> get(HttpClient client, String url)
      throws IOException, InterruptedException {
    return client.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpClient client(Path ca, TestCertificates.Pair cert)
      throws IOException, GeneralSecurityException {
    SSLContext context = SSLContext.getInstance("TLS");
    KeyManager[] keys =
        cert == null ? null : new KeyManager[] {PemKeyManager.load(cert.cert(), cert.key())};
    context.init(keys, new TrustManager[] {PemTrustManager.load(ca)}, null);
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .sslContext(context)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }
}
