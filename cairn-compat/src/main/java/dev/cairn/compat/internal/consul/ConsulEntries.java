package dev.cairn.compat.internal.consul;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.cairn.common.Instance;
import dev.cairn.compat.internal.Json;
import dev.cairn.compat.internal.Reply;
import dev.cairn.server.FrontDoorKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Cairn instances as Consul's JSON shapes: {@code CatalogService}, {@code ServiceEntry} (health),
 * {@code AgentService}. Cairn has no nodes: every instance sits on one node named {@value #NODE}
 * whose address is the front door's. Thread-safe.
 */
final class ConsulEntries {

  static final String NODE = "cairn";

  /** The metadata key that keeps a Consul registration's own tags (any text, in order). */
  static final String TAGS_KEY = FrontDoorKeys.CONSUL_TAGS;

  private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};

  private final String datacenter;
  private final String nodeAddress;
  private final String nodeId;

  ConsulEntries(String datacenter, String nodeAddress) {
    this.datacenter = datacenter;
    this.nodeAddress = nodeAddress;
    this.nodeId =
        UUID.nameUUIDFromBytes((NODE + "@" + datacenter).getBytes(StandardCharsets.UTF_8))
            .toString();
  }

  String datacenter() {
    return datacenter;
  }

  /** The leader as {@code /v1/status/leader} names it: this node's server RPC address. */
  String leader() {
    return nodeAddress + ":8300";
  }

  /**
   * The headers Consul puts on every blocking-capable read. Index 0 is sent as 1, as Consul does.
   */
  Reply headers(Reply reply, long index) {
    return reply
        .header("X-Consul-Index", Long.toString(Math.max(1, index)))
        .header("X-Consul-KnownLeader", "true")
        .header("X-Consul-LastContact", "0");
  }

  Map<String, Object> agentSelf() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("Datacenter", datacenter);
    config.put("NodeName", NODE);
    config.put("NodeID", nodeId);
    config.put("Server", true);
    config.put("Version", "1.15.0");
    config.put("Revision", "cairn");
    Map<String, Object> member = new LinkedHashMap<>();
    member.put("Name", NODE);
    member.put("Addr", nodeAddress);
    member.put("Port", 8301);
    member.put("Status", 1);
    member.put("Tags", Map.of("dc", datacenter, "role", "consul"));
    Map<String, Object> self = new LinkedHashMap<>();
    self.put("Config", config);
    self.put("Member", member);
    self.put("Meta", Map.of());
    return self;
  }

  Map<String, Object> catalogEntry(String ns, Instance i) {
    Map<String, Object> e = node();
    e.put("NodeMeta", e.remove("Meta"));
    e.put("ServiceKind", "");
    e.put("ServiceID", i.id());
    e.put("ServiceName", i.service());
    e.put("ServiceTags", tags(i));
    e.put("ServiceAddress", i.address());
    e.put("ServiceWeights", weights(i));
    e.put("ServiceMeta", meta(i));
    e.put("ServicePort", port(i));
    e.put("ServiceEnableTagOverride", false);
    e.put("Namespace", ns);
    e.put("CreateIndex", i.createRevision());
    e.put("ModifyIndex", i.modRevision());
    return e;
  }

  Map<String, Object> healthEntry(String ns, Instance i) {
    Map<String, Object> node = node();
    Map<String, Object> service = agentService(i);
    service.put("Namespace", ns);
    List<Object> checks = new ArrayList<>(2);
    checks.add(check("serfHealth", "Serf Health Status", "passing", null, "serf"));
    checks.add(
        check(
            checkId(i),
            "Service '" + i.service() + "' check",
            i.health().name().toLowerCase(Locale.ROOT),
            i,
            i.check().map(c -> c.type().name().toLowerCase(Locale.ROOT)).orElse("ttl")));
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("Node", node);
    e.put("Service", service);
    e.put("Checks", checks);
    return e;
  }

  /** The one node's fields, as Consul's {@code Node}; a new mutable map. */
  private Map<String, Object> node() {
    Map<String, Object> node = new LinkedHashMap<>();
    node.put("ID", nodeId);
    node.put("Node", NODE);
    node.put("Address", nodeAddress);
    node.put("Datacenter", datacenter);
    node.put("TaggedAddresses", Map.of("lan", nodeAddress, "wan", nodeAddress));
    node.put("Meta", Map.of());
    return node;
  }

  Map<String, Object> agentService(Instance i) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("ID", i.id());
    s.put("Service", i.service());
    s.put("Tags", tags(i));
    s.put("Address", i.address());
    s.put("Meta", meta(i));
    s.put("Port", port(i));
    s.put("Weights", weights(i));
    s.put("EnableTagOverride", false);
    s.put("Datacenter", datacenter);
    s.put("CreateIndex", i.createRevision());
    s.put("ModifyIndex", i.modRevision());
    return s;
  }

  private Map<String, Object> check(
      String id, String name, String status, Instance i, String type) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("Node", NODE);
    c.put("CheckID", id);
    c.put("Name", name);
    c.put("Status", status);
    c.put("Notes", "");
    c.put("Output", "");
    c.put("ServiceID", i == null ? "" : i.id());
    c.put("ServiceName", i == null ? "" : i.service());
    c.put("ServiceTags", i == null ? List.of() : tags(i));
    c.put("Type", type);
    c.put("CreateIndex", i == null ? 1 : i.createRevision());
    c.put("ModifyIndex", i == null ? 1 : i.modRevision());
    return c;
  }

  /** The check id of an instance's service check, as Consul names it: {@code service:<id>}. */
  static String checkId(Instance i) {
    return "service:" + i.id();
  }

  /** The instance id of a service check id ({@code service:<id>} or {@code service:<id>:<n>}). */
  static String instanceIdOfCheck(String checkId) {
    if (!checkId.startsWith("service:") || checkId.length() == "service:".length()) {
      return null;
    }
    String rest = checkId.substring("service:".length());
    int colon = rest.lastIndexOf(':');
    if (colon > 0 && rest.substring(colon + 1).matches("\\d+")) {
      return rest.substring(0, colon);
    }
    return rest;
  }

  /** The Consul tags: those the registration gave, else Cairn's tags. */
  static List<String> tags(Instance i) {
    String kept = i.metadata().get(TAGS_KEY);
    if (kept != null) {
      try {
        return Json.MAPPER.readValue(kept, STRINGS);
      } catch (IOException e) {
        // Not written by this front door: fall back to Cairn's tags.
      }
    }
    return i.tags();
  }

  /** The instance's metadata without any front door's own keys (decision 0225). */
  static Map<String, String> meta(Instance i) {
    return FrontDoorKeys.without(i.metadata());
  }

  /** Consul has one port per service: the one named {@code http}, else the only one, else 0. */
  static int port(Instance i) {
    int p = i.port(ConsulRegistration.PORT_NAME);
    if (p > 0) {
      return p;
    }
    return i.ports().isEmpty() ? 0 : i.ports().values().iterator().next();
  }

  private static Map<String, Integer> weights(Instance i) {
    return Map.of("Passing", i.weight(), "Warning", 1);
  }
}
