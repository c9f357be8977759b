package dev.cairn.server.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The addresses of {@code ns.<domain>}, from the bind address and the machine's addresses. */
class DnsNameServerTest {

  private static final List<InetAddress> MACHINE =
      addresses(
          "127.0.0.1",
          "::1",
          "10.0.0.7",
          "fe80::1",
          "169.254.3.4",
          "192.168.1.20",
          "fd00::7",
          "10.0.0.7");

  @Test
  void aSpecificBindIsTheAddressWhateverTheMachineHas() throws Exception {
    assertThat(DnsNameServer.addresses(address("10.0.0.7"), MACHINE))
        .containsExactly(address("10.0.0.7"));
    assertThat(DnsNameServer.addresses(address("127.0.0.1"), MACHINE))
        .containsExactly(address("127.0.0.1"));
    assertThat(DnsNameServer.addresses(address("fd00::7"), List.of()))
        .containsExactly(address("fd00::7"));
  }

  @Test
  void aWildcardIsTheMachinesOtherAddressesIpv4FirstInOrder() throws Exception {
    // The JDK binds 0.0.0.0 as it binds ::, taking IPv4 and IPv6 alike.
    for (String wildcard : List.of("0.0.0.0", "::")) {
      assertThat(DnsNameServer.addresses(address(wildcard), MACHINE))
          .containsExactly(address("10.0.0.7"), address("192.168.1.20"), address("fd00::7"));
    }
  }

  @Test
  void aWildcardOnAMachineWithOnlyLoopbackIsLoopback() throws Exception {
    List<InetAddress> lo = addresses("127.0.0.1", "::1", "fe80::1");
    assertThat(DnsNameServer.addresses(address("0.0.0.0"), lo))
        .containsExactly(address("127.0.0.1"), address("::1"));
  }

  @Test
  void theMachinesOwnInterfacesGiveAtLeastOneAddress() throws Exception {
    assertThat(DnsNameServer.addresses(address("0.0.0.0")))
        .isNotEmpty()
        .allSatisfy(a -> assertThat(a.isLinkLocalAddress()).isFalse());
  }

  private static List<InetAddress> addresses(String... literals) {
    return java.util.Arrays.stream(literals).map(DnsNameServerTest::address).toList();
  }

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal); // a literal: no lookup
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(literal, e);
    }
  }
}
