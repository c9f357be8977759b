package dev.cairn.client.lb;

import dev.cairn.common.Instance;
import java.util.ArrayList;
import java.util.List;

/** Test endpoints built without a balancer. */
public final class Endpoints {

  private Endpoints() {}

  /** An instance {@code id} of service "svc" with the given weight, zone and metadata pairs. */
  public static Instance instance(String id, int weight, String zone, String... metadata) {
    Instance.Builder b =
        Instance.builder("svc", "127.0.0.1").id(id).port("http", 8080).weight(weight);
    if (zone != null) {
      b.zone(zone);
    }
    java.util.Map<String, String> md = new java.util.TreeMap<>();
    for (int i = 0; i < metadata.length; i += 2) {
      md.put(metadata[i], metadata[i + 1]);
    }
    return b.metadata(md).build();
  }

  /** One endpoint whose target is its id, stats created at {@code nowNanos}. */
  public static Endpoint<String> endpoint(Instance instance, long nowNanos) {
    return new Endpoint<>(
        instance, instance.id(), new EndpointStats(PeakEwma.defaults(), nowNanos));
  }

  /** {@code n} endpoints "e0".."e(n-1)" of weight 100. */
  public static List<Endpoint<String>> endpoints(int n, long nowNanos) {
    List<Endpoint<String>> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(endpoint(instance("e" + i, 100, null), nowNanos));
    }
    return list;
  }

  /** {@code n} instances "e0".."e(n-1)" of weight 100. */
  public static List<Instance> instances(int n) {
    List<Instance> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(instance("e" + i, 100, null));
    }
    return list;
  }
}
