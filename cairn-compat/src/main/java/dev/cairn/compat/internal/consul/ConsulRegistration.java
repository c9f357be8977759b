package dev.cairn.compat.internal.consul;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.cairn.common.CairnException;
import dev.cairn.common.Health;
import dev.cairn.common.HealthCheck;
import dev.cairn.common.Instance;
import dev.cairn.common.Names;
import dev.cairn.compat.internal.BadRequest;
import dev.cairn.compat.internal.GoDuration;
import dev.cairn.compat.internal.Json;
import dev.cairn.server.FrontDoorKeys;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Consul {@code AgentServiceRegistration} ({@code PUT /v1/agent/service/register}) into a
 * persistent Cairn instance. Field names match case-insensitively, as Consul decodes them.
 *
 * <ul>
 *   <li>{@code Name} → service (a DNS label), {@code ID} → instance id (default: the name).
 *   <li>{@code Port} → port {@value #PORT_NAME}; {@code Address} → address (default: the caller's).
 *   <li>{@code Tags} → Cairn tags where they are DNS labels; all of them, as given, in metadata
 *       {@code consul.tags}, which is what this front door answers.
 *   <li>{@code Meta} → metadata, but the keys front doors keep for themselves ({@link
 *       FrontDoorKeys}, decision 0225); {@code Weights.Passing} → weight.
 *   <li>{@code Check} (or the first of {@code Checks}): {@code TTL} → a TTL check; {@code HTTP},
 *       {@code TCP}, {@code GRPC} → the same check run by Cairn, on the service's port or on a port
 *       {@value #CHECK_PORT_NAME} when the check's differs; {@code Interval}, {@code Timeout}; rise
 *       and fall 1, as Consul has no damping. {@code Status} sets the starting health.
 * </ul>
 */
final class ConsulRegistration {

  static final String PORT_NAME = "http";
  static final String CHECK_PORT_NAME = "check";

  private ConsulRegistration() {}

  /**
   * The instance {@code body} registers.
   *
   * @throws BadRequest with Consul's words where clients read them
   */
  static Instance parse(JsonNode body, String remote) {
    if (!body.isObject()) {
      throw new BadRequest("Request decode failed: expected a JSON object");
    }
    String name = field(body, "Name").asText("");
    if (name.isEmpty()) {
      throw new BadRequest("Missing service name");
    }
    if (!Names.isLabel(name)) {
      throw new BadRequest(
          "Invalid service name \"" + name + "\": Cairn names are DNS labels ([a-z0-9-], 1..63)");
    }
    String id = field(body, "ID").asText("");
    String address = field(body, "Address").asText("");
    int port = field(body, "Port").asInt(0);
    if (port < 0 || port > 65535) {
      throw new BadRequest("Invalid service port: " + port);
    }
    try {
      Instance.Builder b =
          Instance.builder(name, address.isEmpty() ? remote : address).id(id.isEmpty() ? name : id);
      if (port > 0) {
        b.port(PORT_NAME, port);
      }
      List<String> tags = strings(field(body, "Tags"), "Tags");
      List<String> labels = new ArrayList<>();
      for (String t : tags) {
        if (Names.isLabel(t)) {
          labels.add(t);
        }
      }
      b.tags(labels);
      Map<String, String> meta = new LinkedHashMap<>();
      JsonNode m = field(body, "Meta");
      if (!m.isMissingNode() && !m.isNull()) {
        if (!m.isObject()) {
          throw new BadRequest("Request decode failed: Meta: expected an object");
        }
        // A front door's own keys are not the client's to set (decision 0225); Consul itself
        // refuses a Meta key with a dot.
        m.fields()
            .forEachRemaining(
                e -> {
                  if (!FrontDoorKeys.isDoorKey(e.getKey())) {
                    meta.put(e.getKey(), e.getValue().asText());
                  }
                });
      }
      if (!tags.isEmpty()) {
        meta.put(
            ConsulEntries.TAGS_KEY,
            new String(Json.bytes(tags), java.nio.charset.StandardCharsets.UTF_8));
      }
      b.metadata(meta);
      JsonNode weights = field(body, "Weights");
      if (weights.isObject() && field(weights, "Passing").canConvertToInt()) {
        b.weight(field(weights, "Passing").asInt());
      }
      JsonNode check = field(body, "Check");
      JsonNode checks = field(body, "Checks");
      if ((check.isMissingNode() || check.isNull()) && checks.isArray() && !checks.isEmpty()) {
        check = checks.get(0);
      }
      if (check.isObject()) {
        check(check, b, port);
      }
      return b.build();
    } catch (CairnException e) {
      throw new BadRequest(e.getMessage());
    }
  }

  private static void check(JsonNode check, Instance.Builder b, int servicePort) {
    String status = field(check, "Status").asText("");
    if (!status.isEmpty()) {
      b.health(
          switch (status) {
            case "passing" -> Health.PASSING;
            case "warning" -> Health.WARNING;
            case "critical" -> Health.CRITICAL;
            default -> throw new BadRequest("Invalid check status: \"" + status + "\"");
          });
    }
    String ttl = field(check, "TTL").asText("");
    if (!ttl.isEmpty()) {
      b.check(
          HealthCheck.builder(HealthCheck.Type.TTL)
              .interval(duration("TTL", ttl))
              .rise(1)
              .fall(1)
              .build());
      return;
    }
    String http = field(check, "HTTP").asText("");
    String tcp = field(check, "TCP").asText("");
    String grpc = field(check, "GRPC").asText("");
    HealthCheck.Type type;
    URI target;
    if (!http.isEmpty()) {
      type = HealthCheck.Type.HTTP;
      target = uri(http);
    } else if (!tcp.isEmpty()) {
      type = HealthCheck.Type.TCP;
      target = uri("tcp://" + tcp);
    } else if (!grpc.isEmpty()) {
      type = HealthCheck.Type.GRPC;
      target = uri("grpc://" + grpc);
    } else {
      throw new BadRequest("Unsupported check: Cairn takes TTL, HTTP, TCP and GRPC checks");
    }
    String interval = field(check, "Interval").asText("");
    if (interval.isEmpty()) {
      throw new BadRequest("Interval must be > 0 for Script, HTTP, or TCP checks");
    }
    int port = target.getPort();
    if (port < 0) {
      port = "https".equals(target.getScheme()) ? 443 : 80;
    }
    String portName = PORT_NAME;
    if (port != servicePort) {
      b.port(CHECK_PORT_NAME, port);
      portName = CHECK_PORT_NAME;
    }
    HealthCheck.Builder c =
        HealthCheck.builder(type)
            .port(portName)
            .interval(duration("Interval", interval))
            .rise(1)
            .fall(1);
    String timeout = field(check, "Timeout").asText("");
    if (!timeout.isEmpty()) {
      Duration t = duration("Timeout", timeout);
      c.timeout(t.compareTo(HealthCheck.MAX_TIMEOUT) > 0 ? HealthCheck.MAX_TIMEOUT : t);
    }
    if (type == HealthCheck.Type.HTTP) {
      String path =
          target.getRawPath() == null || target.getRawPath().isEmpty() ? "/" : target.getRawPath();
      c.path(target.getRawQuery() == null ? path : path + "?" + target.getRawQuery());
    } else if (type == HealthCheck.Type.GRPC
        && target.getPath() != null
        && target.getPath().length() > 1) {
      c.path(target.getPath().substring(1));
    }
    b.check(c.build());
  }

  /** The field named {@code name}, ignoring case; missing when absent. */
  static JsonNode field(JsonNode node, String name) {
    JsonNode exact = node.get(name);
    if (exact != null) {
      return exact;
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (k.equalsIgnoreCase(name)) {
        return node.get(k);
      }
    }
    return MissingNode.getInstance();
  }

  private static List<String> strings(JsonNode node, String field) {
    if (node.isMissingNode() || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      throw new BadRequest("Request decode failed: " + field + ": expected a list of strings");
    }
    List<String> out = new ArrayList<>();
    node.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static Duration duration(String field, String text) {
    try {
      return GoDuration.parse(text);
    } catch (IllegalArgumentException e) {
      throw new BadRequest(
          "Request decode failed: " + field + ": invalid duration \"" + text + "\"");
    }
  }

  private static URI uri(String text) {
    try {
      URI u = new URI(text);
      if (u.getHost() == null) {
        throw new BadRequest("Invalid check target: \"" + text + "\"");
      }
      return u;
    } catch (java.net.URISyntaxException e) {
      throw new BadRequest("Invalid check target: \"" + text + "\"");
    }
  }
}
