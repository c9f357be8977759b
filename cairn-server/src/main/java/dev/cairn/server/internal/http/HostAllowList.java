package dev.cairn.server.internal.http;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The names the HTTP API answers to in a request's {@code Host} header (issue 13, item 4; decision
 * 0168): against DNS rebinding, where a web page on a name its owner controls re-points that name
 * at {@code 127.0.0.1} and drives a loopback-only server from an operator's browser. The browser
 * then sends the page's own name as {@code Host}, which this list refuses.
 *
 * <p>Always allowed: a request without {@code Host} (HTTP/1.0 tools; browsers always send one), IP
 * literals ({@code 127.0.0.1}, {@code [::1]}, any address: no name is resolved, so nothing can be
 * rebound), {@code localhost} and names under {@code .localhost} (browsers resolve those to
 * loopback themselves, RFC 6761). Besides those: the bound host name and the names given ({@code
 * --allowed-hosts}). With no names given, a server bound off loopback answers to any name (it is
 * reached by names this server cannot know, and off loopback it authenticates its clients anyway);
 * the name {@code *} allows any. Immutable and thread-safe.
 */
public final class HostAllowList {

  /** Any host. */
  public static final HostAllowList ANY = new HostAllowList(true, Set.of());

  private final boolean any;
  private final Set<String> names; // lower case, no final dot

  private HostAllowList(boolean any, Set<String> names) {
    this.any = any;
    this.names = names;
  }

  /**
   * The list of a server bound to {@code bound} (named {@code bindName} on its command line), with
   * the names in {@code allowed} ({@code *}: any).
   *
   * @throws IllegalArgumentException naming an entry that is no host name
   */
  public static HostAllowList forBind(String bindName, InetAddress bound, List<String> allowed) {
    requireNonNull(bound, "bound");
    requireNonNull(allowed, "allowed");
    Set<String> names = new HashSet<>();
    for (String a : allowed) {
      String n = normalized(requireNonNull(a, "allowed host"));
      if (n.equals("*")) {
        return ANY;
      }
      if (!isHostName(n)) {
        throw new IllegalArgumentException(
            "allowedHosts: \"" + a + "\" (expected: host names, without port, or *)");
      }
      names.add(n);
    }
    if (names.isEmpty() && !bound.isLoopbackAddress()) {
      return ANY;
    }
    if (bindName != null && isHostName(normalized(bindName))) {
      names.add(normalized(bindName));
    }
    return new HostAllowList(false, Set.copyOf(names));
  }

  /** Whether this list allows every host. */
  public boolean allowsAny() {
    return any;
  }

  /** Whether a request whose {@code Host} header is {@code host} (null: none) is served. */
  public boolean allows(String host) {
    if (any || host == null) {
      return true;
    }
    String h = host.trim();
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return end > 1 && (end == h.length() - 1 || h.charAt(end + 1) == ':'); // an IPv6 literal
    }
    int colon = h.indexOf(':');
    if (colon >= 0) {
      if (h.indexOf(':', colon + 1) >= 0) {
        return false; // an IPv6 address must be bracketed in Host
      }
      h = h.substring(0, colon);
    }
    h = normalized(h);
    if (h.isEmpty()) {
      return false;
    }
    if (isNumeric(h)) {
      return true; // an IPv4 literal (a browser never resolves an all-numeric name)
    }
    return h.equals("localhost") || h.endsWith(".localhost") || names.contains(h);
  }

  /** What the refusal says is expected. */
  String expected() {
    return names.isEmpty()
        ? "localhost or an IP address"
        : "localhost, an IP address or one of " + names.stream().sorted().toList();
  }

  private static String normalized(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
  }

  private static boolean isNumeric(String h) {
    for (int i = 0; i < h.length(); i++) {
      char c = h.charAt(i);
      if ((c < '0' || c > '9') && c != '.') {
        return false;
      }
    }
    return true;
  }

  private static boolean isHostName(String n) {
    if (n.isEmpty() || n.length() > 253) {
      return false;
    }
    for (int i = 0; i < n.length(); i++) {
      char c = n.charAt(i);
      if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_')) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return any ? "any host" : expected();
  }
}
