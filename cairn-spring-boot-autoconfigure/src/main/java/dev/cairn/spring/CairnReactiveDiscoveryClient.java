package dev.cairn.spring;

import static java.util.Objects.requireNonNull;

import dev.cairn.client.CairnClient;
import dev.cairn.client.ServiceView;
import dev.cairn.spring.internal.InstanceLists;
import java.time.Duration;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Spring Cloud's {@link ReactiveDiscoveryClient} answering from Cairn's push-fed views, without
 * blocking: the instances of a view that is ready are emitted at once; the first read of a service
 * emits when the registry answers (or nothing after the first-read timeout). Thread-safe.
 */
public final class CairnReactiveDiscoveryClient implements ReactiveDiscoveryClient {

  private final CairnClient client;
  private final InstanceLists lists;
  private final Duration timeout;

  public CairnReactiveDiscoveryClient(CairnClient client, Duration firstReadTimeout) {
    this.client = requireNonNull(client, "client");
    this.timeout = requireNonNull(firstReadTimeout, "firstReadTimeout");
    this.lists = new InstanceLists(client, firstReadTimeout);
  }

  @Override
  public String description() {
    return "Cairn reactive discovery client (" + client.registries() + ")";
  }

  @Override
  public Flux<ServiceInstance> getInstances(String serviceId) {
    return Flux.defer(
        () -> {
          ServiceView view = lists.view(serviceId);
          if (view == null) {
            return Flux.empty();
          }
          if (view.ready().isDone()) {
            return Flux.fromIterable(InstanceLists.of(view.snapshot()));
          }
          return Mono.fromFuture(view.ready(), true)
              .timeout(timeout, Mono.empty())
              .flatMapMany(v -> Flux.fromIterable(InstanceLists.of(v.snapshot())));
        });
  }

  @Override
  public Flux<String> getServices() {
    return Mono.defer(() -> Mono.fromFuture(client.services(), true))
        .timeout(timeout)
        .onErrorResume(e -> Mono.empty())
        .flatMapMany(Flux::fromIterable);
  }

  @Override
  public Mono<Void> reactiveProbe() {
    return Mono.defer(() -> Mono.fromFuture(client.services(), true)).timeout(timeout).then();
  }
}
