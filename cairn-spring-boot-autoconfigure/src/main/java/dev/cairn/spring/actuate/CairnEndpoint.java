package dev.cairn.spring.actuate;

import static java.util.Objects.requireNonNull;

import dev.cairn.client.CairnClient;
import dev.cairn.client.Registration;
import dev.cairn.client.ServiceView;
import dev.cairn.common.Instance;
import dev.cairn.spring.CairnServiceRegistry;
import dev.cairn.spring.DrainResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * {@code /actuator/cairn}: this application's registrations (and how their last drains ended) and
 * the views it follows (revision, staleness, source, instances).
 */
@Endpoint(id = "cairn")
public class CairnEndpoint {

  private final CairnClient client;
  private final CairnServiceRegistry registry;

  public CairnEndpoint(CairnClient client, CairnServiceRegistry registry) {
    this.client = requireNonNull(client, "client");
    this.registry = requireNonNull(registry, "registry");
  }

  @ReadOperation
  public Map<String, Object> cairn() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("registries", client.registries());
    out.put("namespace", client.namespace());
    List<Map<String, Object>> registrations = new ArrayList<>();
    for (Registration r : registry.registrations()) {
      Map<String, Object> m = instance(r.instance());
      m.put(
          "state",
          !r.registered().isDone()
              ? "REGISTERING"
              : r.registered().isCompletedExceptionally() ? "REJECTED" : "REGISTERED");
      registrations.add(m);
    }
    out.put("registrations", registrations);
    Map<String, String> drains = new LinkedHashMap<>();
    for (Map.Entry<String, DrainResult> e : registry.drains().entrySet()) {
      drains.put(e.getKey(), e.getValue().toString());
    }
    out.put("drains", drains);
    List<Map<String, Object>> views = new ArrayList<>();
    for (ServiceView v : client.views()) {
      ServiceView.Snapshot s = v.snapshot();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("service", v.service());
      m.put("revision", s.revision());
      m.put("stale", s.isStale());
      m.put("staleness", v.staleness().toString());
      m.put("source", s.source().name());
      List<Map<String, Object>> instances = new ArrayList<>();
      for (Instance i : s.instances()) {
        instances.add(instance(i));
      }
      m.put("instances", instances);
      m.put("withheld", s.withheld().size());
      views.add(m);
    }
    out.put("views", views);
    return out;
  }

  private static Map<String, Object> instance(Instance i) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("service", i.service());
    m.put("id", i.id());
    m.put("address", i.address());
    m.put("ports", i.ports());
    m.put("zone", i.zone());
    m.put("tags", i.tags());
    m.put("metadata", i.metadata());
    m.put("weight", i.weight());
    m.put("health", i.health().name());
    return m;
  }
}
