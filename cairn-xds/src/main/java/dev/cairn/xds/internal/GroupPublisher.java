package dev.cairn.xds.internal;

import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.List;

/**
 * Publishes one cache group's snapshots, each type's version new whenever its resources are
 * (decision 0195). The cache pushes a type to a stream only when the type's version differs from
 * the one the stream holds, so two different sets of resources must never share a version.
 *
 * <p>A version is the revision the resources reflect. The mirror learns a change through two
 * watches (a service's own, and its namespace's list) that may reach it in two publishes at the
 * same revision: a deregistered service's endpoints emptied, then the service gone; a new service
 * listed, then its instances. The second publish then gets {@code "R.1"} (then {@code "R.2"}, ...)
 * instead of {@code "R"}, which the first took.
 *
 * <p>Resources are compared by identity: the mirror keeps a resource object until it changes. Owned
 * by the mirror's thread.
 */
final class GroupPublisher {

  private final Object group;
  private final TypeVersion clusters = new TypeVersion();
  private final TypeVersion endpoints = new TypeVersion();

  /** Publishes under {@code group}, the key the cache's streams of this group use. */
  GroupPublisher(Object group) {
    this.group = group;
  }

  /**
   * Publishes the resources to {@code cache} unless they are the objects it last published. The
   * listeners and routes live as long as their services' clusters, so they take the clusters'
   * version.
   *
   * @param clustersRevision the revision at which the set of services was read
   * @param endpointsRevision the latest revision of the services' instances read
   * @return whether a snapshot was published
   */
  boolean publish(
      SimpleCache<Object> cache,
      List<Cluster> clusterList,
      List<ClusterLoadAssignment> endpointList,
      List<Listener> listeners,
      List<RouteConfiguration> routes,
      long clustersRevision,
      long endpointsRevision) {
    boolean clustersChanged = clusters.update(clusterList, clustersRevision);
    boolean endpointsChanged = endpoints.update(endpointList, endpointsRevision);
    if (!clustersChanged && !endpointsChanged) {
      return false;
    }
    String cds = clusters.version();
    cache.setSnapshot(
        group,
        Snapshot.create(
            clusterList,
            cds,
            endpointList,
            endpoints.version(),
            listeners,
            cds,
            routes,
            cds,
            List.of(),
            "0"));
    return true;
  }

  /** One type's last published resources and the version they were published under. */
  private static final class TypeVersion {
    private List<?> resources; // null until the first update
    private long revision = Long.MIN_VALUE;
    private int repeats;
    private String version = "";

    /**
     * Takes {@code resources} at {@code revision}: a new version unless they are the same objects
     * as before.
     *
     * @return whether the version changed
     */
    boolean update(List<?> resources, long revision) {
      if (this.resources != null && sameElements(resources, this.resources)) {
        return false;
      }
      this.resources = resources;
      if (revision != this.revision) {
        this.revision = revision;
        repeats = 0;
        version = Long.toString(revision);
      } else {
        repeats++;
        version = revision + "." + repeats;
      }
      return true;
    }

    String version() {
      return version;
    }
  }

  /** Element by element, by identity. */
  private static boolean sameElements(List<?> a, List<?> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i) != b.get(i)) {
        return false;
      }
    }
    return true;
  }
}
