package dev.cairn.server.internal.dns;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * The addresses of the zone's name server {@code ns.<domain>}, what its A/AAAA records answer
 * (decision 0212): the address DNS is bound to; for a wildcard bind ({@code 0.0.0.0} or {@code ::},
 * which the JDK binds alike, taking IPv4 and IPv6), the machine's own addresses when the listener
 * starts, without loopback and link-local ones, or the loopback addresses when it has no other.
 * Stateless.
 */
final class DnsNameServer {

  private DnsNameServer() {}

  /** The name server's addresses for a listener bound to {@code bind}, reading the interfaces. */
  static List<InetAddress> addresses(InetAddress bind) {
    return addresses(bind, bind.isAnyLocalAddress() ? interfaceAddresses() : List.of());
  }

  /**
   * The name server's addresses for a listener bound to {@code bind} on a machine whose interfaces
   * that are up carry {@code machine}: {@code bind} itself unless it is a wildcard; else those of
   * {@code machine} that a client elsewhere could use (not loopback, not link-local), IPv4 first,
   * each family in ascending order; else the loopback addresses.
   */
  static List<InetAddress> addresses(InetAddress bind, List<InetAddress> machine) {
    requireNonNull(bind, "bind");
    if (!bind.isAnyLocalAddress()) {
      return List.of(withoutScope(bind));
    }
    List<InetAddress> out = new ArrayList<>();
    for (InetAddress a : machine) {
      if (a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress()) {
        continue;
      }
      InetAddress plain = withoutScope(a);
      if (!out.contains(plain)) {
        out.add(plain);
      }
    }
    if (out.isEmpty()) {
      byte[] v6 = new byte[16];
      v6[15] = 1;
      return List.of(address(127, 0, 0, 1), address(v6));
    }
    out.sort(
        Comparator.comparingInt((InetAddress a) -> a.getAddress().length)
            .thenComparing(InetAddress::getAddress, Arrays::compareUnsigned));
    return List.copyOf(out);
  }

  /** The addresses of the machine's interfaces that are up; none when they cannot be read. */
  private static List<InetAddress> interfaceAddresses() {
    List<InetAddress> out = new ArrayList<>();
    try {
      for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (ni.isUp()) {
          out.addAll(Collections.list(ni.getInetAddresses()));
        }
      }
    } catch (SocketException e) {
      return List.of(); // the loopback address then
    }
    return out;
  }

  private static InetAddress withoutScope(InetAddress a) {
    return address(a.getAddress());
  }

  private static InetAddress address(int a, int b, int c, int d) {
    return address(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
  }

  private static InetAddress address(byte[] ip) {
    try {
      return InetAddress.getByAddress(ip);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e); // 4 or 16 bytes always
    }
  }
}
