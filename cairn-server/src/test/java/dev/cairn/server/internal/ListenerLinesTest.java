package dev.cairn.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ListenerLinesTest {

  @Test
  void httpCarriesItsSchemeAndTheProtocolIsPaddedToFourPlusTwoSpaces() throws Exception {
    assertThat(ListenerLines.of(listener("http", "127.0.0.1", 8500)))
        .isEqualTo("http  listening on http://127.0.0.1:8500");
    assertThat(ListenerLines.of(listener("grpc", "127.0.0.1", 8501)))
        .isEqualTo("grpc  listening on 127.0.0.1:8501");
    assertThat(ListenerLines.of(listener("dns", "127.0.0.1", 8600)))
        .isEqualTo("dns   listening on udp+tcp 127.0.0.1:8600");
  }

  @Test
  void ipv6IsBracketedInShortForm() throws Exception {
    assertThat(ListenerLines.of(listener("grpc", "::1", 8501)))
        .isEqualTo("grpc  listening on [::1]:8501");
    assertThat(ListenerLines.of(listener("http", "0:0:0:0:0:0:0:0", 8500)))
        .isEqualTo("http  listening on http://[::]:8500");
  }

  @Test
  void anUnresolvedHostIsShownAsGiven() {
    assertThat(ListenerLines.hostPort(InetSocketAddress.createUnresolved("example.test", 80)))
        .isEqualTo("example.test:80");
  }

  @ParameterizedTest
  @CsvSource({
    "0:0:0:0:0:0:0:1, ::1",
    "0:0:0:0:0:0:0:0, ::",
    "2001:db8:0:0:0:0:2:1, 2001:db8::2:1",
    "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
    "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
    "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
    "fe80:0:0:0:0:0:0:0, fe80::",
    "2001:DB8:AA:0:0:0:0:BB, 2001:db8:aa::bb",
  })
  void ipv6ShortFormFollowsRfc5952(String full, String expected) throws UnknownHostException {
    assertThat(ListenerLines.shortIpv6((Inet6Address) InetAddress.getByName(full)))
        .isEqualTo(expected);
  }

  private static Listener listener(String protocol, String ip, int port)
      throws UnknownHostException {
    InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(ip), port);
    return new Listener() {
      @Override
      public String protocol() {
        return protocol;
      }

      @Override
      public InetSocketAddress address() {
        return address;
      }

      @Override
      public void close() {}
    };
  }
}
