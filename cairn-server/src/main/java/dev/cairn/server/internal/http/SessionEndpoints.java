package dev.cairn.server.internal.http;

import dev.cairn.common.Durations;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.SessionAccess;
import java.time.Duration;
import java.util.Set;

/** The session endpoints: create, renew and delete. */
final class SessionEndpoints {

  private static final String DEFAULT_CLIENT_NAME = "http";

  private final Registry registry;

  SessionEndpoints(Registry registry) {
    this.registry = registry;
  }

  /**
   * {@code POST /v1/sessions}: the answer carries the session's secret, this once (decision 0165).
   */
  void create(Exchange ex) {
    ex.checkParams(Set.of(), false);
    JsonRequests.SessionRequest request = JsonRequests.session(ex.jsonBody());
    String name = request.name().isEmpty() ? DEFAULT_CLIENT_NAME : request.name();
    ex.reply(
        registry.openSession(
            Duration.ofMillis(request.ttlMillis()), "", SessionAccess.none(), name, ex.author()),
        info ->
            JsonBodies.encode(
                g -> {
                  g.writeStartObject();
                  g.writeStringField("id", info.id());
                  g.writeStringField("secret", info.secret());
                  g.writeStringField("ttl", Durations.format(Duration.ofMillis(info.ttlMillis())));
                  g.writeNumberField("ttlMillis", info.ttlMillis());
                  g.writeEndObject();
                }));
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
