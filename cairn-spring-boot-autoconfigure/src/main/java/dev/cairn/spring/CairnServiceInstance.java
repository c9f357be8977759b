package dev.cairn.spring;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Instance;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import org.springframework.cloud.client.ServiceInstance;

/**
 * A Cairn {@link Instance} as Spring Cloud sees it: host is the instance's address, port its port
 * named {@code http} ({@code https}: secure; else its only or first port), metadata the instance's
 * metadata plus {@code zone} (read by Spring's zone preference) when it has one. Immutable.
 */
public final class CairnServiceInstance implements ServiceInstance {

  private final Instance instance;
  private final int port;
  private final boolean secure;
  private final Map<String, String> metadata;

  private CairnServiceInstance(Instance instance, int port, boolean secure) {
    this.instance = instance;
    this.port = port;
    this.secure = secure;
    Map<String, String> m = new HashMap<>(instance.metadata());
    if (!instance.zone().isEmpty()) {
      m.putIfAbsent("zone", instance.zone());
    }
    this.metadata = Map.copyOf(m);
  }

  /** {@code instance} with the port chosen as the class description says. */
  public static CairnServiceInstance of(Instance instance) {
    requireNonNull(instance, "instance");
    Map<String, Integer> ports = instance.ports();
    if (ports.containsKey("http")) {
      return new CairnServiceInstance(instance, ports.get("http"), false);
    }
    if (ports.containsKey("https")) {
      return new CairnServiceInstance(instance, ports.get("https"), true);
    }
    int port = ports.isEmpty() ? 0 : ports.values().iterator().next();
    return new CairnServiceInstance(instance, port, false);
  }

  /** The Cairn instance: every port, tags, weight, zone, health. */
  public Instance instance() {
    return instance;
  }

  @Override
  public String getInstanceId() {
    return instance.id();
  }

  @Override
  public String getServiceId() {
    return instance.service();
  }

  @Override
  public String getHost() {
    return instance.address();
  }

  @Override
  public int getPort() {
    return port;
  }

  @Override
  public boolean isSecure() {
    return secure;
  }

  @Override
  public URI getUri() {
    return ServiceInstance.createUri(this);
  }

  @Override
  public Map<String, String> getMetadata() {
    return metadata;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CairnServiceInstance
        && ((CairnServiceInstance) o).instance.equals(instance)
        && ((CairnServiceInstance) o).port == port;
  }

  @Override
  public int hashCode() {
    return instance.hashCode() * 31 + port;
  }

  @Override
  public String toString() {
    return instance.service() + "/" + instance.id() + "@" + instance.address() + ":" + port;
  }
}
