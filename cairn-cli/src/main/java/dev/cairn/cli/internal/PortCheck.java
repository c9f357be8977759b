package dev.cairn.cli.internal;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Binds an address a server is about to listen on, and lets it go: a port in use is reported in one
 * line before anything starts, instead of by the listener that fails after others started. The
 * server's own bind may still fail (a race); that also ends in {@link ExitCode#CANNOT_START}.
 */
final class PortCheck {

  private PortCheck() {}

  /**
   * Fails when a TCP listener cannot bind {@code at}.
   *
   * @param protocol what would listen there, e.g. {@code raft}
   * @param flag the flag that chooses the port, named when it is in use
   * @param member the cluster member it is for, e.g. {@code member n2}; empty for a single server
   * @throws CliException with {@link ExitCode#CANNOT_START}
   */
  static void tcp(String protocol, InetSocketAddress at, String flag, String member) {
    check(
        protocol,
        at,
        "",
        flag,
        member,
        a -> {
          try (ServerSocket socket = new ServerSocket()) {
            socket.bind(a);
          }
        });
  }

  /** Like {@link #tcp} for a UDP listener. */
  static void udp(String protocol, InetSocketAddress at, String flag, String member) {
    check(
        protocol,
        at,
        " (udp)",
        flag,
        member,
        a -> {
          try (DatagramSocket socket = new DatagramSocket(null)) {
            socket.bind(a);
          }
        });
  }

  /** Binds a socket to an address and closes it. */
  private interface Binding {
    void bind(InetSocketAddress address) throws IOException;
  }

  // "cannot listen for http on 127.0.0.1:8510: address already in use (member n2; choose another
  // with --http-port)"
  private static void check(
      String protocol,
      InetSocketAddress at,
      String transport,
      String flag,
      String member,
      Binding binding) {
    try {
      binding.bind(at);
    } catch (IOException e) {
      String reason = Failures.describe(e);
      String hint = reason.contains("in use") ? "choose another with " + flag : "";
      String context = member.isEmpty() || hint.isEmpty() ? member + hint : member + "; " + hint;
      throw new CliException(
          ExitCode.CANNOT_START,
          "cannot listen for "
              + protocol
              + " on "
              + CairnServerStarter.hostPort(at)
              + transport
              + ": "
              + reason
              + (context.isEmpty() ? "" : " (" + context + ")"));
    }
  }
}
