package dev.cairn.server.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Policy;
import dev.cairn.server.core.acl.Resource;
import dev.cairn.server.core.acl.Rule;
import io.netty.handler.codec.dns.DnsRecordType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** With ACLs on, DNS (which carries no token) answers what the anonymous policy may read. */
class DnsAclTest {

  @Test
  void onlyServicesTheAnonymousPolicyMayReadAreAnswered() throws Exception {
    try (CairnServer server =
        CairnServer.builder().inMemory().httpPort(0).grpcPort(0).dnsPort(0).acl(true).start()) {
      server
          .registry()
          .register(
              "default", Instance.builder("web", "10.0.0.1").id("w1").port("http", 80).build())
          .join();
      server
          .registry()
          .register(
              "default", Instance.builder("db", "10.0.0.2").id("d1").port("sql", 5432).build())
          .join();
      DnsTestClient dns = new DnsTestClient(server.dnsAddress().orElseThrow());

      // No anonymous policy: nothing.
      assertThat(dns.udp("web.service.cairn", DnsRecordType.A).rcode()).isEqualTo(5); // REFUSED
      // A namespace's names exist only with a service DNS may answer for (decision 0212).
      assertThat(dns.udp("default.cairn", DnsRecordType.A).rcode()).isEqualTo(3); // NXDOMAIN

      server
          .registry()
          .acls()
          .createPolicy(
              new Policy(
                  Policy.ANONYMOUS,
                  "",
                  List.of(new Rule(Resource.SERVICE, "*", "web", Access.READ))))
          .join();
      DnsTestClient.Reply web = dns.udp("web.service.cairn", DnsRecordType.A);
      assertThat(web.rcode()).isZero();
      assertThat(web.answerData()).containsExactly("10.0.0.1");
      assertThat(dns.udp("db.service.cairn", DnsRecordType.A).rcode()).isEqualTo(5);
      assertThat(dns.udp("default.cairn", DnsRecordType.A).rcode()).isZero(); // NODATA
      assertThat(dns.udp("_tcp.db.service.cairn", DnsRecordType.A).rcode()).isEqualTo(5);
    }
  }
}
