package dev.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.testing.tls.TestCertificates;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secure by default: off loopback, the server refuses to serve without client authentication unless
 * told to with {@code insecureAllowOpenAccess}. The servers that do start listen on every interface
 * ({@code 0.0.0.0}) for the test's span; the test talks to them on loopback only.
 */
class CairnServerOpenAccessTest {

  @TempDir static Path dir;
  static TestCertificates pki;

  @BeforeAll
  static void certificates() {
    pki = TestCertificates.create(dir.resolve("pki"));
  }

  private static CairnServer.Builder everyInterface() {
    return CairnServer.builder().inMemory().bind("0.0.0.0").httpPort(0).grpcPort(0);
  }

  @Test
  void onLoopbackNothingIsNeeded() throws Exception {
    try (CairnServer server = CairnServer.builder().inMemory().httpPort(0).grpcPort(0).start()) {
      assertThat(status("http", server, HttpClient.newHttpClient())).isEqualTo(200);
    }
  }

  @Test
  void offLoopbackWithoutTlsItRefusesToStartSayingHowToFixIt() {
    assertThatThrownBy(() -> everyInterface().start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("refusing to serve 0.0.0.0 (not loopback) without TLS")
        .hasMessageContaining("--tls-cert and --tls-key, with --tls-ca (mutual TLS) or --acl")
        .hasMessageContaining("bind to 127.0.0.1")
        .hasMessageContaining("--insecure-allow-open-access");
  }

  @Test
  void offLoopbackAclsWithoutTlsAreRefusedForTheTokensPlaintext() {
    assertThatThrownBy(() -> everyInterface().acl(true).start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(
            "refusing to serve 0.0.0.0 (not loopback) without TLS (the ACL tokens")
        .hasMessageNotContaining("any client authentication")
        .hasMessageContaining("--tls-cert and --tls-key");
  }

  @Test
  void offLoopbackTlsWithoutAClientCaIsOpenAccessToo() {
    TestCertificates.Pair server = pki.server();
    assertThatThrownBy(() -> everyInterface().tlsCert(server.cert()).tlsKey(server.key()).start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("over TLS without client authentication (no client CA, no --acl)");
  }

  @Test
  void offLoopbackTlsWithAclsIsEnough() throws Exception {
    TestCertificates.Pair server = pki.server();
    try (CairnServer s =
        everyInterface().tlsCert(server.cert()).tlsKey(server.key()).acl(true).start()) {
      assertThat(s.httpAddress().getPort()).isPositive();
    }
  }

  @Test
  void offLoopbackFrontDoorsStartOnTheSameTermsAndAreHandedTheServersSecurity() throws Exception {
    TestCertificates.Pair server = pki.server();
    java.util.List<FrontDoorSecurity> handed = new java.util.ArrayList<>();
    FrontDoor.Factory door =
        (registry, bind, security) -> {
          handed.add(security);
          return new FrontDoor() {
            @Override
            public String protocol() {
              return "test";
            }

            @Override
            public java.net.InetSocketAddress address() {
              return new java.net.InetSocketAddress(bind, 1);
            }

            @Override
            public String endpoint() {
              return "test";
            }

            @Override
            public void close() {}
          };
        };
    // TLS with ACLs (and, below, mutual TLS): the front door starts, with both to enforce.
    try (CairnServer s =
        everyInterface()
            .tlsCert(server.cert())
            .tlsKey(server.key())
            .acl(true)
            .frontDoor(door)
            .start()) {
      assertThat(s.frontDoors()).hasSize(1);
    }
    assertThat(handed).hasSize(1);
    assertThat(handed.get(0).httpTls()).isPresent();
    assertThat(handed.get(0).grpcTls()).isPresent();
    assertThat(handed.get(0).aclEnforced()).isTrue();
    assertThat(handed.get(0).mutualTls()).isFalse();
    try (CairnServer s =
        everyInterface()
            .tlsCert(server.cert())
            .tlsKey(server.key())
            .tlsCa(pki.ca())
            .frontDoor(door)
            .start()) {
      assertThat(handed.get(1).mutualTls()).isTrue();
    }
    // Without TLS it is refused as the server is, and the front door never starts.
    assertThatThrownBy(() -> everyInterface().acl(true).frontDoor(door).start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("without TLS");
    assertThat(handed).hasSize(2);
  }

  @Test
  void offLoopbackMutualTlsStarts() throws Exception {
    TestCertificates.Pair cert = pki.server();
    try (CairnServer server =
        everyInterface().tlsCert(cert.cert()).tlsKey(cert.key()).tlsCa(pki.ca()).start()) {
      HttpClient client =
          HttpClient.newBuilder()
              .sslContext(CairnServerTlsTest.sslContext(pki.ca(), pki.client()))
              .build();
      assertThat(status("https", server, client)).isEqualTo(200);
    }
  }

  @Test
  void offLoopbackOpenAccessServesWhenExplicitlyAllowedAndWarnsAtEveryStart() throws Exception {
    for (int start = 0; start < 2; start++) {
      String log;
      CairnServer server;
      // The test logger (slf4j-simple) writes to whatever System.err is when it logs.
      PrintStream err = System.err;
      ByteArrayOutputStream captured = new ByteArrayOutputStream();
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      try {
        server = everyInterface().insecureAllowOpenAccess(true).start();
      } finally {
        System.setErr(err);
        log = captured.toString(StandardCharsets.UTF_8);
      }
      try (server) {
        assertThat(log)
            .contains("WARN")
            .contains("INSECURE: --insecure-allow-open-access")
            .contains("without TLS or any client authentication");
        assertThat(server.listenerLines().get(0)).startsWith("http  listening on http://");
        assertThat(status("http", server, HttpClient.newHttpClient())).isEqualTo(200);
      }
    }
  }

  @Test
  void onLoopbackTheFlagChangesNothingAndWarnsOfNothing() throws Exception {
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try (CairnServer server =
        CairnServer.builder()
            .inMemory()
            .httpPort(0)
            .grpcPort(0)
            .insecureAllowOpenAccess(true)
            .start()) {
      assertThat(server.listenerLines().get(0)).startsWith("http  listening on http://127.0.0.1:");
    } finally {
      System.setErr(err);
    }
    assertThat(captured.toString(StandardCharsets.UTF_8)).doesNotContain("INSECURE");
  }

  private static int status(String scheme, CairnServer server, HttpClient client) throws Exception {
    URI uri = URI.create(scheme + "://127.0.0.1:" + server.httpAddress().getPort() + "/v1/status");
    return client
        .send(
            HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
