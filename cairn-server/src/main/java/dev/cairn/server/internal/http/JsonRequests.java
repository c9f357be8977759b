package dev.cairn.server.internal.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.common.CairnException;
import dev.cairn.common.Durations;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Health;
import dev.cairn.common.HealthCheck;
import dev.cairn.common.Instance;
import dev.cairn.common.InstanceKind;
import dev.cairn.common.Limits;
import dev.cairn.common.Names;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the API's JSON request bodies. Strict: unknown fields, wrong types, duplicate keys and
 * trailing garbage are {@code INVALID_ARGUMENT} errors naming the field, never ignored.
 * Thread-safe.
 */
final class JsonRequests {

  private static final ObjectMapper MAPPER =
      JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private static final List<String> INSTANCE_FIELDS =
      List.of(
          "id",
          "service",
          "address",
          "ports",
          "tags",
          "metadata",
          "weight",
          "zone",
          "health",
          "kind",
          "session",
          "check",
          "createRevision",
          "modRevision");

  /**
   * The instance's fields the server sets itself: a body may carry them (an instance read back and
   * sent again), with their type, and their value is not read.
   */
  private static final List<String> READ_ONLY_INSTANCE_FIELDS =
      List.of("createRevision", "modRevision");

  private static final List<String> SESSION_FIELDS = List.of("ttl", "name");

  private static final List<String> CHECK_FIELDS =
      List.of("type", "port", "path", "interval", "timeout", "rise", "fall");

  private JsonRequests() {}

  /**
   * Reads a registration body for the instance at {@code service}/{@code id}. {@code session} is
   * the {@code ?session=} parameter, or null.
   */
  static Instance instance(ByteBuf body, String service, String id, String session) {
    ObjectNode o = object(body);
    checkFields(o, INSTANCE_FIELDS);
    checkMatches(o, "service", service);
    checkMatches(o, "id", id);
    for (String field : READ_ONLY_INSTANCE_FIELDS) {
      checkReadOnlyRevision(o, field);
    }
    String address = text(o, "address", null);
    if (address == null) {
      Names.checkAddress("address", null);
    }
    Instance.Builder b = Instance.builder(service, address).id(id);
    if (o.has("ports")) {
      b.ports(ports(o.get("ports")));
    }
    if (o.has("tags")) {
      b.tags(strings(o.get("tags"), "tags"));
    }
    if (o.has("metadata")) {
      b.metadata(metadata(o.get("metadata")));
    }
    if (o.has("weight")) {
      b.weight(integer(o.get("weight"), "weight", Limits.MIN_WEIGHT + ".." + Limits.MAX_WEIGHT));
    }
    b.zone(text(o, "zone", ""));
    String health = text(o, "health", null);
    if (health != null) {
      b.health(health(health));
    }
    // An empty session is a mistake (an id that did not come back), not "no session": taken as
    // none it would register a persistent instance that outlives its client.
    if (session != null && session.isEmpty()) {
      throw CairnException.invalid(
          "session", session, "a session id, or no ?session= for a persistent instance");
    }
    if (o.has("session") && o.get("session").isTextual() && o.get("session").asText().isEmpty()) {
      throw CairnException.invalid(
          "session", "", "a session id, or no \"session\" for a persistent instance");
    }
    String bodySession = text(o, "session", "");
    if (session != null && !bodySession.isEmpty() && !session.equals(bodySession)) {
      throw CairnException.invalid(
          "session", bodySession, "the session given as ?session= (" + session + ")");
    }
    String owner = session != null && !session.isEmpty() ? session : bodySession;
    b.sessionId(owner);
    JsonNode check = o.get("check");
    if (check != null && !check.isNull()) {
      b.check(check(check));
    }
    String kind = text(o, "kind", null);
    b.kind(
        kind != null
            ? kind(kind)
            : owner.isEmpty() ? InstanceKind.PERSISTENT : InstanceKind.EPHEMERAL);
    return b.build();
  }

  /** Reads a {@code check} object; see docs/health-checks.md. */
  static HealthCheck check(JsonNode v) {
    if (!v.isObject()) {
      throw CairnException.invalid("check", shown(v), "an object");
    }
    ObjectNode o = (ObjectNode) v;
    for (Map.Entry<String, JsonNode> e : o.properties()) {
      if (!CHECK_FIELDS.contains(e.getKey())) {
        throw CairnException.invalid(
            "check." + e.getKey(),
            shown(e.getValue()),
            "no such field; known: " + String.join(", ", CHECK_FIELDS));
      }
    }
    String typeText = text(o, "type", "check.type", null);
    if (typeText == null) {
      throw CairnException.invalid("check.type", null, "http, tcp, grpc or ttl");
    }
    HealthCheck.Type type;
    switch (typeText) { // as written: "HTTP" is refused, not read as "http" (decision 0098)
      case "http":
        type = HealthCheck.Type.HTTP;
        break;
      case "tcp":
        type = HealthCheck.Type.TCP;
        break;
      case "grpc":
        type = HealthCheck.Type.GRPC;
        break;
      case "ttl":
        type = HealthCheck.Type.TTL;
        break;
      default:
        throw CairnException.invalid("check.type", typeText, "http, tcp, grpc or ttl");
    }
    HealthCheck.Builder b = HealthCheck.builder(type).port(text(o, "port", "check.port", ""));
    String path = text(o, "path", "check.path", null);
    if (path != null) {
      b.path(path);
    }
    String interval = text(o, "interval", "check.interval", null);
    if (interval != null) {
      b.interval(Durations.parse("check.interval", interval));
    }
    String timeout = text(o, "timeout", "check.timeout", null);
    if (timeout != null) {
      b.timeout(Durations.parse("check.timeout", timeout));
    }
    if (o.has("rise")) {
      b.rise(integer(o.get("rise"), "check.rise", "1.." + HealthCheck.MAX_THRESHOLD));
    }
    if (o.has("fall")) {
      b.fall(integer(o.get("fall"), "check.fall", "1.." + HealthCheck.MAX_THRESHOLD));
    }
    return b.build();
  }

  /** Reads a health report body: {@code {"health":"passing"}}. */
  static Health healthReport(ByteBuf body) {
    ObjectNode o = object(body);
    checkFields(o, List.of("health"));
    String text = text(o, "health", null);
    if (text == null) {
      throw CairnException.invalid("health", null, "passing, warning or critical");
    }
    return health(text);
  }

  /**
   * Reads a service settings body: {@code {"protectionThreshold":0.5}}; null (or absent) returns
   * the threshold to the server's default.
   */
  static Double serviceConfig(ByteBuf body) {
    ObjectNode o = object(body);
    checkFields(o, List.of("protectionThreshold"));
    JsonNode t = o.get("protectionThreshold");
    if (t == null || t.isNull()) {
      return null;
    }
    if (!t.isNumber() || !(t.doubleValue() >= 0 && t.doubleValue() <= 1)) {
      throw CairnException.invalid("protectionThreshold", shown(t), "a number in 0..1, or null");
    }
    return t.doubleValue();
  }

  /** A session request: its {@code ttl} in milliseconds and the client {@code name}. */
  record SessionRequest(long ttlMillis, String name) {}

  /** Reads a session body; an empty body means all defaults. */
  static SessionRequest session(ByteBuf body) {
    if (!body.isReadable()) {
      return new SessionRequest(Limits.DEFAULT_SESSION_TTL_MILLIS, "");
    }
    ObjectNode o = object(body);
    checkFields(o, SESSION_FIELDS);
    long ttl = Limits.DEFAULT_SESSION_TTL_MILLIS;
    String ttlText = text(o, "ttl", null);
    if (ttlText != null) {
      ttl = Durations.parse("ttl", ttlText).toMillis();
    }
    if (ttl < Limits.MIN_SESSION_TTL_MILLIS || ttl > Limits.MAX_SESSION_TTL_MILLIS) {
      throw CairnException.invalid(
          "ttl",
          ttlText,
          Durations.format(Duration.ofMillis(Limits.MIN_SESSION_TTL_MILLIS))
              + ".."
              + Durations.format(Duration.ofMillis(Limits.MAX_SESSION_TTL_MILLIS)));
    }
    return new SessionRequest(ttl, Limits.checkSessionName("name", text(o, "name", "")));
  }

  /** A token to create: {@code {"description":"web team","policies":["web"]}}. */
  record TokenRequest(String description, List<String> policies) {}

  /** Reads a token body; {@code policies} required (the registry refuses an empty list). */
  static TokenRequest token(ByteBuf body) {
    ObjectNode o = object(body);
    checkFields(o, List.of("description", "policies"));
    JsonNode policies = o.get("policies");
    if (policies == null || policies.isNull()) {
      throw CairnException.invalid("policies", null, "a list of policy names");
    }
    return new TokenRequest(text(o, "description", ""), strings(policies, "policies"));
  }

  /**
   * Reads a policy body: {@code {"name":"web","description":"...","rules":[{"resource":"service",
   * "namespace":"*","prefix":"web","access":"write"},{"resource":"session","access":"write"}]}}.
   */
  static dev.cairn.server.core.acl.Policy policy(ByteBuf body) {
    ObjectNode o = object(body);
    checkFields(o, List.of("name", "description", "rules"));
    String name = text(o, "name", null);
    if (name == null) {
      throw CairnException.invalid("name", null, "a policy name");
    }
    JsonNode rules = o.get("rules");
    if (rules == null || !rules.isArray()) {
      throw CairnException.invalid("rules", rules == null ? null : shown(rules), "a list of rules");
    }
    List<dev.cairn.server.core.acl.Rule> parsed = new java.util.ArrayList<>(rules.size());
    for (JsonNode r : rules) {
      if (!r.isObject()) {
        throw CairnException.invalid("rules", shown(r), "a rule object");
      }
      ObjectNode rule = (ObjectNode) r;
      checkFields(rule, List.of("resource", "namespace", "prefix", "access"));
      String resource = text(rule, "resource", null);
      String access = text(rule, "access", null);
      parsed.add(
          new dev.cairn.server.core.acl.Rule(
              dev.cairn.server.core.acl.Resource.parse("rules.resource", resource),
              text(rule, "namespace", ""),
              text(rule, "prefix", ""),
              dev.cairn.server.core.acl.Access.parse("rules.access", access)));
    }
    return new dev.cairn.server.core.acl.Policy(name, text(o, "description", ""), parsed);
  }

  /** A member to add: {@code {"id":"n4","address":"127.0.0.1:7004"}}. */
  record MemberRequest(String id, String address) {}

  /** Reads a member body; both fields required. */
  static MemberRequest member(ByteBuf body) {
    ObjectNode o = object(body);
    checkFields(o, List.of("id", "address"));
    String id = text(o, "id", null);
    String address = text(o, "address", null);
    if (id == null) {
      throw CairnException.invalid("id", null, "a node id, e.g. \"n4\"");
    }
    if (address == null) {
      throw CairnException.invalid("address", null, "the member's Raft address, host:port");
    }
    return new MemberRequest(id, address);
  }

  /** Reads a leadership transfer body: {@code {"id":"n2"}}. */
  static String leader(ByteBuf body) {
    ObjectNode o = object(body);
    checkFields(o, List.of("id"));
    String id = text(o, "id", null);
    if (id == null) {
      throw CairnException.invalid("id", null, "the id of the member to lead");
    }
    return id;
  }

  private static ObjectNode object(ByteBuf body) {
    if (!body.isReadable()) {
      throw CairnException.invalid("body", "", "a JSON object");
    }
    JsonNode node;
    try (ByteBufInputStream in = new ByteBufInputStream(body.duplicate());
        JsonParser p = MAPPER.createParser((InputStream) in)) {
      node = MAPPER.readTree(p);
      checkNothingAfter(p);
    } catch (JsonParseException e) {
      throw malformed(e);
    } catch (StreamConstraintsException e) {
      throw CairnException.invalid(
          "body",
          "a value past the parser's limits" + at(e.getLocation()),
          "numbers of at most "
              + StreamReadConstraints.DEFAULT_MAX_NUM_LEN
              + " digits, nesting at most "
              + StreamReadConstraints.DEFAULT_MAX_DEPTH
              + " deep");
    } catch (IOException e) {
      // Only the JSON's own faults reach the client: never an exception's class name.
      throw CairnException.invalid("body", "unreadable JSON", "a JSON object");
    }
    if (node == null || !node.isObject()) {
      throw CairnException.invalid(
          "body",
          node == null ? "" : node.getNodeType().name().toLowerCase(Locale.ROOT),
          "a JSON object");
    }
    return (ObjectNode) node;
  }

  /** Refuses anything but whitespace after the body's value: a second value, or garbage. */
  private static void checkNothingAfter(JsonParser p) throws IOException {
    JsonLocation after;
    try {
      if (p.nextToken() == null) {
        return;
      }
      after = p.currentTokenLocation();
    } catch (JsonParseException e) {
      after = e.getLocation();
    }
    throw CairnException.invalid(
        "body", "trailing content after the JSON value" + at(after), "one JSON value");
  }

  /**
   * The refusal of a body Jackson could not read: a duplicate key names its field ({@code address},
   * {@code metadata.k}), anything else is malformed JSON at its line and column.
   */
  private static CairnException malformed(JsonParseException e) {
    // Jackson's duplicate detection has no exception type of its own, only this message; the
    // parser stands on the repeated key when it throws.
    JsonParser p = e.getProcessor();
    if (p != null
        && e.getOriginalMessage() != null
        && e.getOriginalMessage().startsWith("Duplicate field '")) {
      String field = path(p.getParsingContext());
      if (!field.isEmpty()) {
        return CairnException.of(
            ErrorCode.INVALID_ARGUMENT,
            field,
            field + ": duplicate key" + at(e.getLocation()) + " (expected: each key once)");
      }
    }
    return CairnException.invalid("body", "malformed JSON" + at(e.getLocation()), "a JSON object");
  }

  /** The dotted path of the parser's current field: {@code metadata.k}, {@code rules[1].access}. */
  private static String path(JsonStreamContext c) {
    ArrayDeque<JsonStreamContext> outermostFirst = new ArrayDeque<>();
    for (; c != null && !c.inRoot(); c = c.getParent()) {
      outermostFirst.push(c);
    }
    StringBuilder b = new StringBuilder();
    for (JsonStreamContext part : outermostFirst) {
      if (part.inArray()) {
        b.append('[').append(part.getCurrentIndex()).append(']');
      } else if (part.getCurrentName() != null) {
        b.append(b.length() == 0 ? "" : ".").append(part.getCurrentName());
      }
    }
    return b.toString();
  }

  private static String at(JsonLocation loc) {
    return loc == null ? "" : " at line " + loc.getLineNr() + " column " + loc.getColumnNr();
  }

  private static void checkFields(ObjectNode o, List<String> known) {
    for (Map.Entry<String, JsonNode> e : o.properties()) {
      if (!known.contains(e.getKey())) {
        throw CairnException.invalid(
            e.getKey(), shown(e.getValue()), "no such field; known: " + String.join(", ", known));
      }
    }
  }

  private static void checkMatches(ObjectNode o, String field, String expected) {
    String given = text(o, field, null);
    if (given != null && !given.equals(expected)) {
      throw CairnException.invalid(field, given, "absent or equal to the path's " + expected);
    }
  }

  /**
   * Checks the type of a revision the server sets ({@code createRevision}, {@code modRevision}):
   * absent, null or an integer, whose value is not read. Any other type is refused rather than
   * skipped with the value (decision 0098).
   */
  private static void checkReadOnlyRevision(ObjectNode o, String field) {
    JsonNode v = o.get(field);
    if (v == null || v.isNull() || (v.isIntegralNumber() && v.canConvertToLong())) {
      return;
    }
    throw CairnException.invalid(
        field, shown(v), "an integer or absent; set by the server, a given value is not read");
  }

  private static String text(ObjectNode o, String field, String absent) {
    return text(o, field, field, absent);
  }

  private static String text(ObjectNode o, String field, String shownAs, String absent) {
    JsonNode v = o.get(field);
    if (v == null || v.isNull()) {
      return absent;
    }
    if (!v.isTextual()) {
      throw CairnException.invalid(shownAs, shown(v), "a string");
    }
    return v.textValue();
  }

  private static int integer(JsonNode v, String field, String expected) {
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw CairnException.invalid(field, shown(v), expected);
    }
    return v.intValue();
  }

  private static Map<String, Integer> ports(JsonNode v) {
    if (!v.isObject()) {
      throw CairnException.invalid("ports", shown(v), "an object of name: port");
    }
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : v.properties()) {
      ports.put(
          e.getKey(),
          integer(
              e.getValue(),
              "ports." + e.getKey(),
              e.getValue().isTextual()
                  ? "a number in 1..65535, not a string"
                  : "a number in 1..65535"));
    }
    return ports;
  }

  private static List<String> strings(JsonNode v, String field) {
    if (!v.isArray()) {
      throw CairnException.invalid(field, shown(v), "an array of strings");
    }
    List<String> list = new ArrayList<>(v.size());
    for (JsonNode item : v) {
      if (!item.isTextual()) {
        throw CairnException.invalid(field, shown(item), "a string");
      }
      list.add(item.textValue());
    }
    return list;
  }

  private static Map<String, String> metadata(JsonNode v) {
    if (!v.isObject()) {
      throw CairnException.invalid("metadata", shown(v), "an object of key: string");
    }
    Map<String, String> meta = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : v.properties()) {
      JsonNode value = e.getValue();
      if (!value.isTextual()) {
        throw CairnException.invalid("metadata." + e.getKey(), shown(value), "a string");
      }
      meta.put(e.getKey(), value.textValue());
    }
    return meta;
  }

  /** A JSON value for an error message: strings as their text, anything else as JSON. */
  private static Object shown(JsonNode v) {
    if (v.isTextual()) {
      return v.textValue();
    }
    return new JsonText(v.toString());
  }

  /** JSON shown as is in a message (not quoted like a string value). */
  private record JsonText(String json) {
    @Override
    public String toString() {
      return json;
    }
  }

  /** The health named {@code text}, exactly as documented (lower case). */
  private static Health health(String text) {
    switch (text) {
      case "passing":
        return Health.PASSING;
      case "warning":
        return Health.WARNING;
      case "critical":
        return Health.CRITICAL;
      default:
        throw CairnException.invalid("health", text, "passing, warning or critical");
    }
  }

  /** The kind named {@code text}, exactly as documented (lower case). */
  private static InstanceKind kind(String text) {
    switch (text) {
      case "persistent":
        return InstanceKind.PERSISTENT;
      case "ephemeral":
        return InstanceKind.EPHEMERAL;
      default:
        throw CairnException.invalid("kind", text, "persistent or ephemeral");
    }
  }
}
