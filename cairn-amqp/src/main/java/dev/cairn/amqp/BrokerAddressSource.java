package dev.cairn.amqp;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the broker is: a list of {@code host:port} addresses, asked again on every connection
 * attempt, including each automatic recovery after a dropped connection.
 *
 * <p>Implementations must be thread-safe and must not block for long: the RabbitMQ client calls
 * {@link #addresses()} from its connection and recovery threads. An empty list means "no broker
 * known right now"; the connection attempt then fails and is retried with backoff.
 */
@FunctionalInterface
public interface BrokerAddressSource {

  /** The addresses to try, in order of preference; never null, unresolved host names allowed. */
  List<InetSocketAddress> addresses();

  /**
   * A fixed list of {@code host:port} addresses, e.g. {@code fixed("127.0.0.1:5672")}.
   *
   * @throws IllegalArgumentException when an address is not {@code host:port} with a port in
   *     1..65535
   */
  static BrokerAddressSource fixed(String... hostPorts) {
    requireNonNull(hostPorts, "hostPorts");
    if (hostPorts.length == 0) {
      throw new IllegalArgumentException("hostPorts: [] (expected: at least one host:port)");
    }
    List<InetSocketAddress> list = new ArrayList<>();
    for (String hostPort : hostPorts) {
      list.add(parse(hostPort));
    }
    List<InetSocketAddress> copy = List.copyOf(list);
    return () -> copy;
  }

  /**
   * This source's addresses, or when it has none (or fails), the fallback's: e.g. the Cairn
   * registry first, a static list when no broker instance is registered.
   */
  default BrokerAddressSource orElse(BrokerAddressSource fallback) {
    requireNonNull(fallback, "fallback");
    BrokerAddressSource self = this;
    return () -> {
      List<InetSocketAddress> found;
      try {
        found = self.addresses();
      } catch (RuntimeException e) {
        found = List.of();
      }
      return found == null || found.isEmpty() ? fallback.addresses() : found;
    };
  }

  /** Parses {@code host:port} (IPv6 hosts in brackets: {@code [::1]:5672}). */
  static InetSocketAddress parse(String hostPort) {
    requireNonNull(hostPort, "hostPort");
    int colon = hostPort.lastIndexOf(':');
    String host = colon > 0 ? hostPort.substring(0, colon) : "";
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = -1;
    if (colon > 0) {
      try {
        port = Integer.parseInt(hostPort.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
    }
    if (host.isEmpty() || port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          "hostPort: \"" + hostPort + "\" (expected: host:port with port in 1..65535)");
    }
    return InetSocketAddress.createUnresolved(host, port);
  }
}
