package dev.cairn.server;

import dev.cairn.server.core.Registry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Another protocol served from the same catalog (xDS, a Consul- or Eureka-compatible API,
 * Prometheus service discovery): a listener of its own that reads and writes only through the
 * public {@link Registry}. A {@link CairnServer} starts its front doors after its own listeners and
 * closes them before its registry; each front door lives in its own module, so removing one touches
 * neither the core nor the server.
 *
 * <p>Implementations are thread-safe; {@link #close()} is idempotent.
 */
public interface FrontDoor extends AutoCloseable {

  /**
   * The protocol, lower case, as shown in the server's listener lines: {@code xds}, {@code consul},
   * {@code eureka}, {@code prometheus-sd}. Unique among one server's front doors.
   */
  String protocol();

  /** The address actually bound (with the real port when port 0 was asked for). */
  InetSocketAddress address();

  /**
   * Where clients point, for the listener line: e.g. {@code http://127.0.0.1:8761/eureka} or, for a
   * gRPC front door, {@code 127.0.0.1:18000}.
   */
  String endpoint();

  /**
   * {@code host:port} of {@code address} for an {@link #endpoint()}: the IP literal, an IPv6 one
   * bracketed and without its scope, e.g. {@code 127.0.0.1:18000} or {@code [::1]:18000}.
   */
  static String hostPort(InetSocketAddress address) {
    InetAddress ip = address.getAddress();
    String host = ip.getHostAddress();
    if (ip instanceof java.net.Inet6Address) {
      int scope = host.indexOf('%');
      host = "[" + (scope < 0 ? host : host.substring(0, scope)) + "]";
    }
    return host + ":" + address.getPort();
  }

  /** Ends every call and stream and releases the port. Idempotent. */
  @Override
  void close();

  /** Starts a front door; called once by {@link CairnServer#start()}. */
  @FunctionalInterface
  interface Factory {

    /**
     * Binds the front door on {@code bind} (the server's listen address) and serves {@code
     * registry}, which stays open until the front door is closed. The front door enforces {@code
     * security} (the server's TLS, ACL tokens, {@code Host} allow-list and abuse limits) on every
     * connection and request: the server counts on it when it allows a front door off loopback.
     *
     * @throws IOException when the port cannot be bound
     */
    FrontDoor start(Registry registry, InetAddress bind, FrontDoorSecurity security)
        throws IOException;
  }
}
