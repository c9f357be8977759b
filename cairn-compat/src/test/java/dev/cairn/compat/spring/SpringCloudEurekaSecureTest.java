package dev.cairn.compat.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Instance;
import dev.cairn.compat.EurekaApi;
import dev.cairn.server.CairnServer;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Policy;
import dev.cairn.server.core.acl.Resource;
import dev.cairn.server.core.acl.Rule;
import dev.cairn.testing.tls.TestCertificates;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Spring Cloud Netflix's Eureka client against a secure server: mutual TLS (the server's CA
 * trusted, a client certificate presented, both in {@code eureka.client.tls}), ACLs on, the token
 * as the basic-auth password of {@code defaultZone} (decision 0174). It registers with a token that
 * may write its own service, and discovers only what the token may read.
 */
class SpringCloudEurekaSecureTest {

  @TempDir Path dir;

  @Test
  void registersOverHttpsWithItsTokenAndSeesOnlyWhatItMayRead() throws Exception {
    TestCertificates pki = TestCertificates.create(dir.resolve("pki"));
    TestCertificates.Pair cert = pki.server();
    try (CairnServer server =
        CairnServer.builder()
            .inMemory()
            .httpPort(0)
            .grpcPort(0)
            .tlsCert(cert.cert())
            .tlsKey(cert.key())
            .tlsCa(pki.ca())
            .acl(true)
            .frontDoor(EurekaApi.frontDoor(0))
            .start()) {
      var acls = server.registry().acls();
      acls.bootstrap().join();
      acls.createPolicy(
              new Policy(
                  "eureka-app",
                  "",
                  List.of(
                      new Rule(Resource.SERVICE, "*", "eureka-app", Access.WRITE),
                      new Rule(Resource.SERVICE, "*", "other-app", Access.READ))))
          .join();
      var token = acls.createToken("eureka-app", List.of("eureka-app")).join();
      for (String service : List.of("other-app", "secret-app")) {
        server
            .registry()
            .register(
                "default",
                Instance.builder(service, "127.0.0.1")
                    .id(service + "-1")
                    .port("http", 9999)
                    .build())
            .join();
      }
      String endpoint = server.frontDoors().get(0).endpoint();
      assertThat(endpoint).startsWith("https://");
      String defaultZone = endpoint.replace("https://", "https://app:" + token.secret() + "@");

      ConfigurableApplicationContext app =
          HelloApp.start(
              "spring.application.name=eureka-app",
              "eureka.client.service-url.defaultZone=" + defaultZone,
              "eureka.client.tls.enabled=true",
              "eureka.client.tls.trust-store=file:" + trustStore(pki.ca()),
              "eureka.client.tls.trust-store-type=PKCS12",
              "eureka.client.tls.trust-store-password=changeit",
              "eureka.client.tls.key-store=file:" + keyStore(pki.client()),
              "eureka.client.tls.key-store-type=PKCS12",
              "eureka.client.tls.key-store-password=changeit",
              "eureka.client.tls.key-password=changeit",
              "eureka.client.registry-fetch-interval-seconds=1",
              "eureka.instance.lease-renewal-interval-in-seconds=1",
              "eureka.instance.prefer-ip-address=true",
              "eureka.instance.ip-address=127.0.0.1",
              "eureka.instance.instance-id=eureka-app-1",
              "spring.cloud.consul.enabled=false",
              "spring.cloud.consul.discovery.enabled=false");
      try {
        int port =
            ((org.springframework.boot.web.server.context.WebServerApplicationContext) app)
                .getWebServer()
                .getPort();
        await("registered with its token")
            .atMost(Duration.ofSeconds(60))
            .until(() -> !server.registry().service("default", "eureka-app").instances().isEmpty());
        assertThat(server.registry().audit("default", "eureka-app", 10))
            .anySatisfy(
                e -> assertThat(e.author().accessorId()).isEqualTo(token.token().accessorId()));
        await("discovers what its token may read")
            .atMost(Duration.ofSeconds(60))
            .until(() -> get(port, "/instances/other-app").equals("[\"127.0.0.1:9999\"]"));
        assertThat(get(port, "/instances/secret-app")).isEqualTo("[]");
      } finally {
        app.close();
      }
    }
  }

  /**
   * A PKCS#12 key store (passwords {@code changeit}) holding {@code pair}'s key and certificate.
   */
  private Path keyStore(TestCertificates.Pair pair) throws Exception {
    String pem = Files.readString(pair.key());
    byte[] der =
        java.util.Base64.getMimeDecoder()
            .decode(pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", ""));
    java.security.PrivateKey key =
        java.security.KeyFactory.getInstance(pair.certificate().getPublicKey().getAlgorithm())
            .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(der));
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry(
        "client",
        key,
        "changeit".toCharArray(),
        new java.security.cert.Certificate[] {pair.certificate()});
    Path file = dir.resolve("client.p12");
    try (OutputStream out = Files.newOutputStream(file)) {
      store.store(out, "changeit".toCharArray());
    }
    return file;
  }

  /** A PKCS#12 trust store (password {@code changeit}) holding the CA in {@code caPem}. */
  private Path trustStore(Path caPem) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    try (InputStream in = Files.newInputStream(caPem)) {
      store.setCertificateEntry(
          "cairn-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    Path file = dir.resolve("trust.p12");
    try (OutputStream out = Files.newOutputStream(file)) {
      store.store(out, "changeit".toCharArray());
    }
    return file;
  }

  private static String get(int port, String path) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    return r.body();
  }
}
