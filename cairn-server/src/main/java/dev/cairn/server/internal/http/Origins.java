package dev.cairn.server.internal.http;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Which writes a browser page may send (issue 13: no cross-origin writes). A browser names the page
 * that sent a request in {@code Origin}; SDKs, scripts, {@code curl} and the clients of the front
 * doors' protocols send none. A write naming another origin than the server's own (the request's
 * {@code Host}) comes from a page of another site, and is refused by the HTTP API and by the front
 * doors alike.
 */
public final class Origins {

  private Origins() {}

  /**
   * Whether a write whose {@code Origin} is {@code origin} (null: none) and whose {@code Host} is
   * {@code host} (null: none) is allowed: no origin, or the server's own.
   */
  public static boolean allowsWrite(String origin, String host) {
    return origin == null || (host != null && sameAuthority(origin, host));
  }

  /** Whether {@code origin} ({@code scheme://host[:port]}) names the server {@code host} names. */
  static boolean sameAuthority(String origin, String host) {
    URI o;
    try {
      o = new URI(origin);
    } catch (URISyntaxException e) {
      return false; // "null" (a sandboxed page, a file) and anything else that is no origin
    }
    if (o.getHost() == null || o.getScheme() == null) {
      return false;
    }
    int defaultPort = "https".equalsIgnoreCase(o.getScheme()) ? 443 : 80;
    int originPort = o.getPort() < 0 ? defaultPort : o.getPort();
    URI h;
    try {
      h = new URI("http://" + host);
    } catch (URISyntaxException e) {
      return false;
    }
    if (h.getHost() == null) {
      return false;
    }
    int hostPort = h.getPort() < 0 ? defaultPort : h.getPort();
    return o.getHost().equalsIgnoreCase(h.getHost()) && originPort == hostPort;
  }
}
