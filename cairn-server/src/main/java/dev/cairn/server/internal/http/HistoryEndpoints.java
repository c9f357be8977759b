package dev.cairn.server.internal.http;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.cairn.common.CairnException;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.acl.Authorizer;
import dev.cairn.server.internal.auth.AclGuard;
import dev.cairn.server.internal.trends.Trends;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code GET /v1/history/services}, {@code /v1/history/server} and {@code /v1/history/events}: the
 * recent past this server kept for the console (decision 0153). Answers from memory at once.
 */
final class HistoryEndpoints {

  /** Events answered when {@code limit} is not given. */
  static final int DEFAULT_EVENT_LIMIT = 100;

  private static final Set<String> NAMESPACE_PARAM = Set.of("namespace");
  private static final Set<String> EVENT_PARAMS = Set.of("namespace", "after", "limit");

  private final Registry registry;
  private final Trends trends;

  HistoryEndpoints(Registry registry, Trends trends) {
    this.registry = registry;
    this.trends = trends;
  }

  /** {@code GET /v1/history/services}: every service's counts at each minute sample. */
  void services(Exchange ex) {
    ex.checkParams(NAMESPACE_PARAM, false);
    String ns = ex.namespace();
    Authorizer caller = ex.authorizer();
    boolean whole = AclGuard.readsWholeNamespace(caller, ns);
    Trends.ServiceHistory h = trends.services(ns);
    ex.ok(
        JsonBodies.encode(
            g -> {
              g.writeStartObject();
              g.writeStringField("namespace", ns);
              g.writeNumberField("stepSeconds", Trends.SERVICE_STEP_MILLIS / 1000);
              writeTimes(g, h.times());
              g.writeArrayFieldStart("services");
              for (Trends.ServiceSeries s : h.services()) {
                if (!whole && !AclGuard.reads(caller, ns, s.service())) {
                  continue;
                }
                g.writeStartObject();
                g.writeStringField("service", s.service());
                g.writeFieldName("instances");
                g.writeArray(s.instances(), 0, s.instances().length);
                g.writeFieldName("passing");
                g.writeArray(s.passing(), 0, s.passing().length);
                g.writeEndObject();
              }
              g.writeEndArray();
              g.writeNumberField("unfollowed", h.unfollowed());
              g.writeEndObject();
            }),
        registry.revision());
  }

  /** {@code GET /v1/history/server}: the write rate and push latency at each 10-second step. */
  void server(Exchange ex) {
    ex.checkParams(Set.of(), false);
    long revision = registry.revision();
    Trends.ServerHistory h = trends.server(revision);
    ex.ok(
        JsonBodies.encode(
            g -> {
              g.writeStartObject();
              g.writeNumberField("stepSeconds", Trends.SERVER_STEP_MILLIS / 1000);
              writeTimes(g, h.times());
              writeRounded(g, "writesPerSecond", h.writesPerSecond());
              g.writeFieldName("pushes");
              g.writeArray(h.pushes(), 0, h.pushes().length);
              writeRounded(g, "pushLagMeanMillis", h.meanLagMillis());
              writeRounded(g, "pushLagMaxMillis", h.maxLagMillis());
              Trends.Step c = h.current();
              g.writeObjectFieldStart("current");
              g.writeStringField("time", Instant.ofEpochMilli(c.timeMillis()).toString());
              g.writeNumberField("writesPerSecond", rounded(c.writesPerSecond()));
              g.writeNumberField("pushes", c.pushes());
              g.writeNumberField("pushLagMeanMillis", rounded(c.meanLagMillis()));
              g.writeNumberField("pushLagMaxMillis", rounded(c.maxLagMillis()));
              g.writeEndObject();
              g.writeEndObject();
            }),
        revision);
  }

  /** {@code GET /v1/history/events?after=R&limit=N}: the namespace's latest events. */
  void events(Exchange ex) {
    ex.checkParams(EVENT_PARAMS, false);
    String ns = ex.namespace();
    long after = number(ex, "after", 0, 0, Long.MAX_VALUE);
    int limit = (int) number(ex, "limit", DEFAULT_EVENT_LIMIT, 1, Trends.MAX_EVENTS);
    long revision = registry.revision();
    Authorizer caller = ex.authorizer();
    Trends.Timeline t;
    if (AclGuard.readsWholeNamespace(caller, ns)) {
      t = trends.events(ns, after, limit);
    } else {
      // Only the events of services the token may read: the newest `limit` of those.
      Trends.Timeline all = trends.events(ns, after, Trends.MAX_EVENTS);
      List<Trends.Event> kept = new ArrayList<>();
      for (Trends.Event e : all.events()) {
        if (AclGuard.reads(caller, ns, e.service())) {
          kept.add(e);
        }
      }
      t =
          new Trends.Timeline(
              kept.subList(Math.max(0, kept.size() - limit), kept.size()),
              all.truncated(),
              all.oldestRevision());
    }
    ex.ok(
        JsonBodies.encode(
            g -> {
              g.writeStartObject();
              g.writeStringField("namespace", ns);
              g.writeNumberField("revision", revision);
              g.writeNumberField("oldestRevision", t.oldestRevision());
              g.writeBooleanField("truncated", t.truncated());
              g.writeArrayFieldStart("events");
              for (Trends.Event e : t.events()) {
                g.writeStartObject();
                g.writeNumberField("revision", e.revision());
                g.writeStringField("time", Instant.ofEpochMilli(e.timeMillis()).toString());
                g.writeStringField("type", e.kind().apiName());
                g.writeStringField("service", e.service());
                g.writeStringField("id", e.instanceId());
                g.writeStringField("health", e.health().name().toLowerCase(java.util.Locale.ROOT));
                if (e.kind() == Trends.EventKind.HEALTH_CHANGED) {
                  g.writeStringField(
                      "previousHealth",
                      e.previousHealth().name().toLowerCase(java.util.Locale.ROOT));
                }
                g.writeEndObject();
              }
              g.writeEndArray();
              g.writeEndObject();
            }),
        revision);
  }

  private static long number(Exchange ex, String name, long absent, long min, long max) {
    String text = ex.param(name);
    if (text == null) {
      return absent;
    }
    long value;
    try {
      value = Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw CairnException.invalid(name, text, "a whole number from " + min + " to " + max);
    }
    if (value < min || value > max) {
      throw CairnException.invalid(name, text, "a whole number from " + min + " to " + max);
    }
    return value;
  }

  private static void writeTimes(JsonGenerator g, long[] times) throws IOException {
    g.writeArrayFieldStart("times");
    for (long t : times) {
      g.writeString(Instant.ofEpochMilli(t).toString());
    }
    g.writeEndArray();
  }

  private static double rounded(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  /** Writes {@code values} with at most three decimals. */
  private static void writeRounded(JsonGenerator g, String field, double[] values)
      throws IOException {
    g.writeArrayFieldStart(field);
    for (double v : values) {
      g.writeNumber(rounded(v));
    }
    g.writeEndArray();
  }
}
