package dev.cairn.spring.loadbalancer;

import static java.util.Objects.requireNonNull;

import dev.cairn.client.ServiceView;
import dev.cairn.spring.internal.InstanceLists;
import java.time.Duration;
import java.util.List;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Spring Cloud LoadBalancer's instance list, read from Cairn's push-fed view on every request: a
 * change the registry pushes is what the next pick sees, with no cache in between (Spring's default
 * supplier caches the discovery client's answer for 35 s). Each subscription emits the current list
 * once; the first request for a service waits up to the first-read timeout for the registry.
 * Thread-safe.
 */
public final class CairnServiceInstanceListSupplier implements ServiceInstanceListSupplier {

  private final String serviceId;
  private final ServiceView view;
  private final Duration firstReadTimeout;

  /** A supplier of {@code view}'s instances under Spring's {@code serviceId}. */
  public CairnServiceInstanceListSupplier(
      String serviceId, ServiceView view, Duration firstReadTimeout) {
    this.serviceId = requireNonNull(serviceId, "serviceId");
    this.view = requireNonNull(view, "view");
    this.firstReadTimeout = requireNonNull(firstReadTimeout, "firstReadTimeout");
  }

  @Override
  public String getServiceId() {
    return serviceId;
  }

  /** The view this supplier reads. */
  public ServiceView view() {
    return view;
  }

  @Override
  public Flux<List<ServiceInstance>> get() {
    return Flux.defer(
        () -> {
          if (view.ready().isDone()) {
            return Flux.just(InstanceLists.of(view.snapshot()));
          }
          return Mono.fromFuture(view.ready(), true)
              .timeout(firstReadTimeout, Mono.just(view))
              .map(v -> InstanceLists.of(v.snapshot()))
              .flux();
        });
  }
}
