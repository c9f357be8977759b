package dev.cairn.server.internal.dns;

/**
 * What the DNS listener reports about the queries it answers. The DNS package knows no metrics
 * library: the server binds this to one. Called on the listener's event loop: implementations are
 * thread-safe and never block.
 */
public interface DnsMetrics {

  /** Records nothing. */
  DnsMetrics NONE = (protocol, rcode, nanos) -> {};

  /**
   * A query over {@code protocol} ({@code udp} or {@code tcp}) was answered with {@code rcode}
   * (e.g. {@code NOERROR}, {@code NXDOMAIN}; {@code DROPPED} when it got no answer) after {@code
   * nanos}.
   */
  void answered(String protocol, String rcode, long nanos);
}
