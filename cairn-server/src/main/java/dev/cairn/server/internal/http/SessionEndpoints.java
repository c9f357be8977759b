package dev.cairn.server.internal.http;

import dev.cairn.common.Durations;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.SessionAccess;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** The session endpoints: create, renew and delete. */
final class SessionEndpoints {

  private static final String DEFAULT_CLIENT_NAME = "http";

  private final Registry registry;
  private final int maxPerClient;

  /** The sessions opened over HTTP by each client address; pruned of closed ones when full. */
  private final Map<InetAddress, Set<String>> opened = new HashMap<>();

  SessionEndpoints(Registry registry, int maxPerClient) {
    this.registry = registry;
    this.maxPerClient = maxPerClient;
  }

  /**
   * Takes a place for a new session of {@code client} (decision 0170): refuses with 429 when it
   * already holds {@code maxPerClient} open sessions opened over HTTP. Sessions that have ended
   * since are forgotten then, so the check costs nothing until a client has many.
   */
  private synchronized void checkRoom(InetAddress client) {
    Set<String> ids = opened.get(client);
    if (ids == null || ids.size() < maxPerClient) {
      return;
    }
    ids.removeIf(id -> !registry.isSessionOpen(id));
    if (ids.size() < maxPerClient) {
      return;
    }
    throw ApiError.tooManyRequests(
        "sessions",
        "sessions: "
            + maxPerClient
            + " open from "
            + client.getHostAddress()
            + " (expected: at most "
            + maxPerClient
            + " per client address; close some, or let them expire)",
        1);
  }

  private synchronized void opened(InetAddress client, String id) {
    opened.computeIfAbsent(client, k -> new HashSet<>()).add(id);
  }

  private static InetAddress client(Exchange ex) {
    return ex.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
  }

  /**
   * {@code POST /v1/sessions}: the answer carries the session's secret, this once (decision 0165).
   */
  void create(Exchange ex) {
    ex.checkParams(Set.of(), false);
    JsonRequests.SessionRequest request = JsonRequests.session(ex.jsonBody());
    String name = request.name().isEmpty() ? DEFAULT_CLIENT_NAME : request.name();
    InetAddress client = client(ex);
    if (client != null) {
      checkRoom(client);
    }
    ex.reply(
        registry.openSession(
            Duration.ofMillis(request.ttlMillis()), "", SessionAccess.none(), name, ex.author()),
        info -> {
          if (client != null) {
            opened(client, info.id());
          }
          return JsonBodies.encode(
              g -> {
                g.writeStartObject();
                g.writeStringField("id", info.id());
                g.writeStringField("secret", info.secret());
                g.writeStringField("ttl", Durations.format(Duration.ofMillis(info.ttlMillis())));
                g.writeNumberField("ttlMillis", info.ttlMillis());
                g.writeEndObject();
              });
        });
  }

  /** {@code PUT /v1/sessions/{id}/renew}, with the session's secret in a header. */
  void renew(Exchange ex) {
    ex.checkParams(Set.of(), false);
    String id = ex.segment(2);
    long ttlMillis = registry.keepAlive(id, ex.sessionAccess());
    ex.ok(
        JsonBodies.encode(
            g -> {
              g.writeStartObject();
              g.writeStringField("id", id);
              g.writeNumberField("ttlMillis", ttlMillis);
              g.writeEndObject();
            }));
  }

  /** {@code DELETE /v1/sessions/{id}}, with the session's secret in a header. */
  void delete(Exchange ex) {
    ex.checkParams(Set.of(), false);
    ex.reply(
        registry.closeSession(ex.segment(2), ex.sessionAccess(), ex.author()),
        JsonBodies::revision);
  }
}
