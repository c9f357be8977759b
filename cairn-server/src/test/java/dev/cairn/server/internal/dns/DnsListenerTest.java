package dev.cairn.server.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import dev.cairn.server.core.Registry;
import dev.cairn.server.internal.dns.DnsTestClient.Reply;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The DNS interface of a real server, over real UDP and TCP sockets. */
class DnsListenerTest {

  private static CairnServer server;
  private static DnsTestClient dns;

  @BeforeAll
  static void start() throws Exception {
    server =
        CairnServer.builder()
            .inMemory()
            .httpPort(0)
            .grpcPort(0)
            .dnsPort(0)
            .dnsTtl(Duration.ofSeconds(7))
            .start();
    dns = new DnsTestClient(server.dnsAddress().orElseThrow());
    Registry r = server.registry();
    register(r, "default", hello("h1", "10.0.0.1", Health.PASSING, 100, List.of("blue")));
    register(r, "default", hello("h2", "10.0.0.2", Health.WARNING, 200, List.of("green")));
    register(r, "default", hello("h3", "10.0.0.3", Health.CRITICAL, 300, List.of("blue")));
    register(
        r,
        "default",
        Instance.builder("hello", "fd00::1").id("h4").port("grpc", 9090).weight(50).build());
    register(
        r,
        "default",
        Instance.builder("hello", "node-5.example").id("h5").port("http", 8080).build());
    register(r, "staging", hello("s1", "10.1.0.1", Health.PASSING, 100, List.of()));
    register(
        r,
        "default",
        hello("c1", "10.0.9.1", Health.CRITICAL, 100, List.of()).toBuilder()
            .service("down")
            .build());
    register(
        r,
        "default",
        hello("g1", "10.3.0.1", Health.PASSING, 100, List.of()).toBuilder()
            .service("guarded")
            .build());
    register(
        r,
        "default",
        hello("g2", "10.3.0.2", Health.CRITICAL, 100, List.of()).toBuilder()
            .service("guarded")
            .build());
    register(
        r,
        "default",
        hello("g3", "10.3.0.3", Health.CRITICAL, 100, List.of()).toBuilder()
            .service("guarded")
            .build());
    r.setProtectionThreshold("default", "guarded", 0.5).join();
    for (int i = 0; i < 60; i++) {
      register(
          r,
          "default",
          Instance.builder("many", "10.2.0." + i).id("m" + i).port("http", 8000 + i).build());
    }
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void theListenerLineNamesBothProtocols() {
    InetSocketAddress a = server.dnsAddress().orElseThrow();
    assertThat(server.listenerLines())
        .contains("dns   listening on udp+tcp 127.0.0.1:" + a.getPort());
  }

  @Test
  void aRecordsAreTheHealthyInstancesWithAnIpv4Address() throws Exception {
    Reply r = dns.udp("hello.service.cairn.", DnsRecordType.A);
    assertThat(r.rcode()).isZero();
    assertThat(r.authoritative()).isTrue();
    assertThat(r.answerData()).containsExactly("10.0.0.1", "10.0.0.2");
    assertThat(r.answers()).allSatisfy(rr -> assertThat(rr.ttl()).isEqualTo(7));
  }

  @Test
  void aaaaRecordsCarryIpv6Addresses() throws Exception {
    Reply r = dns.udp("hello.service.cairn.", DnsRecordType.AAAA);
    assertThat(r.answerData()).containsExactly("fd00::1");
  }

  @Test
  void srvListsEveryPortWithWeightsAndGluesTheTargets() throws Exception {
    Reply r = dns.udp("hello.service.cairn.", DnsRecordType.SRV);
    assertThat(r.rcode()).isZero();
    assertThat(r.answerData())
        .containsExactly(
            "1 100 8080 0a000001.addr.cairn.",
            "1 100 8080 node-5.example.",
            "1 200 8080 0a000002.addr.cairn.",
            "1 50 9090 fd000000000000000000000000000001.addr.cairn.");
    assertThat(r.additional())
        .extracting(DnsTestClient.Rr::name, DnsTestClient.Rr::data)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("0a000001.addr.cairn.", "10.0.0.1"),
            org.assertj.core.groups.Tuple.tuple("0a000002.addr.cairn.", "10.0.0.2"),
            org.assertj.core.groups.Tuple.tuple(
                "fd000000000000000000000000000001.addr.cairn.", "fd00::1"));
  }

  @Test
  void aPortNameSelectsThatPort() throws Exception {
    Reply r = dns.udp("_grpc._tcp.hello.service.cairn.", DnsRecordType.SRV);
    assertThat(r.answerData())
        .containsExactly("1 50 9090 fd000000000000000000000000000001.addr.cairn.");
    assertThat(dns.udp("_nope._tcp.hello.service.cairn.", DnsRecordType.SRV).rcode())
        .isEqualTo(DnsResponseCode.NXDOMAIN.intValue());
  }

  @Test
  void aTagSubdomainFilters() throws Exception {
    assertThat(dns.udp("blue.hello.service.cairn.", DnsRecordType.A).answerData())
        .containsExactly("10.0.0.1");
    assertThat(dns.udp("_http._tcp.green.hello.service.cairn.", DnsRecordType.SRV).answerData())
        .containsExactly("1 200 8080 0a000002.addr.cairn.");
    assertThat(dns.udp("red.hello.service.cairn.", DnsRecordType.A).rcode())
        .isEqualTo(DnsResponseCode.NXDOMAIN.intValue());
  }

  @Test
  void aNamespaceLabelFollowsService() throws Exception {
    assertThat(dns.udp("hello.service.staging.cairn.", DnsRecordType.A).answerData())
        .containsExactly("10.1.0.1");
    assertThat(dns.udp("hello.service.default.cairn.", DnsRecordType.A).answerData())
        .containsExactly("10.0.0.1", "10.0.0.2");
  }

  @Test
  void namesAreCaseInsensitive() throws Exception {
    assertThat(dns.udp("HeLLo.Service.CAIRN.", DnsRecordType.A).answerData())
        .containsExactly("10.0.0.1", "10.0.0.2");
  }

  @Test
  void addrNamesResolveToTheirAddress() throws Exception {
    assertThat(dns.udp("0a000001.addr.cairn.", DnsRecordType.A).answerData())
        .containsExactly("10.0.0.1");
    assertThat(dns.udp("zz.addr.cairn.", DnsRecordType.A).rcode())
        .isEqualTo(DnsResponseCode.NXDOMAIN.intValue());
  }

  @Test
  void unknownNamesAreNxdomainWithTheSoa() throws Exception {
    Reply r = dns.udp("nobody.service.cairn.", DnsRecordType.A);
    assertThat(r.rcode()).isEqualTo(DnsResponseCode.NXDOMAIN.intValue());
    assertThat(r.answers()).isEmpty();
    assertThat(r.authority()).extracting(DnsTestClient.Rr::type).containsExactly(DnsRecordType.SOA);
    assertThat(dns.udp("whatever.cairn.", DnsRecordType.A).rcode())
        .isEqualTo(DnsResponseCode.NXDOMAIN.intValue());
  }

  @Test
  void aServiceWithoutHealthyInstancesAnswersEmpty() throws Exception {
    Reply r = dns.udp("down.service.cairn.", DnsRecordType.A);
    assertThat(r.rcode()).isZero();
    assertThat(r.answers()).isEmpty();
    assertThat(r.authority()).hasSize(1);
  }

  @Test
  void belowTheProtectionThresholdEveryInstanceIsAnswered() throws Exception {
    assertThat(dns.udp("guarded.service.cairn.", DnsRecordType.A).answerData())
        .containsExactly("10.3.0.1", "10.3.0.2", "10.3.0.3");
  }

  @Test
  void otherTypesOfAKnownNameAreEmptyAndNamesElsewhereAreRefused() throws Exception {
    Reply mx = dns.udp("hello.service.cairn.", DnsRecordType.MX);
    assertThat(mx.rcode()).isZero();
    assertThat(mx.answers()).isEmpty();
    Reply unknownType = dns.udp("hello.service.cairn.", DnsRecordType.valueOf(999));
    assertThat(unknownType.rcode()).isZero();
    assertThat(unknownType.answers()).isEmpty();
    assertThat(dns.udp("example.com.", DnsRecordType.A).rcode())
        .isEqualTo(DnsResponseCode.REFUSED.intValue());
    assertThat(dns.udp("hello.service.cairn.", DnsRecordType.AXFR).rcode())
        .isEqualTo(DnsResponseCode.NOTIMP.intValue());
  }

  @Test
  void theApexHasAnSoa() throws Exception {
    Reply r = dns.udp("cairn.", DnsRecordType.SOA);
    assertThat(r.answers())
        .extracting(DnsTestClient.Rr::data)
        .containsExactly("ns.cairn. hostmaster.cairn.");
  }

  @Test
  void theApexHasAnNsRecordNamingTheServerWhichHasTheServersAddress() throws Exception {
    Reply ns = dns.udp("cairn.", DnsRecordType.NS);
    assertThat(ns.rcode()).isZero();
    assertThat(ns.authoritative()).isTrue();
    assertThat(ns.answers())
        .extracting(DnsTestClient.Rr::type, DnsTestClient.Rr::data, DnsTestClient.Rr::ttl)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(DnsRecordType.NS, "ns.cairn.", 7L));
    // Its address comes along (glue), and is the one the server is bound to.
    assertThat(ns.additional())
        .extracting(DnsTestClient.Rr::name, DnsTestClient.Rr::type, DnsTestClient.Rr::data)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("ns.cairn.", DnsRecordType.A, "127.0.0.1"));
    Reply a = dns.udp("ns.cairn.", DnsRecordType.A);
    assertThat(a.rcode()).isZero();
    assertThat(a.authoritative()).isTrue();
    assertThat(a.answerData()).containsExactly("127.0.0.1");
    assertThat(dns.tcp("NS.Cairn.", DnsRecordType.A).answerData()).containsExactly("127.0.0.1");
    // The SOA's primary name server is that name, so it resolves too.
    assertThat(dns.udp("cairn.", DnsRecordType.SOA).answers())
        .extracting(DnsTestClient.Rr::data)
        .containsExactly("ns.cairn. hostmaster.cairn.");
    assertNodata(dns.udp("ns.cairn.", DnsRecordType.AAAA));
    assertNodata(dns.udp("ns.cairn.", DnsRecordType.TXT));
    assertThat(dns.udp("cairn.", DnsRecordType.ANY).answers())
        .extracting(DnsTestClient.Rr::type)
        .containsExactly(DnsRecordType.SOA, DnsRecordType.NS);
    assertNodata(dns.udp("cairn.", DnsRecordType.A));
  }

  @Test
  void emptyNonTerminalsAreNodataNotNxdomain() throws Exception {
    for (String name :
        List.of(
            "service.cairn.",
            "addr.cairn.",
            "default.cairn.",
            "service.default.cairn.",
            "staging.cairn.",
            "Service.Staging.cairn.",
            "_tcp.hello.service.cairn.",
            "_tcp.blue.hello.service.cairn.",
            "_tcp.hello.service.default.cairn.",
            "_tcp.down.service.cairn.")) {
      assertNodata(dns.udp(name, DnsRecordType.A));
      assertNodata(dns.udp(name, DnsRecordType.SRV));
      assertNodata(dns.tcp(name, DnsRecordType.A));
    }
    // Above nothing, a name still does not exist.
    for (String name :
        List.of(
            "nowhere.cairn.",
            "service.nowhere.cairn.",
            "_tcp.nobody.service.cairn.",
            "_tcp.red.hello.service.cairn.",
            "_tcp.hello.service.nowhere.cairn.")) {
      Reply r = dns.udp(name, DnsRecordType.A);
      assertThat(r.rcode()).as(name).isEqualTo(DnsResponseCode.NXDOMAIN.intValue());
      assertThat(r.authority())
          .extracting(DnsTestClient.Rr::type)
          .containsExactly(DnsRecordType.SOA);
    }
  }

  @Test
  void tcpAnswersTheSame() throws Exception {
    assertThat(dns.tcp("hello.service.cairn.", DnsRecordType.SRV).answerData())
        .isEqualTo(dns.udp("hello.service.cairn.", DnsRecordType.SRV).answerData());
  }

  @Test
  void udpAnswersAreTruncatedTo512BytesWithoutEdns() throws Exception {
    Reply r = dns.udp("many.service.cairn.", DnsRecordType.SRV);
    assertThat(r.truncated()).isTrue();
    assertThat(r.size()).isLessThanOrEqualTo(512);
    assertThat(r.answers()).isNotEmpty().hasSizeLessThan(60);
    assertThat(r.additional()).isEmpty();
  }

  @Test
  void ednsRaisesTheUdpLimitAndTcpCarriesEverything() throws Exception {
    Reply small = dns.udp("many.service.cairn.", DnsRecordType.A);
    Reply edns = dns.udp("many.service.cairn.", DnsRecordType.A, 4096);
    assertThat(small.truncated()).isTrue();
    assertThat(edns.truncated()).isFalse();
    assertThat(edns.answers()).hasSize(60);
    assertThat(edns.additional())
        .extracting(DnsTestClient.Rr::type)
        .containsExactly(DnsRecordType.OPT);
    Reply bigSrv = dns.udp("many.service.cairn.", DnsRecordType.SRV, 1232);
    assertThat(bigSrv.size()).isLessThanOrEqualTo(1232);
    Reply tcp = dns.tcp("many.service.cairn.", DnsRecordType.SRV);
    assertThat(tcp.truncated()).isFalse();
    assertThat(tcp.answers()).hasSize(60);
    assertThat(tcp.additional()).hasSize(60);
  }

  /** An empty NOERROR answer, authoritative, with the SOA for negative caching (RFC 2308). */
  private static void assertNodata(Reply r) {
    assertThat(r.rcode()).isZero();
    assertThat(r.authoritative()).isTrue();
    assertThat(r.answers()).isEmpty();
    assertThat(r.authority()).extracting(DnsTestClient.Rr::type).containsExactly(DnsRecordType.SOA);
  }

  private static Instance hello(
      String id, String address, Health health, int weight, List<String> tags) {
    return Instance.builder("hello", address)
        .id(id)
        .ports(Map.of("http", 8080))
        .health(health)
        .weight(weight)
        .tags(tags)
        .build();
  }

  private static void register(Registry r, String namespace, Instance i) {
    r.register(namespace, i).join();
  }
}
