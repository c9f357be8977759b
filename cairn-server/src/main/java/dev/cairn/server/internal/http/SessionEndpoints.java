package dev.cairn.server.internal.http;

import dev.cairn.common.Durations;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.SessionAccess;
import dev.cairn.server.internal.limits.TokenQuota;
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
  private final int maxPerToken; // 0: no limit

  /**
   * The sessions opened over HTTP by each client address (an {@link InetAddress} key) and, with a
   * per-token limit, by each ACL token (its accessor id, a {@link String} key); pruned of ended
   * ones when full.
   */
  private final Map<Object, Set<String>> opened = new HashMap<>();

  SessionEndpoints(Registry registry, int maxPerClient, TokenQuota perToken) {
    this.registry = registry;
    this.maxPerClient = maxPerClient;
    this.maxPerToken = perToken == null ? 0 : perToken.max();
  }

  /**
   * Takes a place for a new session of {@code client} and {@code token} (either null: not counted;
   * decision 0170): refuses with 429 when either already holds its limit of open sessions opened
   * over HTTP. Sessions that have ended since are forgotten then, so the check costs nothing until
   * a client has many.
   */
  private synchronized void checkRoom(InetAddress client, String token) {
    if (client != null && full(client, maxPerClient)) {
      throw refusal(maxPerClient, "from " + client.getHostAddress(), "per client address");
    }
    if (token != null && full(token, maxPerToken)) {
      throw refusal(maxPerToken, "with token " + token, "per token");
    }
  }

  private boolean full(Object key, int max) {
    Set<String> ids = opened.get(key);
    if (ids == null || ids.size() < max) {
      return false;
    }
    ids.removeIf(id -> !registry.isSessionOpen(id));
    return ids.size() >= max;
  }

  private static ApiError refusal(int max, String whose, String per) {
    return ApiError.tooManyRequests(
        "sessions",
        "sessions: "
            + max
            + " open "
            + whose
            + " (expected: at most "
            + max
            + " "
            + per
            + "; close some, or let them expire)",
        1);
  }

  private synchronized void opened(InetAddress client, String token, String id) {
    if (client != null) {
      opened.computeIfAbsent(client, k -> new HashSet<>()).add(id);
    }
    if (token != null) {
      opened.computeIfAbsent(token, k -> new HashSet<>()).add(id);
    }
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
    String token = maxPerToken == 0 ? null : ex.tokenAccessor();
    checkRoom(client, token);
    ex.reply(
        registry.openSession(
            Duration.ofMillis(request.ttlMillis()), "", SessionAccess.none(), name, ex.author()),
        info -> {
          opened(client, token, info.id());
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
