package dev.cairn.spring;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Instance;
import java.net.URI;
import java.util.Map;
import org.springframework.cloud.client.serviceregistry.Registration;

/** An instance this application registers, as Spring Cloud's {@link Registration}. Immutable. */
public final class CairnRegistration implements Registration {

  private final Instance instance;
  private final CairnServiceInstance view;

  private CairnRegistration(Instance instance) {
    this.instance = instance;
    this.view = CairnServiceInstance.of(instance);
  }

  /** A registration of {@code instance}, which must have an id. */
  public static CairnRegistration of(Instance instance) {
    requireNonNull(instance, "instance");
    if (instance.id().isEmpty()) {
      throw new IllegalArgumentException("instance.id: \"\" (expected: an instance id)");
    }
    return new CairnRegistration(instance);
  }

  /** The instance to register. */
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
    return view.getHost();
  }

  @Override
  public int getPort() {
    return view.getPort();
  }

  @Override
  public boolean isSecure() {
    return view.isSecure();
  }

  @Override
  public URI getUri() {
    return view.getUri();
  }

  @Override
  public Map<String, String> getMetadata() {
    return view.getMetadata();
  }

  @Override
  public String toString() {
    return "CairnRegistration{" + instance + "}";
  }
}
