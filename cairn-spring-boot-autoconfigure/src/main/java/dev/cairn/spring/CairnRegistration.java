package dev.cairn.spring;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Instance;
import java.net.URI;
import java.util.Map;
import org.springframework.cloud.client.serviceregistry.Registration;

/**
 * An instance this application registers, as Spring Cloud's {@link Registration}. Thread-safe.
 *
 * <p>One made with {@link #of(Instance)} never changes. The auto-registration's one (the {@code
 * Registration} bean that Spring Cloud's {@code /actuator/serviceregistry} acts on) exists from the
 * start with its service and instance id, and is filled in with the rest when the application
 * registers, as Spring Cloud Consul's is: until then {@link #instance()} and {@link #getUri()} are
 * null, {@link #getHost()} is null and {@link #getPort()} is 0.
 */
public final class CairnRegistration implements Registration {

  // Service and id until filled in (a customizer may change them).
  private final String service;
  private final String id;
  // Null until filled in.
  private volatile Filled filled;

  private CairnRegistration(String service, String id) {
    this.service = service;
    this.id = id;
  }

  /** A registration of {@code instance}, which must have an id. */
  public static CairnRegistration of(Instance instance) {
    requireNonNull(instance, "instance");
    if (instance.id().isEmpty()) {
      throw new IllegalArgumentException("instance.id: \"\" (expected: an instance id)");
    }
    CairnRegistration r = new CairnRegistration(instance.service(), instance.id());
    r.filled = new Filled(instance);
    return r;
  }

  /** The auto-registration's registration of {@code service}/{@code id}, not filled in yet. */
  static CairnRegistration pending(String service, String id) {
    return new CairnRegistration(requireNonNull(service, "service"), requireNonNull(id, "id"));
  }

  /** Fills in (again) the instance the auto-registration registers. */
  void fill(Instance instance) {
    filled = new Filled(requireNonNull(instance, "instance"));
  }

  /** The instance to register; null while the auto-registration's one is not filled in. */
  public Instance instance() {
    Filled f = filled;
    return f == null ? null : f.instance;
  }

  @Override
  public String getInstanceId() {
    Filled f = filled;
    return f == null ? id : f.instance.id();
  }

  @Override
  public String getServiceId() {
    Filled f = filled;
    return f == null ? service : f.instance.service();
  }

  @Override
  public String getHost() {
    Filled f = filled;
    return f == null ? null : f.view.getHost();
  }

  @Override
  public int getPort() {
    Filled f = filled;
    return f == null ? 0 : f.view.getPort();
  }

  @Override
  public boolean isSecure() {
    Filled f = filled;
    return f != null && f.view.isSecure();
  }

  @Override
  public URI getUri() {
    Filled f = filled;
    return f == null ? null : f.view.getUri();
  }

  @Override
  public Map<String, String> getMetadata() {
    Filled f = filled;
    return f == null ? Map.of() : f.view.getMetadata();
  }

  @Override
  public String toString() {
    Filled f = filled;
    return "CairnRegistration{"
        + (f == null ? service + "/" + id + ", not filled in" : f.instance)
        + "}";
  }

  private record Filled(Instance instance, CairnServiceInstance view) {
    Filled(Instance instance) {
      this(instance, CairnServiceInstance.of(instance));
    }
  }
}
