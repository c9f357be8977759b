package dev.cairn.xds.internal;

import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Authorizer;
import dev.cairn.server.core.acl.Resource;
import dev.cairn.server.core.acl.Rule;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.List;
import java.util.Set;

/**
 * A snapshot group of the cache filtered to what one set of {@code service} read rules may read
 * (decision 0176): the wildcard subscriptions of every stream whose token has these rules are
 * answered from it, with the resources of the services those rules let it read and nothing else.
 * Streams of tokens with the same rules (the same policies, typically) share one group. The
 * resources are the mirror's own objects, so each is still encoded once whatever the number of
 * groups it is in (decision 0133).
 *
 * <p>The group is its own key in the cache (identity), so a group made again for the same rules
 * after the last stream left is a different group. Its stream count is guarded by the mirror's lock
 * of groups; what it last published is owned by the mirror's thread.
 */
final class FilteredGroup {

  /** The rules that key it: service read rules of the served namespaces and of every one. */
  final Set<Rule> rules;

  private final Authorizer rights;

  // Guarded by the mirror's lock of groups.
  int streams;

  // Owned by the mirror's thread.
  private final GroupPublisher publisher = new GroupPublisher(this);

  FilteredGroup(Set<Rule> rules, Authorizer rights) {
    this.rules = rules;
    this.rights = rights;
  }

  /** Whether this group's streams may read {@code service} of {@code namespace}. */
  boolean reads(String namespace, String service) {
    return rights.allows(Resource.SERVICE, Access.READ, namespace, service);
  }

  /**
   * Publishes the filtered resources to {@code cache} if they differ from those it last published:
   * a change to a service this group may not read changes nothing here, and is not even a push
   * ({@link GroupPublisher}). On the mirror's thread.
   */
  void publish(
      SimpleCache<Object> cache,
      List<Cluster> clusters,
      List<ClusterLoadAssignment> endpoints,
      List<Listener> listeners,
      List<RouteConfiguration> routes,
      long clustersRevision,
      long endpointsRevision) {
    publisher.publish(
        cache, clusters, endpoints, listeners, routes, clustersRevision, endpointsRevision);
  }

  @Override
  public String toString() {
    return "FilteredGroup" + rules;
  }
}
