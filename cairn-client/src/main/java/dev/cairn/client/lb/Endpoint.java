package dev.cairn.client.lb;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Instance;

/**
 * One instance as a transport reaches it: the registered {@link Instance}, the transport's target
 * (a gRPC subchannel, a base URI, ...) and the live {@link EndpointStats}. Immutable; when an
 * instance changes its registration the balancer replaces the endpoint but keeps its stats.
 *
 * @param <T> the transport's target type
 */
public final class Endpoint<T> {

  private final Instance instance;
  private final T target;
  private final EndpointStats stats;

  Endpoint(Instance instance, T target, EndpointStats stats) {
    this.instance = requireNonNull(instance, "instance");
    this.target = requireNonNull(target, "target");
    this.stats = requireNonNull(stats, "stats");
  }

  /** The instance as last registered. */
  public Instance instance() {
    return instance;
  }

  /** The instance id; endpoints are keyed by it. */
  public String id() {
    return instance.id();
  }

  /** The transport's target for this instance. */
  public T target() {
    return target;
  }

  /** Live statistics, shared by every endpoint object of this instance id. */
  public EndpointStats stats() {
    return stats;
  }

  @Override
  public String toString() {
    return "Endpoint{" + instance.id() + " " + target + '}';
  }
}
