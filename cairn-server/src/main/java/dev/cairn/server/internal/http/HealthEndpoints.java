package dev.cairn.server.internal.http;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.cairn.common.Health;
import dev.cairn.common.Names;
import dev.cairn.server.core.CheckStatus;
import dev.cairn.server.core.HealthCheckStats;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.SelfPreservationStatus;
import dev.cairn.server.core.ServiceConfig;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The health endpoints: a TTL check's report ({@code PUT .../instances/{id}/health}) and a
 * service's settings ({@code GET|PUT /v1/services/{service}/config}), and the output of its
 * instances' checks ({@code GET /v1/services/{service}/checks}, from the checker's memory: encoded
 * per request, as it changes without a revision).
 */
final class HealthEndpoints {

  private static final Set<String> NAMESPACE_PARAM = Set.of("namespace");

  private final Registry registry;

  HealthEndpoints(Registry registry) {
    this.registry = registry;
  }

  /** {@code PUT /v1/services/{service}/instances/{id}/health}. */
  void report(Exchange ex) {
    ex.checkParams(NAMESPACE_PARAM, false);
    String ns = ex.namespace();
    String service = Names.checkLabel("service", ex.segment(2));
    String id = Names.checkInstanceId("id", ex.segment(4));
    var health = JsonRequests.healthReport(ex.jsonBody());
    ex.reply(
        registry.reportHealth(ns, service, id, health, ex.author()),
        h ->
            JsonBodies.encode(
                g -> {
                  g.writeStartObject();
                  g.writeStringField("health", h.name().toLowerCase(Locale.ROOT));
                  g.writeEndObject();
                }));
  }

  /** {@code GET /v1/services/{service}/config}. */
  void getConfig(Exchange ex) {
    ex.checkParams(NAMESPACE_PARAM, false);
    String ns = ex.namespace();
    String service = Names.checkLabel("service", ex.segment(2));
    ex.ok(config(registry.serviceConfig(ns, service)));
  }

  /** {@code PUT /v1/services/{service}/config}. */
  void setConfig(Exchange ex) {
    ex.checkParams(NAMESPACE_PARAM, false);
    String ns = ex.namespace();
    String service = Names.checkLabel("service", ex.segment(2));
    Double threshold = JsonRequests.serviceConfig(ex.jsonBody());
    ex.reply(
        registry.setProtectionThreshold(ns, service, threshold, ex.author()),
        revision -> config(registry.serviceConfig(ns, service)));
  }

  /** {@code GET /v1/services/{service}/checks}. */
  void checks(Exchange ex) {
    ex.checkParams(NAMESPACE_PARAM, false);
    String ns = ex.namespace();
    String service = Names.checkLabel("service", ex.segment(2));
    ex.reply(registry.checks(ns, service), HealthEndpoints::checks);
  }

  private static byte[] checks(List<CheckStatus> checks) {
    return JsonBodies.encode(
        g -> {
          g.writeStartObject();
          g.writeArrayFieldStart("checks");
          for (CheckStatus c : checks) {
            g.writeStartObject();
            g.writeStringField("id", c.instanceId());
            g.writeStringField("type", c.type());
            g.writeStringField("health", lower(c.health()));
            if (c.lastResult() != null) {
              g.writeStringField("lastResult", lower(c.lastResult()));
            }
            g.writeStringField("output", c.output());
            g.writeNumberField("checkedAgoMillis", c.checkedAgoMillis());
            g.writeNumberField("consecutive", c.consecutive());
            g.writeBooleanField("suppressed", c.suppressed());
            g.writeEndObject();
          }
          g.writeEndArray();
          g.writeEndObject();
        });
  }

  private static String lower(Health h) {
    return h.name().toLowerCase(Locale.ROOT);
  }

  /** Writes the health fields of {@code GET /v1/status} into the open object. */
  static void writeStatus(JsonGenerator g, Registry registry) throws IOException {
    SelfPreservationStatus sp = registry.selfPreservation();
    g.writeObjectFieldStart("selfPreservation");
    g.writeBooleanField("active", sp.active());
    g.writeNumberField("activeForMillis", sp.activeForMillis());
    g.writeNumberField("heldSessions", sp.heldSessions());
    g.writeNumberField("activations", sp.activations());
    g.writeEndObject();
    HealthCheckStats h = registry.healthCheckStats();
    g.writeObjectFieldStart("healthChecks");
    g.writeNumberField("instances", h.checkedInstances());
    g.writeNumberField("probesStarted", h.probesStarted());
    g.writeNumberField("probesTimedOut", h.probesTimedOut());
    g.writeNumberField("probesSkipped", h.probesSkipped());
    g.writeNumberField("probesInFlight", h.probesInFlight());
    g.writeNumberField("probesWaiting", h.probesWaiting());
    g.writeNumberField("suppressed", h.suppressed());
    g.writeNumberField("transitions", h.transitions());
    g.writeNumberField("latenessP50Micros", h.latenessP50Micros());
    g.writeNumberField("latenessP99Micros", h.latenessP99Micros());
    g.writeNumberField("latenessMaxMicros", h.latenessMaxMicros());
    g.writeEndObject();
  }

  private static byte[] config(ServiceConfig c) {
    return JsonBodies.encode(
        g -> {
          g.writeStartObject();
          g.writeNumberField("protectionThreshold", c.protectionThreshold());
          g.writeBooleanField("default", c.isDefault());
          g.writeEndObject();
        });
  }
}
