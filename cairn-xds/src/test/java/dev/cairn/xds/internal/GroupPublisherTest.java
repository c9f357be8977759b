package dev.cairn.xds.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Instance;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Versions of the snapshots a group publishes (decision 0195), against the library's real cache:
 * the order in which the mirror learns that a service was deregistered (its endpoints emptied at
 * revision 7, then its cluster gone at the same revision).
 */
class GroupPublisherTest {

  private static final String GROUP = "g";

  private final SimpleCache<Object> cache = new SimpleCache<>(node -> GROUP);
  private final GroupPublisher publisher = new GroupPublisher(GROUP);

  private final Service hello = new Service("hello", 7001);
  private final Service world = new Service("world", 7101);

  @Test
  void aSecondPublishAtTheSameRevisionGetsItsOwnVersion() {
    assertThat(publish(5, 5, hello.endpoints, world.endpoints, hello, world)).isTrue();
    assertThat(versions()).containsExactly("5", "5");

    // The deregistration at 7, as the service's own watch delivers it: no endpoints left.
    ClusterLoadAssignment emptied = XdsResources.endpoints("world", "default", List.of(), "grpc");
    assertThat(publish(5, 7, hello.endpoints, emptied, hello, world)).isTrue();
    assertThat(versions()).containsExactly("5", "7");

    // The same revision, as the namespace's list delivers it: the service is gone.
    assertThat(publish(7, 7, hello.endpoints, null, hello)).isTrue();
    assertThat(versions()).containsExactly("7", "7.1");

    // The same objects again: nothing to publish, nothing pushed.
    assertThat(publish(7, 7, hello.endpoints, null, hello)).isFalse();
    assertThat(versions()).containsExactly("7", "7.1");

    // A later revision is the revision alone again.
    ClusterLoadAssignment grown =
        XdsResources.endpoints("hello", "default", List.of(instance("hello", 7002)), "grpc");
    assertThat(publish(7, 9, grown, null, hello)).isTrue();
    assertThat(versions()).containsExactly("7", "9");
  }

  @Test
  void aDeltaWatchThatSawTheEmptiedEndpointsIsToldTheyAreRemoved() {
    publish(5, 5, hello.endpoints, world.endpoints, hello, world);
    ClusterLoadAssignment emptied = XdsResources.endpoints("world", "default", List.of(), "grpc");
    publish(5, 7, hello.endpoints, emptied, hello, world);

    // A client that holds both resources at version 7 (it was sent the emptied endpoints and
    // acknowledged them) waits for the next change.
    List<DeltaResponse> responses = new ArrayList<>();
    DeltaXdsRequest request =
        DeltaXdsRequest.create(
            DeltaDiscoveryRequest.newBuilder()
                .setNode(Node.newBuilder().setId("n1"))
                .setTypeUrl(Resources.V3.ENDPOINT_TYPE_URL)
                .addResourceNamesSubscribe("hello")
                .addResourceNamesSubscribe("world")
                .build());
    var versions = cache.getSnapshot(GROUP).versionedResources(Resources.ResourceType.ENDPOINT);
    cache.createDeltaWatch(
        request,
        "7",
        Map.of("hello", versions.get("hello").version(), "world", versions.get("world").version()),
        Set.of(),
        false,
        responses::add,
        false);
    assertThat(responses).isEmpty();

    publish(7, 7, hello.endpoints, null, hello);

    assertThat(responses).hasSize(1);
    assertThat(responses.get(0).removedResources()).containsExactly("world");
    assertThat(responses.get(0).resources()).isEmpty();
  }

  /** Publishes the services' clusters with the given endpoints (null for none). */
  private boolean publish(
      long clustersRevision,
      long endpointsRevision,
      ClusterLoadAssignment first,
      ClusterLoadAssignment second,
      Service... services) {
    List<Cluster> clusters = new ArrayList<>();
    List<Listener> listeners = new ArrayList<>();
    List<RouteConfiguration> routes = new ArrayList<>();
    for (Service s : services) {
      clusters.add(s.cluster);
      listeners.add(s.listener);
      routes.add(s.route);
    }
    List<ClusterLoadAssignment> endpoints = new ArrayList<>();
    endpoints.add(first);
    if (second != null) {
      endpoints.add(second);
    }
    return publisher.publish(
        cache, clusters, endpoints, listeners, routes, clustersRevision, endpointsRevision);
  }

  /** The CDS and EDS versions of the group's snapshot. */
  private List<String> versions() {
    var snapshot = cache.getSnapshot(GROUP);
    return List.of(
        snapshot.version(Resources.ResourceType.CLUSTER),
        snapshot.version(Resources.ResourceType.ENDPOINT));
  }

  private static Instance instance(String service, int port) {
    return Instance.builder(service, "127.0.0.1")
        .id(service + "-" + port)
        .ports(Map.of("grpc", port))
        .build();
  }

  /** One service's resources, made once as the mirror makes them. */
  private static final class Service {
    final Cluster cluster;
    final Listener listener;
    final RouteConfiguration route;
    final ClusterLoadAssignment endpoints;

    Service(String name, int port) {
      cluster = XdsResources.cluster(name);
      listener = XdsResources.listener(name);
      route = XdsResources.route(name, true);
      endpoints = XdsResources.endpoints(name, "default", List.of(instance(name, port)), "grpc");
    }
  }
}
