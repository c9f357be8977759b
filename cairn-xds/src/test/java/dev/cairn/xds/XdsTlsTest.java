package dev.cairn.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import dev.cairn.testing.TlsServers;
import dev.cairn.testing.tls.TestCertificates;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ADS over the server's TLS, and with its client CA only for clients with a certificate. */
class XdsTlsTest {

  @TempDir static Path dir;
  static TestCertificates pki;

  @BeforeAll
  static void certificates() {
    pki = TestCertificates.create(dir.resolve("pki"));
  }

  private static CairnServer start(boolean mutual) throws Exception {
    return TlsServers.builder(pki, mutual)
        .frontDoor(XdsFrontDoor.factory(XdsOptions.builder().port(0).build()))
        .start();
  }

  @Test
  void adsOverTlsToClientsThatTrustTheServersCa() throws Exception {
    try (CairnServer server = start(false)) {
      register(server);
      assertThat(clusters(server, pki.ca(), null)).containsExactly("hello");
      assertRefused(() -> clusters(server, pki.otherCa(), null));
      try (XdsTestClient plain =
          new XdsTestClient(server.frontDoors().get(0).address().getPort())) {
        assertRefused(() -> first(plain));
      }
    }
  }

  @Test
  void withAClientCaOnlyClientsWithACertificateItSignedGetAStream() throws Exception {
    try (CairnServer server = start(true)) {
      register(server);
      assertThat(clusters(server, pki.ca(), pki.client())).containsExactly("hello");
      for (TestCertificates.Pair refused :
          new TestCertificates.Pair[] {null, pki.expiredClient(), pki.otherClient()}) {
        assertRefused(() -> clusters(server, pki.ca(), refused));
      }
    }
  }

  private static void register(CairnServer server) {
    server
        .registry()
        .register(
            "default",
            Instance.builder("hello", "127.0.0.1")
                .id("a")
                .ports(java.util.Map.of("grpc", 8080))
                .build())
        .join();
  }

  private static List<String> clusters(CairnServer server, Path ca, TestCertificates.Pair client)
      throws Exception {
    try (XdsTestClient c = new XdsTestClient(channel(server, ca, client))) {
      return first(c);
    }
  }

  private static List<String> first(XdsTestClient client) throws Exception {
    XdsTestClient.Stream s = client.stream();
    s.send(
        DiscoveryRequest.newBuilder()
            .setNode(XdsTestClient.NODE)
            .setTypeUrl(XdsTestClient.CDS)
            .build());
    Object o = s.received.poll(10, java.util.concurrent.TimeUnit.SECONDS);
    if (o instanceof Throwable t) {
      throw (Exception) t;
    }
    assertThat(o).isInstanceOf(io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse.class);
    return ((io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse) o)
        .getResourcesList().stream().map(XdsProtocolTest::name).toList();
  }

  static ManagedChannel channel(CairnServer server, Path ca, TestCertificates.Pair client)
      throws Exception {
    SslContextBuilder ssl = GrpcSslContexts.forClient().trustManager(ca.toFile());
    if (client != null) {
      ssl.keyManager(client.cert().toFile(), client.key().toFile());
    }
    return NettyChannelBuilder.forAddress(
            "127.0.0.1", server.frontDoors().get(0).address().getPort())
        .sslContext(ssl.build())
        .build();
  }

  private static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }
}
