package dev.cairn.server.internal.http;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import dev.cairn.common.Durations;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Health;
import dev.cairn.common.HealthCheck;
import dev.cairn.common.Instance;
import dev.cairn.common.InstanceKind;
import dev.cairn.server.core.ServiceList;
import dev.cairn.server.core.ServiceSnapshot;
import dev.cairn.server.core.ServiceSummary;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes the API's JSON bodies with Jackson's streaming generator: no object tree, one pass. Every
 * method is thread-safe.
 */
final class JsonBodies {

  private static final JsonFactory FACTORY =
      JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();

  private static final String[] HEALTH = lowerCaseNames(Health.values());
  private static final String[] KIND = lowerCaseNames(InstanceKind.values());

  private JsonBodies() {}

  /** Writes one JSON value with {@code g}. */
  @FunctionalInterface
  interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  /** {@code body} as UTF-8 bytes. */
  static byte[] encode(Body body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    writeTo(out, body);
    return out.toByteArray();
  }

  /** Writes {@code body} to {@code out} as UTF-8, leaving {@code out} open. */
  static void writeTo(OutputStream out, Body body) {
    try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
      body.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code {"namespace":..,"service":..,"revision":R,"instances":[..]}}. */
  static byte[] instances(String namespace, String service, long revision, List<Instance> list) {
    return instances(namespace, service, revision, list, false);
  }

  /**
   * Like {@link #instances(String, String, long, List)}, with {@code "protection":true} when a
   * healthy-only read is answered with every instance.
   */
  static byte[] instances(
      String namespace, String service, long revision, List<Instance> list, boolean protection) {
    return encode(
        g -> {
          g.writeStartObject();
          g.writeStringField("namespace", namespace);
          g.writeStringField("service", service);
          g.writeNumberField("revision", revision);
          if (protection) {
            g.writeBooleanField("protection", true);
          }
          writeInstances(g, list);
          g.writeEndObject();
        });
  }

  /** The unfiltered instances body of a snapshot. */
  static byte[] instances(ServiceSnapshot s) {
    return instances(s.namespace(), s.name(), s.revision(), s.instances());
  }

  /** {@code {"namespace":..,"revision":N,"services":[{"name":..,"instances":..,..}]}}. */
  static byte[] services(ServiceList list) {
    return encode(
        g -> {
          g.writeStartObject();
          g.writeStringField("namespace", list.namespace());
          g.writeNumberField("revision", list.revision());
          g.writeArrayFieldStart("services");
          for (ServiceSummary s : list.services()) {
            g.writeStartObject();
            g.writeStringField("name", s.name());
            g.writeNumberField("instances", s.instanceCount());
            g.writeNumberField("passing", s.passingCount());
            g.writeNumberField("revision", s.revision());
            g.writeEndObject();
          }
          g.writeEndArray();
          g.writeEndObject();
        });
  }

  /** {@code {"revision":N,"instance":{..}}}. */
  static byte[] instanceAt(long revision, Instance instance) {
    return encode(
        g -> {
          g.writeStartObject();
          g.writeNumberField("revision", revision);
          g.writeFieldName("instance");
          writeInstance(g, instance);
          g.writeEndObject();
        });
  }

  /** {@code {"revision":N}}. */
  static byte[] revision(long revision) {
    return encode(
        g -> {
          g.writeStartObject();
          g.writeNumberField("revision", revision);
          g.writeEndObject();
        });
  }

  /** {@code {"error":{"code":..,"field":..,"message":..}}}; {@code field} is left out when null. */
  static byte[] error(ErrorCode code, String field, String message) {
    return encode(
        g -> {
          g.writeStartObject();
          g.writeObjectFieldStart("error");
          g.writeStringField("code", code.name());
          if (field != null) {
            g.writeStringField("field", field);
          }
          g.writeStringField("message", message);
          g.writeEndObject();
          g.writeEndObject();
        });
  }

  /** {@code "instances":[..]} inside an open object. */
  static void writeInstances(JsonGenerator g, List<Instance> list) throws IOException {
    g.writeArrayFieldStart("instances");
    for (int i = 0, n = list.size(); i < n; i++) {
      writeInstance(g, list.get(i));
    }
    g.writeEndArray();
  }

  /** One instance object, in the field order of the API documentation. */
  static void writeInstance(JsonGenerator g, Instance in) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", in.id());
    g.writeStringField("service", in.service());
    g.writeStringField("address", in.address());
    g.writeObjectFieldStart("ports");
    for (Map.Entry<String, Integer> e : in.ports().entrySet()) {
      g.writeNumberField(e.getKey(), e.getValue());
    }
    g.writeEndObject();
    g.writeArrayFieldStart("tags");
    for (String t : in.tags()) {
      g.writeString(t);
    }
    g.writeEndArray();
    g.writeObjectFieldStart("metadata");
    for (Map.Entry<String, String> e : in.metadata().entrySet()) {
      g.writeStringField(e.getKey(), e.getValue());
    }
    g.writeEndObject();
    g.writeNumberField("weight", in.weight());
    g.writeStringField("zone", in.zone());
    g.writeStringField("health", HEALTH[in.health().ordinal()]);
    g.writeStringField("kind", KIND[in.kind().ordinal()]);
    if (!in.sessionId().isEmpty()) {
      g.writeStringField("session", in.sessionId());
    }
    HealthCheck check = in.check().orElse(null);
    if (check != null) {
      writeCheck(g, check);
    }
    g.writeNumberField("createRevision", in.createRevision());
    g.writeNumberField("modRevision", in.modRevision());
    g.writeEndObject();
  }

  private static void writeCheck(JsonGenerator g, HealthCheck c) throws IOException {
    g.writeObjectFieldStart("check");
    g.writeStringField("type", c.type().label());
    if (!c.port().isEmpty()) {
      g.writeStringField("port", c.port());
    }
    if (!c.path().isEmpty()) {
      g.writeStringField("path", c.path());
    }
    g.writeStringField("interval", Durations.format(c.interval()));
    if (c.type() != HealthCheck.Type.TTL) {
      g.writeStringField("timeout", Durations.format(c.timeout()));
    }
    g.writeNumberField("rise", c.rise());
    g.writeNumberField("fall", c.fall());
    g.writeEndObject();
  }

  private static String[] lowerCaseNames(Enum<?>[] values) {
    String[] names = new String[values.length];
    for (Enum<?> v : values) {
      names[v.ordinal()] = v.name().toLowerCase(Locale.ROOT);
    }
    return names;
  }
}
