package dev.cairn.server.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The one-line description of a listener that the server logs and the command line prints: the
 * protocol padded to four characters, two spaces, then the address, with the scheme for HTTP.
 *
 * <pre>
 * http  listening on http://127.0.0.1:8500
 * grpc  listening on [::1]:8501
 * dns   listening on udp+tcp 127.0.0.1:8600
 * </pre>
 *
 * <p>A listener over TLS says so at the end, {@code (TLS)} or {@code (mutual TLS)}, and HTTP's
 * scheme is then {@code https://}.
 */
public final class ListenerLines {

  private ListenerLines() {}

  /** The line for {@code listener}. */
  public static String of(Listener listener) {
    String protocol = listener.protocol();
    Listener.Security security = listener.security();
    String scheme =
        switch (protocol) {
          case "http" -> security == Listener.Security.PLAIN ? "http://" : "https://";
          case "dns" -> "udp+tcp ";
          default -> "";
        };
    String suffix =
        switch (security) {
          case PLAIN -> "";
          case TLS -> " (TLS)";
          case MUTUAL_TLS -> " (mutual TLS)";
        };
    return String.format(
        "%-4s  listening on %s%s%s", protocol, scheme, hostPort(listener.address()), suffix);
  }

  /** The IP literal of {@code ip}, IPv6 in its short form and unbracketed. */
  static String host(InetAddress ip) {
    return ip instanceof Inet6Address ? shortIpv6((Inet6Address) ip) : ip.getHostAddress();
  }

  /**
   * {@code host:port}, the host an IP literal when resolved; an IPv6 literal is bracketed and in
   * its short form (RFC 5952), e.g. {@code [::1]:8501}.
   */
  static String hostPort(InetSocketAddress address) {
    InetAddress ip = address.getAddress();
    if (ip == null) {
      return address.getHostString() + ":" + address.getPort();
    }
    if (ip instanceof Inet6Address) {
      return "[" + shortIpv6((Inet6Address) ip) + "]:" + address.getPort();
    }
    return ip.getHostAddress() + ":" + address.getPort();
  }

  /**
   * The RFC 5952 text of {@code ip}: lower-case hex without leading zeros, the longest run of two
   * or more zero groups (the first of equal runs) as {@code ::}, and the scope, if any, after
   * {@code %}.
   */
  static String shortIpv6(Inet6Address ip) {
    byte[] b = ip.getAddress();
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int start = i;
      while (i < 8 && groups[i] == 0) {
        i++;
      }
      if (i - start > bestLength) {
        bestStart = start;
        bestLength = i - start;
      }
    }
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        text.append("::");
        i += bestLength - 1;
        continue;
      }
      if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
        text.append(':');
      }
      text.append(Integer.toHexString(groups[i]));
    }
    String full = ip.getHostAddress();
    int scope = full.indexOf('%');
    return scope < 0 ? text.toString() : text + full.substring(scope);
  }
}
