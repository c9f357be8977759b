package dev.cairn.spring;

import static java.util.Objects.requireNonNull;

import dev.cairn.client.CairnClient;
import dev.cairn.spring.internal.InstanceLists;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;

/**
 * Spring Cloud's {@link DiscoveryClient} answering from Cairn's views: each service is followed by
 * a watch from its first read on, and every change is pushed into the view, so {@link
 * #getInstances} returns what the registry holds now without polling and without a cache to expire.
 * Only the first read of a service waits (up to the first-read timeout) for the registry. Instances
 * whose health is {@code CRITICAL} are left out. Thread-safe.
 */
public final class CairnDiscoveryClient implements DiscoveryClient {

  private final CairnClient client;
  private final InstanceLists lists;
  private final Duration timeout;

  /** A discovery client on {@code client}; {@code firstReadTimeout} bounds a first read. */
  public CairnDiscoveryClient(CairnClient client, Duration firstReadTimeout) {
    this.client = requireNonNull(client, "client");
    this.timeout = requireNonNull(firstReadTimeout, "firstReadTimeout");
    this.lists = new InstanceLists(client, firstReadTimeout);
  }

  @Override
  public String description() {
    return "Cairn discovery client (" + client.registries() + ", " + client.namespace() + ")";
  }

  @Override
  public List<ServiceInstance> getInstances(String serviceId) {
    return lists.instances(serviceId);
  }

  /** The registry's services; one call to the registry (empty when none answers in time). */
  @Override
  public List<String> getServices() {
    try {
      return client.services().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    } catch (ExecutionException | TimeoutException e) {
      return List.of();
    }
  }

  /** Fails when no registry answers within the first-read timeout (used by Spring's health). */
  @Override
  public void probe() {
    try {
      client.services().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("cairn: interrupted while probing the registry", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "cairn: no registry answered at " + client.registries() + ": " + e, e);
    }
  }
}
