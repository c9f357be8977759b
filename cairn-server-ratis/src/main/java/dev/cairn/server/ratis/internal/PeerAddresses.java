package dev.cairn.server.ratis.internal;

import static java.util.Objects.requireNonNull;

import dev.cairn.server.ratis.ClusterPeers;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * Whether two members' Raft addresses reach one process: the same port on hosts that denote the
 * same IP address ({@code localhost:7001} is {@code 127.0.0.1:7001}), so that one process never
 * counts as two voters. Host names are resolved, all at once, for at most {@value #RESOLVE_MILLIS}
 * ms; a name that does not resolve in that time is compared as written, ignoring case. A wildcard
 * address ({@code 0.0.0.0}, {@code ::}) reaches this machine, so it is the same as any address of
 * this machine.
 *
 * <p>Stateless, thread-safe; the calls block their caller while they resolve.
 */
public final class PeerAddresses {

  /** How long resolving the names of one check may take. */
  static final long RESOLVE_MILLIS = 1_000;

  private static final Pattern IPV4 =
      Pattern.compile(
          "(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}");

  /** Two members at one address, and why they are, e.g. {@code localhost is 127.0.0.1}. */
  public record Clash(ClusterPeers.Peer earlier, ClusterPeers.Peer later, String why) {

    /** Whether both addresses are written the same (then {@link #why} is empty). */
    public boolean sameText() {
      return why.isEmpty();
    }
  }

  private PeerAddresses() {}

  /** The first member of {@code peers} whose address a member before it has already. */
  public static Optional<Clash> firstClash(List<ClusterPeers.Peer> peers) {
    Map<String, List<InetAddress>> resolved = resolve(peers);
    for (int i = 0; i < peers.size(); i++) {
      for (int j = 0; j < i; j++) {
        Optional<Clash> clash = clash(peers.get(j), peers.get(i), resolved);
        if (clash.isPresent()) {
          return clash;
        }
      }
    }
    return Optional.empty();
  }

  /** The member of {@code members} that has {@code candidate}'s address already, if one has. */
  public static Optional<Clash> holder(
      ClusterPeers.Peer candidate, List<ClusterPeers.Peer> members) {
    requireNonNull(candidate, "candidate");
    List<ClusterPeers.Peer> all = new ArrayList<>(members);
    all.add(candidate);
    Map<String, List<InetAddress>> resolved = resolve(all);
    for (ClusterPeers.Peer m : members) {
      Optional<Clash> clash = clash(m, candidate, resolved);
      if (clash.isPresent()) {
        return clash;
      }
    }
    return Optional.empty();
  }

  private static Optional<Clash> clash(
      ClusterPeers.Peer a, ClusterPeers.Peer b, Map<String, List<InetAddress>> resolved) {
    if (a.port() != b.port()) {
      return Optional.empty();
    }
    if (a.host().equalsIgnoreCase(b.host())) {
      return Optional.of(new Clash(a, b, ""));
    }
    List<InetAddress> as = resolved.get(key(a.host()));
    List<InetAddress> bs = resolved.get(key(b.host()));
    for (InetAddress x : as) {
      for (InetAddress y : bs) {
        if (x.isAnyLocalAddress() && isOfThisMachine(y)) {
          return Optional.of(new Clash(a, b, a.host() + " is every address of this machine"));
        }
        if (y.isAnyLocalAddress() && isOfThisMachine(x)) {
          return Optional.of(new Clash(a, b, b.host() + " is every address of this machine"));
        }
        if (x.equals(y)) {
          return Optional.of(new Clash(a, b, why(a.host(), b.host(), x)));
        }
      }
    }
    return Optional.empty();
  }

  // "localhost is 127.0.0.1", or "h1 and h2 are both 10.0.0.1" when neither is the address written.
  private static String why(String a, String b, InetAddress both) {
    String ip = both.getHostAddress();
    boolean aIsIp = isWritten(a, both);
    boolean bIsIp = isWritten(b, both);
    if (aIsIp || bIsIp) {
      return (aIsIp ? b : a) + " is " + ip;
    }
    return a + " and " + b + " are both " + ip;
  }

  // Whether host is the address itself, written as an IP address (in any of its forms).
  private static boolean isWritten(String host, InetAddress address) {
    if (!isLiteral(host)) {
      return false; // a name: InetAddress would look it up
    }
    try {
      return InetAddress.getByName(host).equals(address); // a literal: parsed, not looked up
    } catch (UnknownHostException e) {
      return false;
    }
  }

  // Whether host is written as an IP address (IPv4 dotted, or IPv6, which has colons).
  private static boolean isLiteral(String host) {
    return IPV4.matcher(host).matches() || host.indexOf(':') >= 0;
  }

  private static boolean isOfThisMachine(InetAddress address) {
    if (address.isAnyLocalAddress() || address.isLoopbackAddress()) {
      return true;
    }
    try {
      return NetworkInterface.getByInetAddress(address) != null;
    } catch (SocketException e) {
      return false;
    }
  }

  /**
   * Each distinct host's IP addresses, looked up at once on threads of their own; a host that does
   * not resolve within {@link #RESOLVE_MILLIS} has none (a lookup left behind ends by itself).
   */
  private static Map<String, List<InetAddress>> resolve(List<ClusterPeers.Peer> peers) {
    Executor ownThread =
        r -> {
          Thread t = new Thread(r, "cairn-peer-lookup");
          t.setDaemon(true);
          t.start();
        };
    Map<String, CompletableFuture<List<InetAddress>>> lookups = new HashMap<>();
    for (ClusterPeers.Peer p : peers) {
      // An IP address is parsed, not looked up: no thread, nothing to wait for (the usual --peers,
      // checked by each layer the list passes through).
      lookups.computeIfAbsent(
          key(p.host()),
          h ->
              isLiteral(p.host())
                  ? CompletableFuture.completedFuture(lookUp(p.host()))
                  : CompletableFuture.supplyAsync(() -> lookUp(p.host()), ownThread));
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RESOLVE_MILLIS);
    Map<String, List<InetAddress>> out = new HashMap<>();
    for (Map.Entry<String, CompletableFuture<List<InetAddress>>> e : lookups.entrySet()) {
      List<InetAddress> addresses;
      try {
        addresses =
            e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException | ExecutionException ex) {
        addresses = List.of();
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        addresses = List.of();
      }
      out.put(e.getKey(), addresses);
    }
    return out;
  }

  private static List<InetAddress> lookUp(String host) {
    try {
      return List.of(InetAddress.getAllByName(host));
    } catch (UnknownHostException | SecurityException e) {
      return List.of(); // compared as written
    }
  }

  private static String key(String host) {
    return host.toLowerCase(Locale.ROOT);
  }
}
