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
import java.util.function.BooleanSupplier;

/** The session endpoints: create, renew and delete. */
final class SessionEndpoints {

  private static final String DEFAULT_CLIENT_NAME = "http";

  private final Registry registry;
  private final int maxPerClient;
  private final TokenQuota perToken; // null: no limit

  /**
   * The sessions opened over HTTP by each client address; pruned of ended ones when full. Guarded
   * by this.
   */
  private final Map<InetAddress, Set<String>> opened = new HashMap<>();

  /**
   * Counting per token in {@code perToken} (null: no limit), the server's one count of each token's
   * sessions, shared with its gRPC session streams and the front doors' leases (decision 0177).
   */
  SessionEndpoints(Registry registry, int maxPerClient, TokenQuota perToken) {
    this.registry = registry;
    this.maxPerClient = maxPerClient;
    this.perToken = perToken;
  }

  /**
   * Checks the room for a new session of {@code client} (null: not counted; decision 0170): refuses
   * with 429 when it already holds its limit of open sessions opened over HTTP. Sessions that have
   * ended since are forgotten then, so the check costs nothing until a client has many.
   */
  private synchronized void checkRoom(InetAddress client) {
    if (client != null && full(client, maxPerClient)) {
      throw refusal(maxPerClient, "from " + client.getHostAddress(), "per client address");
    }
  }

  /**
   * Takes one of {@code token}'s sessions (null: not counted) for a session about to open, held
   * while it is open: a session closed or expired gives its place back when the token next needs it
   * (decision 0177). Refuses with 429 when the token holds its limit across the server.
   */
  private OpenSession takePlace(String token) {
    if (token == null) {
      return null;
    }
    OpenSession place = new OpenSession();
    if (!perToken.tryAcquireWhile(token, place)) {
      throw refusal(
          perToken.max(),
          "with token " + token,
          "per token, the server's API and front doors together");
    }
    return place;
  }

  /** A session's hold on its token's place: held while it opens and while it is open. */
  private final class OpenSession implements BooleanSupplier {
    volatile String id; // null while opening

    @Override
    public boolean getAsBoolean() {
      String i = id;
      return i == null || registry.isSessionOpen(i);
    }
  }

  private boolean full(InetAddress key, int max) {
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

  private synchronized void opened(InetAddress client, String id) {
    if (client != null) {
      opened.computeIfAbsent(client, k -> new HashSet<>()).add(id);
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
    String token = perToken == null ? null : ex.tokenAccessor();
    checkRoom(client);
    OpenSession place = takePlace(token);
    ex.reply(
        registry
            .openSession(
                Duration.ofMillis(request.ttlMillis()), "", SessionAccess.none(), name, ex.author())
            .whenComplete(
                (info, e) -> {
                  if (place == null) {
                    return;
                  }
                  if (e != null) {
                    perToken.releaseWhile(token, place);
                  } else {
                    place.id = info.id();
                  }
                }),
        info -> {
          opened(client, info.id());
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
    ex.refuseBody("renew takes none: the session keeps the TTL it was opened with");
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
