package dev.cairn.server.internal.http;

import dev.cairn.common.Limits;
import dev.cairn.server.core.Poller;
import dev.cairn.server.core.Registry;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * The long-poll clients of each connection, known to the registry as {@link Poller}s so that drains
 * count them: one per service a connection long-polls, told each poll's {@code index}, and closed
 * with the connection. A client that polls over a new connection each time is counted while a poll
 * of it is open, not between two (docs/api.md, "Confirmed drain").
 *
 * <p>Event loop only: a connection's requests and its close run on its event loop.
 */
final class Pollers {

  private static final AttributeKey<Map<String, Poller>> KEY =
      AttributeKey.valueOf("cairn.pollers");

  private Pollers() {}

  /** A long-poll with {@code index} on {@code namespace/service} came over {@code channel}. */
  static void polled(
      Registry registry, Channel channel, String namespace, String service, long index) {
    Map<String, Poller> mine = channel.attr(KEY).get();
    if (mine == null) {
      Map<String, Poller> created = new HashMap<>();
      channel.attr(KEY).set(created);
      channel.closeFuture().addListener(f -> created.values().forEach(Poller::close));
      mine = created;
    }
    String key = namespace + "/" + service;
    Poller p = mine.get(key);
    if (p == null) {
      if (mine.size() >= Limits.MAX_WATCHES_PER_CONNECTION || !channel.isOpen()) {
        return; // counted no more: a connection polling that many services is not a watcher
      }
      p = registry.poller(namespace, service, "long-poll " + peer(channel));
      mine.put(key, p);
    }
    p.polled(index);
  }

  private static String peer(Channel channel) {
    return channel.remoteAddress() instanceof InetSocketAddress a
        ? a.getAddress().getHostAddress() + ":" + a.getPort() + " (counted by its next poll)"
        : String.valueOf(channel.remoteAddress());
  }
}
