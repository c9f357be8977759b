package dev.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.Instance;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The builder's DNS settings and the DNS listener's life with the server. */
class CairnServerDnsTest {

  @Test
  void dnsIsOffUnlessAPortIsGiven() throws IOException {
    try (CairnServer server = CairnServer.builder().inMemory().grpcPort(0).httpPort(0).start()) {
      assertThat(server.dnsAddress()).isEmpty();
      assertThat(server.listenerLines()).hasSize(2);
    }
  }

  @Test
  void theDomainIsNormalizedAndAnswered() throws Exception {
    try (CairnServer server =
        CairnServer.builder()
            .inMemory()
            .grpcPort(0)
            .httpPort(0)
            .dnsPort(0)
            .dnsDomain("Cairn.Internal.")
            .start()) {
      server.registry().register("default", Instance.builder("web", "10.0.0.1").build()).join();
      InetSocketAddress dns = server.dnsAddress().orElseThrow();
      assertThat(server.listenerLines())
          .last()
          .isEqualTo("dns   listening on udp+tcp 127.0.0.1:" + dns.getPort());
      byte[] answer = query(dns, "web.service.cairn.internal");
      assertThat(answer[3] & 0xf).isZero(); // NOERROR
      assertThat(((answer[6] & 0xff) << 8) | (answer[7] & 0xff)).isEqualTo(1); // one A record
    }
  }

  @Test
  void aBusyDnsPortFailsTheStartAndLeavesNothingRunning() throws IOException {
    try (DatagramSocket taken = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
      CairnServer server =
          CairnServer.builder()
              .inMemory()
              .grpcPort(0)
              .httpPort(0)
              .dnsPort(taken.getLocalPort())
              .build();
      assertThatThrownBy(server::start)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("cannot bind DNS over UDP");
      server.close();
    }
  }

  @Test
  void theBuilderChecksTheDnsSettings() {
    assertThatThrownBy(() -> CairnServer.builder().dnsPort(-2).build())
        .hasMessage("dnsPort: -2 (expected: -1 (off) or 0..65535)");
    assertThatThrownBy(() -> CairnServer.builder().dnsDomain("bad_domain").build())
        .hasMessage("dnsDomain: \"bad_domain\" (expected: DNS labels joined by dots, e.g. cairn)");
    assertThatThrownBy(() -> CairnServer.builder().dnsDomain("").build())
        .hasMessageStartingWith("dnsDomain: \"\"");
    assertThatThrownBy(() -> CairnServer.builder().dnsTtl(Duration.ofSeconds(-1)).build())
        .hasMessage("dnsTtl: PT-1S (expected: 0..86400 s)");
    assertThatThrownBy(() -> CairnServer.builder().dnsTtl(Duration.ofDays(2)).build())
        .hasMessage("dnsTtl: PT48H (expected: 0..86400 s)");
    assertThat(CairnServer.DEFAULT_DNS_PORT).isEqualTo(8600);
    assertThat(CairnServer.DEFAULT_DNS_DOMAIN).isEqualTo("cairn");
  }

  /** Sends an A query for {@code name} and returns the answer's bytes. */
  private static byte[] query(InetSocketAddress server, String name) throws IOException {
    java.io.ByteArrayOutputStream q = new java.io.ByteArrayOutputStream();
    q.writeBytes(new byte[] {0, 42, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0});
    for (String label : name.split("\\.")) {
      q.write(label.length());
      q.writeBytes(label.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
    q.writeBytes(new byte[] {0, 0, 1, 0, 1});
    byte[] bytes = q.toByteArray();
    try (DatagramSocket s = new DatagramSocket()) {
      s.setSoTimeout(5_000);
      s.send(new DatagramPacket(bytes, bytes.length, server));
      DatagramPacket p = new DatagramPacket(new byte[512], 512);
      s.receive(p);
      return java.util.Arrays.copyOf(p.getData(), p.getLength());
    }
  }
}
