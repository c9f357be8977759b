package dev.cairn.server.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.RegistryOptions;
import dev.cairn.server.core.log.MemoryCommandLog;
import dev.cairn.server.internal.dns.DnsRateLimit.Verdict;
import dev.cairn.server.internal.dns.DnsTestClient.Reply;
import dev.cairn.testing.clock.FakeTicker;
import io.netty.handler.codec.dns.DnsRecordType;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * DNS over UDP answers each client address at a limited rate, truncating now and then instead of
 * answering, and keeps UDP answers small while limiting (decision 0169); TCP is not limited.
 */
class DnsRateLimitTest {

  private static final String NAME = "many.service.cairn.";

  private final FakeTicker ticker = FakeTicker.create();
  private Registry registry;
  private DnsListener listener;
  private DnsTestClient dns;

  @BeforeEach
  void start() throws Exception {
    registry = Registry.start(new MemoryCommandLog(), RegistryOptions.defaults());
    for (int i = 0; i < 100; i++) {
      registry
          .register(
              "default",
              Instance.builder("many", "10.2.0." + i).id("m" + i).port("http", 8000 + i).build())
          .join();
    }
    listener =
        DnsListener.start(
            registry,
            new InetSocketAddress("127.0.0.1", 0),
            "cairn",
            0,
            DnsMetrics.NONE,
            (namespace, service) -> true,
            DnsRateLimit.forTest(1, 2, 2, ticker));
    dns = new DnsTestClient(listener.address());
  }

  @AfterEach
  void stop() {
    if (listener != null) {
      listener.close();
    }
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void theLimiterAnswersABurstThenSlipsEverySecondQueryAndDropsTheRest() throws Exception {
    DnsRateLimit limit = DnsRateLimit.forTest(10, 3, 2, ticker);
    InetAddress a = InetAddress.getByName("192.0.2.1");
    InetAddress b = InetAddress.getByName("192.0.2.2");
    for (int i = 0; i < 3; i++) {
      assertThat(limit.check(a)).isEqualTo(Verdict.ANSWER);
    }
    assertThat(limit.check(a)).isEqualTo(Verdict.DROP);
    assertThat(limit.check(a)).isEqualTo(Verdict.SLIP);
    assertThat(limit.check(a)).isEqualTo(Verdict.DROP);
    assertThat(limit.check(a)).isEqualTo(Verdict.SLIP);
    // Another address has its own budget.
    assertThat(limit.check(b)).isEqualTo(Verdict.ANSWER);
    // A tenth of a second brings one more answer.
    ticker.advance(Duration.ofMillis(100));
    assertThat(limit.check(a)).isEqualTo(Verdict.ANSWER);
    assertThat(limit.check(a)).isIn(Verdict.DROP, Verdict.SLIP);
    assertThat(limit.clients()).isEqualTo(2);
    // Slip 0: never an answer over the limit.
    DnsRateLimit noSlip = DnsRateLimit.forTest(1, 1, 0, ticker);
    noSlip.check(a);
    for (int i = 0; i < 5; i++) {
      assertThat(noSlip.check(a)).isEqualTo(Verdict.DROP);
    }
  }

  @Test
  void theServersLimitLeavesLoopbackClientsAloneAndCapsUdpAnswers() throws Exception {
    DnsRateLimit limit = DnsRateLimit.perClient(1);
    for (int i = 0; i < 100; i++) {
      assertThat(limit.check(InetAddress.getLoopbackAddress())).isEqualTo(Verdict.ANSWER);
    }
    assertThat(limit.udpLimit(4096)).isEqualTo(DnsRateLimit.MAX_UDP_BYTES);
    assertThat(limit.udpLimit(512)).isEqualTo(512);
    assertThatThrownBy(() -> DnsRateLimit.perClient(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CairnServer.builder().dnsRateLimit(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dnsRateLimit");
  }

  @Test
  void overUdpABurstIsAnsweredThenQueriesAreDroppedOrTruncatedAndTcpStillAnswers()
      throws Exception {
    Reply first = dns.udp(NAME, DnsRecordType.A);
    assertThat(first.answers()).isNotEmpty();
    assertThat(dns.udp(NAME, DnsRecordType.A).answers()).isNotEmpty();

    // Over the limit: the first query gets nothing, the second an empty truncated answer.
    byte[] dropped = DnsTestClient.query(NAME, DnsRecordType.A, 0);
    byte[] slipped = DnsTestClient.query(NAME, DnsRecordType.A, 0);
    slipped[0] = (byte) (dropped[0] ^ 0x55); // a different id
    Reply reply;
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      s.setSoTimeout(5_000);
      s.send(new DatagramPacket(dropped, dropped.length, listener.address()));
      s.send(new DatagramPacket(slipped, slipped.length, listener.address()));
      byte[] buf = new byte[65535];
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      s.receive(p);
      reply = DnsTestClient.parse(java.util.Arrays.copyOf(buf, p.getLength()));
    }
    assertThat(reply.id()).isEqualTo(((slipped[0] & 0xff) << 8) | (slipped[1] & 0xff));
    assertThat(reply.truncated()).isTrue();
    assertThat(reply.answers()).isEmpty();
    assertThat(reply.questions()).isEqualTo(1);
    assertThat(reply.size()).isEqualTo(slipped.length); // no larger than the query

    // TCP, which cannot come from a forged address, is not limited.
    for (int i = 0; i < 5; i++) {
      assertThat(dns.tcp(NAME, DnsRecordType.A).answers()).hasSize(100);
    }

    // A second later the client has an answer again.
    ticker.advance(Duration.ofSeconds(1));
    assertThat(dns.udp(NAME, DnsRecordType.A).answers()).isNotEmpty();
  }

  @Test
  void whileLimitingUdpAnswersStayWithin1232BytesWhateverEdnsAdvertises() throws Exception {
    Reply r = dns.udp(NAME, DnsRecordType.A, 4096);
    assertThat(r.truncated()).isTrue();
    assertThat(r.size()).isLessThanOrEqualTo(DnsRateLimit.MAX_UDP_BYTES);
    assertThat(r.answers()).isNotEmpty().hasSizeLessThan(100);
  }
}
