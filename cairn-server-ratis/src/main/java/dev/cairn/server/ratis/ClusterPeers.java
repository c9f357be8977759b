package dev.cairn.server.ratis;

import static java.util.Objects.requireNonNull;

import dev.cairn.server.ratis.internal.PeerAddresses;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The members of a Cairn cluster as given on the command line: {@code
 * n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7003}, each a node id and its Raft address.
 */
public final class ClusterPeers {

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

  /** The most members a group may list; more voters only slow every commit. */
  public static final int MAX_PEERS = 9;

  /** One member: its id and the host and port its Raft server listens on. */
  public record Peer(String id, String host, int port) {

    public Peer {
      checkId("node id", id);
      requireNonNull(host, "host");
      if (host.isBlank()) {
        throw new IllegalArgumentException(
            "peer " + id + ": host \"\" (expected: a host name or IP address)");
      }
      if (port < 1 || port > 65_535) {
        throw new IllegalArgumentException(
            "peer " + id + ": port " + port + " (expected: 1..65535)");
      }
    }

    /** {@code host:port}, with an IPv6 host in brackets. */
    public String address() {
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
      return id + "=" + address();
    }
  }

  private ClusterPeers() {}

  /**
   * Parses {@code id=host:port[,id=host:port...]}.
   *
   * @throws IllegalArgumentException naming the value when an entry is malformed, an id or an
   *     address appears twice (see {@link #check}), or there are more than {@link #MAX_PEERS}
   */
  public static List<Peer> parse(String spec) {
    requireNonNull(spec, "spec");
    if (spec.isBlank()) {
      throw new IllegalArgumentException(
          "--peers: \"\" (expected: id=host:port[,id=host:port...])");
    }
    List<Peer> peers = new ArrayList<>();
    for (String part : spec.split(",", -1)) {
      peers.add(parsePeer(part.trim()));
    }
    check(peers);
    return List.copyOf(peers);
  }

  /** Parses one {@code id=host:port}. */
  public static Peer parsePeer(String entry) {
    int eq = entry.indexOf('=');
    if (eq <= 0 || eq == entry.length() - 1) {
      throw new IllegalArgumentException(
          "peer \"" + entry + "\" (expected: id=host:port, e.g. n1=127.0.0.1:7001)");
    }
    String id = entry.substring(0, eq);
    String address = entry.substring(eq + 1);
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || colon == address.length() - 1) {
      throw new IllegalArgumentException(
          "peer \"" + entry + "\": address \"" + address + "\" (expected: host:port)");
    }
    String host = address.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "peer \""
              + entry
              + "\": port \""
              + address.substring(colon + 1)
              + "\" (expected: a number 1..65535)");
    }
    return new Peer(id, host, port);
  }

  /**
   * Checks a member list: no id and no address twice, at most {@link #MAX_PEERS}. Two addresses are
   * one when they reach one process: the same port on hosts that are the same IP address, so {@code
   * localhost:7001} is {@code 127.0.0.1:7001}. Host names are resolved for this, for at most a
   * second; one that does not resolve by then is compared as written.
   *
   * @throws IllegalArgumentException naming the value
   */
  public static void check(List<Peer> peers) {
    if (peers.isEmpty()) {
      throw new IllegalArgumentException("--peers: no peer (expected: at least one)");
    }
    if (peers.size() > MAX_PEERS) {
      throw new IllegalArgumentException(
          "--peers: " + peers.size() + " peers (expected: at most " + MAX_PEERS + ")");
    }
    Map<String, Peer> ids = new HashMap<>();
    for (Peer p : peers) {
      Peer before = ids.putIfAbsent(p.id(), p);
      if (before != null) {
        throw new IllegalArgumentException(
            "--peers: node id \"" + p.id() + "\" appears twice (" + before + ", " + p + ")");
      }
    }
    PeerAddresses.firstClash(peers)
        .ifPresent(
            c -> {
              throw new IllegalArgumentException(
                  "--peers: address "
                      + c.earlier().address()
                      + " is given to two members ("
                      + (c.sameText()
                          ? c.earlier().id() + " and " + c.later().id()
                          : c.earlier() + " and " + c.later() + ": " + c.why())
                      + ")");
            });
  }

  /**
   * Checks a node id.
   *
   * @throws IllegalArgumentException naming the value
   */
  public static String checkId(String what, String id) {
    requireNonNull(id, what);
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          what + ": \"" + id + "\" (expected: 1..63 of [A-Za-z0-9._-], starting alphanumeric)");
    }
    return id;
  }
}
