package dev.cairn.server.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Secure by default: a server bound to an address other than loopback must authenticate whoever
 * connects, since anyone who reaches it could otherwise read and rewrite the registry: TLS, with a
 * client CA (mutual TLS) or ACL tokens. The front doors enforce the same TLS and tokens (decision
 * 0174), so they are allowed on the same terms. An explicit {@code --insecure-allow-open-access}
 * serves anyway, with a warning at every start.
 */
public final class OpenAccess {

  private static final Logger log = LoggerFactory.getLogger(OpenAccess.class);

  private OpenAccess() {}

  /**
   * Checks the server's settings before anything is opened.
   *
   * @throws IllegalStateException saying what is missing and how to fix it, when the server would
   *     serve open access off loopback without being allowed to
   */
  public static void check(InetAddress bind, boolean tls, boolean clientCa, boolean allowed) {
    check(bind, tls, clientCa, false, allowed);
  }

  /**
   * Like {@link #check(InetAddress, boolean, boolean, boolean)}; with {@code acl} (ACL tokens
   * enforced), TLS without a client CA is enough: the tokens authenticate the clients.
   */
  public static void check(
      InetAddress bind, boolean tls, boolean clientCa, boolean acl, boolean allowed) {
    if (bind.isLoopbackAddress()) {
      return;
    }
    String missing = missing(tls, clientCa, acl);
    if (missing == null) {
      return;
    }
    String where = ListenerLines.host(bind);
    if (!allowed) {
      throw new IllegalStateException(
          "refusing to serve "
              + where
              + " (not loopback) "
              + missing
              + ": anyone who reaches it could read and change the registry. Give --tls-cert and"
              + " --tls-key, with --tls-ca (mutual TLS) or --acl (ACL tokens), or bind to 127.0.0.1, or accept the risk with --insecure-allow-open-access");
    }
    log.warn(
        "\n*****************************************************************************\n"
            + "* INSECURE: --insecure-allow-open-access: serving {} {}.\n"
            + "* Anyone who can reach this server can read, register and deregister any\n"
            + "* service. Use --tls-cert, --tls-key and --tls-ca, or bind to loopback.\n"
            + "*****************************************************************************",
        where,
        missing);
  }

  /**
   * Checks the Raft addresses of a cluster's members ({@code hosts}; empty for a single node):
   * member-to-member traffic has no TLS yet, so a member reachable off loopback could be sent log
   * entries by anyone. Host names are resolved here.
   *
   * @throws IllegalStateException saying so, when a member is not on loopback and the server was
   *     not allowed open access
   */
  public static void checkRaft(List<String> hosts, boolean peerTls, boolean allowed) {
    if (peerTls) {
      return; // mutual TLS between members (decision 0109)
    }
    String open = null;
    for (String host : hosts) {
      InetAddress ip;
      try {
        ip = InetAddress.getByName(host);
      } catch (UnknownHostException e) {
        continue; // Ratis reports the unknown host itself
      }
      if (!ip.isLoopbackAddress()) {
        open = host;
        break;
      }
    }
    if (open == null) {
      return;
    }
    if (!allowed) {
      throw new IllegalStateException(
          "refusing to replicate with a member off loopback ("
              + open
              + "): traffic between members would be plaintext and unauthenticated, so anyone who"
              + " reaches a Raft port could rewrite the registry. Give every member --tls-cert,"
              + " --tls-key and --tls-ca (mutual TLS between members, decision 0109), keep the"
              + " members on loopback, or accept the risk with --insecure-allow-open-access");
    }
    log.warn(
        "\n*****************************************************************************\n"
            + "* INSECURE: --insecure-allow-open-access: replicating with {} in plaintext.\n"
            + "* Member-to-member (Raft) traffic is plaintext without --tls-ca: anyone\n"
            + "* who reaches a Raft port can rewrite the registry. Firewall those ports.\n"
            + "*****************************************************************************",
        open);
  }

  // What makes the access open, or null when nothing does.
  private static String missing(boolean tls, boolean clientCa, boolean acl) {
    if (!tls && acl) {
      return "without TLS (the ACL tokens, like everything else, would cross the network in"
          + " plaintext)";
    }
    if (!tls) {
      return "without TLS or any client authentication";
    }
    if (!clientCa && !acl) {
      return "over TLS without client authentication (no client CA, no --acl)";
    }
    return null;
  }
}
