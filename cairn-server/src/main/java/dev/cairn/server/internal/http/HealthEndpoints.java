package dev.cairn.server.internal.http;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.cairn.common.Names;
import dev.cairn.server.core.HealthCheckStats;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.SelfPreservationStatus;
import dev.cairn.server.core.ServiceConfig;
import java.io.IOException;
import java.util.Locale;
import java.util.Set;

/**
 * The health endpoints: a TTL check's report ({@code PUT .../instances/{id}/health}) and a
 * service's settings ({@code GET|PUT /v1/services/{service}/config}).
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
        registry.reportHealth(ns, service, id, health),
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
        registry.setProtectionThreshold(ns, service, threshold),
        revision -> config(registry.serviceConfig(ns, service)));
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
