package dev.cairn.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.client.CairnClient;
import dev.cairn.testing.CairnServerExtension;
import dev.cairn.testing.tls.TestCertificates;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code cairn:///} channel whose registry wants mutual TLS: the shared client takes the CA and
 * client certificate from the system properties (the peer itself is called in plaintext).
 */
class GrpcTlsRegistryTest {

  @TempDir static Path dir;
  static TestCertificates pki;

  @BeforeAll
  static void certificates() {
    pki = TestCertificates.create(dir.resolve("pki"));
  }

  @RegisterExtension
  final CairnServerExtension registry =
      CairnServerExtension.inMemory()
          .configure(
              b -> {
                TestCertificates.Pair cert = pki.server();
                b.tlsCert(cert.cert()).tlsKey(cert.key()).tlsCa(pki.ca());
              });

  @Test
  void aTripleSlashTargetReachesATlsRegistryThroughTheSystemProperties() throws Exception {
    TestCertificates.Pair client = pki.client();
    try (CairnClient serverClient =
            CairnClient.builder()
                .registries(registry.grpcTarget())
                .tlsCa(pki.ca())
                .tlsClientCertificate(client.cert(), client.key())
                .shutdownHook(false)
                .build();
        CairnGrpcServer hello =
            CairnGrpcServer.builder(
                    serverClient,
                    "hello",
                    NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                        .addService(Echo.service("a")))
                .shutdownGrace(Duration.ZERO)
                .start()) {
      hello.registration().registered().get(10, TimeUnit.SECONDS);

      System.setProperty(CairnGrpc.REGISTRIES_PROPERTY, registry.grpcTarget());
      System.setProperty(CairnClient.TLS_CA_PROPERTY, pki.ca().toString());
      System.setProperty(CairnClient.TLS_CERT_PROPERTY, client.cert().toString());
      System.setProperty(CairnClient.TLS_KEY_PROPERTY, client.key().toString());
      ManagedChannel channel = null;
      try {
        channel = ManagedChannelBuilder.forTarget("cairn:///hello").usePlaintext().build();
        assertThat(Echo.who(channel, Duration.ofSeconds(10))).isEqualTo("a");
      } finally {
        System.clearProperty(CairnGrpc.REGISTRIES_PROPERTY);
        System.clearProperty(CairnClient.TLS_CA_PROPERTY);
        System.clearProperty(CairnClient.TLS_CERT_PROPERTY);
        System.clearProperty(CairnClient.TLS_KEY_PROPERTY);
        if (channel != null) {
          channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      }
    }
  }
}
