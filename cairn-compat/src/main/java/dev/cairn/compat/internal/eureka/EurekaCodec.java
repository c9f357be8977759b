package dev.cairn.compat.internal.eureka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.xml.XmlMapper;
import dev.cairn.common.CairnException;
import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.common.Names;
import dev.cairn.compat.internal.BadRequest;
import dev.cairn.compat.internal.Json;
import dev.cairn.server.FrontDoorKeys;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Eureka's {@code InstanceInfo} and {@code Applications} shapes, in JSON (as Eureka's Jackson codec
 * writes them: ports as {@code {"$": 8080, "@enabled": "true"}}) and XML. Thread-safe.
 */
final class EurekaCodec {

  /** Metadata keys the front door keeps for a Eureka registration's own fields. */
  static final String STATUS_KEY = FrontDoorKeys.EUREKA_STATUS;

  static final String HOST_KEY = FrontDoorKeys.EUREKA_HOST_NAME;

  static final String PORT_NAME = "http";

  static final String SECURE_PORT_NAME = "https";

  private static final XmlMapper XML = new XmlMapper();

  /** Element names written as is: ASCII XML names without a namespace prefix. */
  private static final Pattern XML_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9._-]*");

  private EurekaCodec() {}

  /** Eureka app names are upper case; Cairn service names lower case DNS labels. */
  static String service(String app) {
    String s = app.toLowerCase(Locale.ROOT);
    if (!Names.isLabel(s)) {
      throw new BadRequest(
          "app: \"" + app + "\" (expected: a DNS label in any case, [A-Za-z0-9-], 1..63)");
    }
    return s;
  }

  /**
   * Parses a registration body, JSON or XML, into an instance of {@code service} (no session yet).
   */
  static Instance.Builder parse(byte[] body, boolean xml, String service, String remote) {
    JsonNode root;
    try {
      root = xml ? XML.readTree(body) : Json.MAPPER.readTree(body);
    } catch (IOException e) {
      throw new BadRequest("cannot parse the instance: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new BadRequest("cannot parse the instance: expected an object");
    }
    JsonNode info = root.has("instance") ? root.get("instance") : root;
    String id = text(info, "instanceId");
    String host = text(info, "hostName");
    if (id.isEmpty()) {
      id = host;
    }
    String ip = text(info, "ipAddr");
    String address = !ip.isEmpty() ? ip : !host.isEmpty() ? host : remote;
    String status = text(info, "status");
    if (status.isEmpty()) {
      status = "UP";
    }
    try {
      Instance.Builder b = Instance.builder(service, address).id(id);
      int port = port(info.get("port"));
      if (port > 0) {
        b.port(PORT_NAME, port);
      }
      int secure = port(info.get("securePort"));
      if (secure > 0) {
        b.port(SECURE_PORT_NAME, secure);
      }
      Map<String, String> meta = new LinkedHashMap<>();
      JsonNode m = info.get("metadata");
      if (m != null && m.isObject()) {
        m.fields()
            .forEachRemaining(
                e -> {
                  // A front door's own keys are not the client's to set (decision 0225).
                  if (!e.getKey().startsWith("@") && !FrontDoorKeys.isDoorKey(e.getKey())) {
                    meta.put(e.getKey(), e.getValue().asText());
                  }
                });
      }
      String zone = meta.getOrDefault("zone", "").toLowerCase(Locale.ROOT);
      if (Names.isLabel(zone)) {
        b.zone(zone);
      }
      meta.put(STATUS_KEY, status);
      if (!host.isEmpty()) {
        meta.put(HOST_KEY, host);
      }
      b.metadata(meta);
      b.health(status.equals("UP") ? Health.PASSING : Health.CRITICAL);
      return b;
    } catch (CairnException e) {
      throw new BadRequest(e.getMessage());
    }
  }

  /** An instance as Eureka's {@code InstanceInfo}, for JSON (XML is written from the same map). */
  static Map<String, Object> instance(Instance i, String actionType) {
    String app = i.service().toUpperCase(Locale.ROOT);
    String host = i.metadata().getOrDefault(HOST_KEY, i.address());
    int port = i.port(PORT_NAME) > 0 ? i.port(PORT_NAME) : firstPort(i);
    int secure = i.port(SECURE_PORT_NAME);
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("instanceId", i.id());
    info.put("hostName", host);
    info.put("app", app);
    info.put("ipAddr", i.address());
    info.put("status", status(i));
    info.put("overriddenStatus", "UNKNOWN");
    info.put("port", Map.of("$", Math.max(port, 0), "@enabled", Boolean.toString(port > 0)));
    info.put(
        "securePort", Map.of("$", Math.max(secure, 443), "@enabled", Boolean.toString(secure > 0)));
    info.put("countryId", 1);
    info.put(
        "dataCenterInfo",
        Map.of(
            "@class", "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", "name", "MyOwn"));
    Map<String, Object> lease = new LinkedHashMap<>();
    lease.put("renewalIntervalInSecs", 30);
    lease.put("durationInSecs", 90);
    lease.put("registrationTimestamp", 0);
    lease.put("lastRenewalTimestamp", 0);
    lease.put("evictionTimestamp", 0);
    lease.put("serviceUpTimestamp", 0);
    info.put("leaseInfo", lease);
    // Without any front door's own keys, this one's too (decision 0225).
    Map<String, String> meta = FrontDoorKeys.without(i.metadata());
    if (!i.zone().isEmpty()) {
      meta.putIfAbsent("zone", i.zone());
    }
    info.put(
        "metadata", meta.isEmpty() ? Map.of("@class", "java.util.Collections$EmptyMap") : meta);
    String base = "http://" + host + ":" + port;
    info.put("homePageUrl", base + "/");
    info.put("statusPageUrl", base + "/actuator/info");
    info.put("healthCheckUrl", base + "/actuator/health");
    info.put("vipAddress", i.service());
    info.put("secureVipAddress", i.service());
    info.put("isCoordinatingDiscoveryServer", "false");
    info.put("lastUpdatedTimestamp", Long.toString(i.modRevision()));
    info.put("lastDirtyTimestamp", Long.toString(i.modRevision()));
    info.put("actionType", actionType);
    return info;
  }

  /** Eureka's status of an instance: the registration's own, unless Cairn judged it critical. */
  static String status(Instance i) {
    if (i.health() == Health.CRITICAL) {
      String kept = i.metadata().get(STATUS_KEY);
      return kept != null && !kept.equals("UP") ? kept : "DOWN";
    }
    return "UP";
  }

  /** {@code Applications}: apps sorted by name, instances by id, and the reconcile hash code. */
  static Map<String, Object> applications(
      Map<String, List<Instance>> apps, long version, String action) {
    Map<String, Integer> counts = new java.util.TreeMap<>();
    List<Object> list = new java.util.ArrayList<>();
    for (Map.Entry<String, List<Instance>> e : apps.entrySet()) {
      list.add(application(e.getKey(), e.getValue(), action));
      for (Instance i : e.getValue()) {
        counts.merge(status(i), 1, Integer::sum);
      }
    }
    StringBuilder hash = new StringBuilder();
    counts.forEach((s, n) -> hash.append(s).append('_').append(n).append('_'));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("versions__delta", Long.toString(version));
    body.put("apps__hashcode", hash.toString());
    body.put("application", list);
    return Map.of("applications", body);
  }

  static Map<String, Object> application(String service, List<Instance> instances, String action) {
    Map<String, Object> app = new LinkedHashMap<>();
    app.put("name", service.toUpperCase(Locale.ROOT));
    app.put("instance", instances.stream().map(i -> instance(i, action)).toList());
    return app;
  }

  /** Writes {@code value} (one root key) as Eureka's XML: {@code @x} keys become attributes. */
  static String xml(Map<String, Object> value) {
    StringBuilder out = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    value.forEach((k, v) -> element(out, k, v));
    return out.toString();
  }

  @SuppressWarnings("unchecked")
  private static void element(StringBuilder out, String name, Object value) {
    if (value instanceof List<?> list) {
      for (Object item : list) {
        element(out, name, item);
      }
      return;
    }
    out.append('<').append(name);
    if (value instanceof Map<?, ?> map) {
      Object text = null;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String k = (String) e.getKey();
        if (k.equals("$")) {
          text = e.getValue();
        } else if (k.startsWith("@")) {
          out.append(' ')
              .append(k.substring(1))
              .append("=\"")
              .append(escape(String.valueOf(e.getValue())))
              .append('"');
        }
      }
      out.append('>');
      if (text != null) {
        out.append(escape(String.valueOf(text)));
      }
      for (Map.Entry<?, ?> e : ((Map<String, Object>) map).entrySet()) {
        String k = (String) e.getKey();
        if (!k.equals("$") && !k.startsWith("@") && isXmlName(k)) {
          element(out, k, e.getValue());
        }
      }
    } else {
      out.append('>').append(escape(String.valueOf(value)));
    }
    out.append("</").append(name).append('>');
  }

  /**
   * Whether {@code key} can be an element name. Metadata keys are free text (no spaces): one such
   * as {@code app.kubernetes.io/name} would make the whole document unreadable to every XML client,
   * so an XML answer leaves that entry out (JSON answers carry it).
   */
  static boolean isXmlName(String key) {
    return XML_NAME.matcher(key).matches();
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  private static int firstPort(Instance i) {
    return i.ports().isEmpty() ? 0 : i.ports().values().iterator().next();
  }

  /** A port as JSON ({@code {"$": 8080, "@enabled": "true"}}) or XML ({@code enabled}, text). */
  private static int port(JsonNode port) {
    if (port == null || port.isNull()) {
      return 0;
    }
    if (port.isNumber() || port.isTextual()) {
      return parsePort(port.asText());
    }
    JsonNode enabled = port.has("@enabled") ? port.get("@enabled") : port.get("enabled");
    if (enabled != null && !enabled.asText().equals("true")) {
      return 0;
    }
    JsonNode value = port.has("$") ? port.get("$") : port.get("");
    return value == null ? 0 : parsePort(value.asText());
  }

  private static int parsePort(String text) {
    try {
      int p = Integer.parseInt(text.trim());
      if (p < 0 || p > 65535) {
        throw new BadRequest("port: " + p + " (expected: 0..65535)");
      }
      return p;
    } catch (NumberFormatException e) {
      throw new BadRequest("port: \"" + text + "\" (expected: a number)");
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? "" : v.asText();
  }
}
