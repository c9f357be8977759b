package dev.cairn.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.tls.PemKeyManager;
import dev.cairn.common.tls.PemTrustManager;
import dev.cairn.server.CairnServer;
import dev.cairn.server.FrontDoor;
import dev.cairn.testing.tls.TestCertificates;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
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
    TestCertificates.Pair cert = pki.server();
    CairnServer.Builder b =
        CairnServer.builder()
            .inMemory()
            .httpPort(0)
            .grpcPort(0)
            .tlsCert(cert.cert())
            .tlsKey(cert.key())
            .frontDoor(ConsulApi.frontDoor(0))
            .frontDoor(EurekaApi.frontDoor(0))
            .frontDoor(PrometheusSd.frontDoor(0));
    return mutual ? b.tlsCa(pki.ca()) : b;
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
