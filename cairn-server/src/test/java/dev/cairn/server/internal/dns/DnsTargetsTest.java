package dev.cairn.server.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import dev.cairn.server.core.Registry;
import dev.cairn.server.internal.dns.DnsTestClient.Reply;
import dev.cairn.server.internal.dns.DnsTestClient.Rr;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SRV targets and their glue, addresses registered before the rules of decision 0097, and a
 * namespace named {@code service}: a real server over real UDP and TCP sockets.
 */
class DnsTargetsTest {

  private static CairnServer server;
  private static DnsTestClient dns;

  @BeforeAll
  static void start() throws Exception {
    server = CairnServer.builder().inMemory().httpPort(0).grpcPort(0).dnsPort(0).start();
    dns = new DnsTestClient(server.dnsAddress().orElseThrow());
    Registry r = server.registry();
    // web: one instance with a port, one without (no SRV record, so no glue), one with another
    // port.
    register(r, "default", Instance.builder("web", "127.0.0.2").id("web-2").port("http", 8080));
    register(r, "default", Instance.builder("web", "127.0.0.5").id("web-5"));
    register(r, "default", Instance.builder("web", "fd00::5").id("web-6"));
    register(r, "default", Instance.builder("web", "127.0.0.7").id("web-7").port("grpc", 9090));
    // sparse: forty instances, every other one without a port.
    for (int i = 0; i < 40; i++) {
      Instance.Builder b = Instance.builder("sparse", "10.7.0." + (i + 1)).id("s" + i);
      if (i % 2 == 0) {
        b.port("http", 8000 + i);
      }
      register(r, "default", b);
    }
    // legacy: addresses a server took before decision 0097, as its log or a snapshot holds them.
    for (String a :
        List.of(
            "010.0.0.1",
            "999.1.1.1",
            "0x7f.0.0.1",
            "2130706433",
            "fe80::1%eth0",
            "[::1]",
            "Db.Example.")) {
      r.register(
              "default",
              Instance.builder("legacy", a)
                  .id("l-" + Integer.toHexString(a.hashCode()))
                  .port("http", 80)
                  .buildStored())
          .join();
    }
    // A namespace named "service": its names end in ".service.service.<domain>", as do those of
    // the tags of a service named "service" in the default namespace.
    register(
        r,
        "default",
        Instance.builder("service", "10.8.0.1").id("tagged").port("http", 80).tags(List.of("web")));
    register(r, "service", Instance.builder("web", "10.8.0.2").id("shadowed").port("http", 80));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void theAdditionalSectionHoldsTheAddressesOfTheSrvTargetsOnly() throws Exception {
    for (Reply r :
        List.of(
            dns.udp("web.service.cairn.", DnsRecordType.SRV),
            dns.tcp("web.service.cairn.", DnsRecordType.SRV))) {
      assertThat(r.answerData())
          .containsExactly("1 100 8080 7f000002.addr.cairn.", "1 100 9090 7f000007.addr.cairn.");
      assertThat(r.additional())
          .extracting(Rr::name, Rr::data)
          .containsExactlyInAnyOrder(
              org.assertj.core.groups.Tuple.tuple("7f000002.addr.cairn.", "127.0.0.2"),
              org.assertj.core.groups.Tuple.tuple("7f000007.addr.cairn.", "127.0.0.7"));
    }
    Reply http = dns.udp("_http._tcp.web.service.cairn.", DnsRecordType.SRV);
    assertThat(http.answerData()).containsExactly("1 100 8080 7f000002.addr.cairn.");
    assertThat(http.additional()).extracting(Rr::name).containsExactly("7f000002.addr.cairn.");
    // A and AAAA still answer every healthy instance with an address, ports or not.
    assertThat(dns.udp("web.service.cairn.", DnsRecordType.A).answerData())
        .containsExactly("127.0.0.2", "127.0.0.5", "127.0.0.7");
    assertThat(dns.udp("web.service.cairn.", DnsRecordType.AAAA).answerData())
        .containsExactly("fd00::5");
  }

  @Test
  void gluedAddressesAreExactlyThoseOfTheAnsweredTargetsAtEverySize() throws Exception {
    Reply tcp = dns.tcp("sparse.service.cairn.", DnsRecordType.SRV);
    assertThat(tcp.truncated()).isFalse();
    assertThat(tcp.answers()).hasSize(20);
    assertThat(names(tcp.additional())).isEqualTo(targets(tcp.answers()));

    Reply edns = dns.udp("sparse.service.cairn.", DnsRecordType.SRV, 4096);
    assertThat(edns.truncated()).isFalse();
    assertThat(edns.answers()).hasSize(20);
    assertThat(names(edns.additional())).isEqualTo(targets(edns.answers()));

    // Truncated: the SRV records that fit, and no address at all (the client asks again over TCP).
    for (Reply cut :
        List.of(
            dns.udp("sparse.service.cairn.", DnsRecordType.SRV),
            dns.udp("sparse.service.cairn.", DnsRecordType.SRV, 600))) {
      assertThat(cut.truncated()).isTrue();
      assertThat(cut.answers()).isNotEmpty().hasSizeLessThan(20);
      assertThat(names(cut.additional())).isEmpty();
    }
  }

  @Test
  void addressesRegisteredBeforeTheStrictRulesAnswerOnlyWhatIsUnambiguous() throws Exception {
    // "[::1]" is ::1 to every reader, and a host name with a final dot is that host name; the
    // others mean different addresses to different readers (010.0.0.1 is 8.0.0.1 to libc), so they
    // are no SRV target and have no A record.
    assertThat(dns.udp("legacy.service.cairn.", DnsRecordType.SRV).answerData())
        .containsExactly(
            "1 100 80 00000000000000000000000000000001.addr.cairn.", "1 100 80 db.example.");
    assertThat(dns.udp("legacy.service.cairn.", DnsRecordType.AAAA).answerData())
        .containsExactly("::1");
    Reply a = dns.udp("legacy.service.cairn.", DnsRecordType.A);
    assertThat(a.rcode()).isZero();
    assertThat(a.answers()).isEmpty();
  }

  @Test
  void namesEndingInServiceServiceAreReadInTheDefaultNamespace() throws Exception {
    // Tag "web" of service "service" in the default namespace, not service "web" of namespace
    // "service" (docs/dns.md); with the namespace written out, the name means that one thing only.
    assertThat(dns.udp("web.service.service.cairn.", DnsRecordType.A).answerData())
        .containsExactly("10.8.0.1");
    assertThat(dns.udp("web.service.service.default.cairn.", DnsRecordType.A).answerData())
        .containsExactly("10.8.0.1");
    assertThat(dns.udp("service.service.cairn.", DnsRecordType.A).answerData())
        .containsExactly("10.8.0.1");
    // Nothing reaches namespace "service" by DNS; its instances are read over HTTP and gRPC.
    assertThat(dns.udp("_http._tcp.web.service.service.cairn.", DnsRecordType.SRV).answerData())
        .containsExactly("1 100 80 0a080001.addr.cairn.");
    assertThat(dns.udp("web.service.service.service.cairn.", DnsRecordType.A).rcode())
        .isEqualTo(DnsResponseCode.NXDOMAIN.intValue());
    assertThat(server.registry().service("service", "web").instances())
        .extracting(Instance::address)
        .containsExactly("10.8.0.2");
  }

  private static Set<String> names(List<Rr> rrs) {
    return rrs.stream()
        .filter(rr -> rr.type() != DnsRecordType.OPT)
        .map(Rr::name)
        .collect(Collectors.toSet());
  }

  private static Set<String> targets(List<Rr> srv) {
    return srv.stream()
        .map(rr -> rr.data().substring(rr.data().lastIndexOf(' ') + 1))
        .collect(Collectors.toSet());
  }

  private static void register(Registry r, String namespace, Instance.Builder b) {
    r.register(namespace, b.build()).join();
  }
}
