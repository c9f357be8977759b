package dev.cairn.server.internal.http;

import dev.cairn.common.CairnException;
import dev.cairn.common.Names;
import dev.cairn.server.core.AuditEntry;
import dev.cairn.server.core.Author;
import dev.cairn.server.core.Registry;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * {@code GET /v1/audit?namespace=&service=&limit=}: the latest writes with who made them (decision
 * 0171), newest first. Answers from memory at once.
 */
final class AuditEndpoint {

  /** Writes answered when {@code limit} is not given. */
  static final int DEFAULT_LIMIT = 100;

  private static final Set<String> PARAMS = Set.of("namespace", "service", "limit");

  private final Registry registry;

  AuditEndpoint(Registry registry) {
    this.registry = registry;
  }

  void audit(Exchange ex) {
    ex.checkParams(PARAMS, false);
    String ns = ex.param("namespace");
    if (ns != null) {
      ns = Names.namespace(ns);
    }
    String service = ex.param("service");
    if (service != null) {
      Names.checkLabel("service", service);
    }
    int limit = limit(ex.param("limit"));
    long revision = registry.revision();
    List<AuditEntry> entries = registry.audit(ns, service, limit);
    ex.ok(
        JsonBodies.encode(
            g -> {
              g.writeStartObject();
              g.writeNumberField("revision", revision);
              g.writeArrayFieldStart("writes");
              for (AuditEntry e : entries) {
                g.writeStartObject();
                g.writeNumberField("revision", e.revision());
                if (e.timeMillis() > 0) {
                  g.writeStringField("time", Instant.ofEpochMilli(e.timeMillis()).toString());
                } else {
                  g.writeNullField("time");
                }
                g.writeStringField("operation", e.operation());
                g.writeStringField("namespace", e.namespace());
                g.writeStringField("service", e.service());
                g.writeStringField("target", e.target());
                Author a = e.author();
                if (a == null) {
                  g.writeNullField("author");
                } else {
                  g.writeObjectFieldStart("author");
                  g.writeStringField("accessorId", a.accessorId());
                  g.writeStringField("sessionId", a.sessionId());
                  g.writeStringField("remoteAddress", a.remoteAddress());
                  g.writeBooleanField("server", a.isServer());
                  g.writeEndObject();
                }
                g.writeEndObject();
              }
              g.writeEndArray();
              g.writeEndObject();
            }),
        revision);
  }

  private static int limit(String text) {
    if (text == null) {
      return DEFAULT_LIMIT;
    }
    try {
      int n = Integer.parseInt(text);
      if (n >= 1 && n <= Registry.MAX_AUDIT_LIMIT) {
        return n;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw CairnException.invalid(
        "limit", text, "a whole number from 1 to " + Registry.MAX_AUDIT_LIMIT);
  }
}
