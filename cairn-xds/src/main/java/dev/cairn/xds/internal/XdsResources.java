package dev.cairn.xds.internal;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.common.Names;
import dev.cairn.server.FrontDoorKeys;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * The mapping from the catalog to Envoy's v3 resources (the table in {@code docs/interop.md}). Pure
 * functions; thread-safe.
 */
final class XdsResources {

  /** The metadata namespace of Cairn's own endpoint fields. */
  static final String CAIRN_METADATA = "cairn";

  /** Envoy's subset load balancer reads endpoint metadata under this key. */
  static final String ENVOY_LB_METADATA = "envoy.lb";

  private static final ConfigSource ADS =
      ConfigSource.newBuilder()
          .setAds(AggregatedConfigSource.getDefaultInstance())
          .setResourceApiVersion(ApiVersion.V3)
          .build();

  private XdsResources() {}

  /**
   * The resource name of a service: its name in the first served namespace, {@code
   * service.namespace} in the others (service names are DNS labels, so a dot never occurs in one).
   */
  static String resourceName(String namespace, String service, String firstNamespace) {
    return namespace.equals(firstNamespace) ? service : service + "." + namespace;
  }

  /** An EDS cluster fed over ADS, round robin. */
  static Cluster cluster(String name) {
    return Cluster.newBuilder()
        .setName(name)
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(
            Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ADS).setServiceName(name))
        .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
        .setConnectTimeout(Duration.newBuilder().setSeconds(5))
        .build();
  }

  /** The drop category of a service none of whose instances is healthy (decision 0227). */
  static final String NO_HEALTHY_INSTANCE = "cairn_no_healthy_instance";

  /**
   * The endpoints of a service: one locality per zone, weighted by the sum of its healthy
   * instances' weights, each instance an endpoint on the port named {@code portName} (or its only
   * port). Instances with no such port are left out, and so are instances registered by host name
   * (EDS takes IP addresses: grpc-java and Envoy reject a resource with a host name in it, which
   * would cost the service all its endpoints), and a zone none of whose instances is healthy (a
   * locality's weight must be at least 1).
   *
   * <p>A service with instances but none healthy (decision 0227): grpc-java sent only unhealthy
   * endpoints, or none, keeps calling the endpoints it last had. So its endpoints are sent as they
   * are, health {@code UNKNOWN}, with a policy that drops every call (category {@value
   * #NO_HEALTHY_INSTANCE}): clients fail their calls {@code UNAVAILABLE} ("Dropped: ...") and send
   * none to the instances, until one is healthy again.
   */
  static ClusterLoadAssignment endpoints(
      String name, String namespace, Collection<Instance> instances, String portName) {
    Map<String, LocalityLbEndpoints.Builder> byZone = new TreeMap<>();
    Map<String, LocalityLbEndpoints.Builder> unhealthy = new TreeMap<>();
    for (Instance i : instances) {
      int port = port(i, portName);
      if (port < 0 || !isIp(i.address())) {
        continue;
      }
      LbEndpoint endpoint = endpoint(namespace, i, port);
      add(byZone, i.zone(), endpoint, i.health().isHealthy() ? i.weight() : 0);
      add(
          unhealthy,
          i.zone(),
          endpoint.toBuilder().setHealthStatus(HealthStatus.UNKNOWN).build(),
          i.weight());
    }
    ClusterLoadAssignment.Builder cla = ClusterLoadAssignment.newBuilder().setClusterName(name);
    for (LocalityLbEndpoints.Builder locality : byZone.values()) {
      if (locality.getLoadBalancingWeight().getValue() > 0) {
        cla.addEndpoints(locality);
      }
    }
    if (cla.getEndpointsCount() == 0 && !unhealthy.isEmpty()) {
      unhealthy.values().forEach(cla::addEndpoints);
      cla.setPolicy(
          ClusterLoadAssignment.Policy.newBuilder()
              .addDropOverloads(
                  ClusterLoadAssignment.Policy.DropOverload.newBuilder()
                      .setCategory(NO_HEALTHY_INSTANCE)
                      .setDropPercentage(
                          FractionalPercent.newBuilder()
                              .setNumerator(100)
                              .setDenominator(FractionalPercent.DenominatorType.HUNDRED))));
    }
    return cla.build();
  }

  private static void add(
      Map<String, LocalityLbEndpoints.Builder> byZone,
      String zone,
      LbEndpoint endpoint,
      int weight) {
    LocalityLbEndpoints.Builder locality =
        byZone.computeIfAbsent(
            zone,
            z ->
                LocalityLbEndpoints.newBuilder()
                    .setLocality(Locality.newBuilder().setZone(z))
                    .setLoadBalancingWeight(UInt32Value.of(0)));
    locality.addLbEndpoints(endpoint);
    locality.setLoadBalancingWeight(
        UInt32Value.of(locality.getLoadBalancingWeight().getValue() + weight));
  }

  /**
   * A listener for proxyless gRPC ({@code xds:///name}): an API listener whose HTTP connection
   * manager takes its routes from RDS resource {@code name}.
   */
  static Listener listener(String name) {
    HttpConnectionManager hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix(name)
            .setRds(Rds.newBuilder().setConfigSource(ADS).setRouteConfigName(name))
            .addHttpFilters(
                HttpFilter.newBuilder()
                    .setName("envoy.filters.http.router")
                    .setTypedConfig(Any.pack(Router.getDefaultInstance())))
            .build();
    return Listener.newBuilder()
        .setName(name)
        .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm)))
        .build();
  }

  /**
   * A route configuration sending every call to cluster {@code name}, retrying {@code UNAVAILABLE}
   * (up to 2 more attempts) when {@code retryUnavailable}.
   */
  static RouteConfiguration route(String name, boolean retryUnavailable) {
    RouteAction.Builder action = RouteAction.newBuilder().setCluster(name);
    if (retryUnavailable) {
      action.setRetryPolicy(
          io.envoyproxy.envoy.config.route.v3.RetryPolicy.newBuilder()
              .setRetryOn("unavailable")
              .setNumRetries(UInt32Value.of(2))
              .setRetryBackOff(
                  io.envoyproxy.envoy.config.route.v3.RetryPolicy.RetryBackOff.newBuilder()
                      .setBaseInterval(Duration.newBuilder().setNanos(10_000_000))
                      .setMaxInterval(Duration.newBuilder().setNanos(100_000_000))));
    }
    return RouteConfiguration.newBuilder()
        .setName(name)
        .addVirtualHosts(
            VirtualHost.newBuilder()
                .setName(name)
                .addDomains("*")
                .addRoutes(
                    Route.newBuilder()
                        .setMatch(RouteMatch.newBuilder().setPrefix(""))
                        .setRoute(action)))
        .build();
  }

  /** Whether an instance's address is an IP literal, which is all an EDS endpoint may hold. */
  static boolean isIp(String address) {
    return Names.isIpv4Literal(address) || Names.isIpv6Literal(address);
  }

  /** The instance's port named {@code portName}, else its only port, else -1. */
  static int port(Instance i, String portName) {
    int p = i.port(portName);
    if (p > 0) {
      return p;
    }
    return i.ports().size() == 1 ? i.ports().values().iterator().next() : -1;
  }

  /** PASSING and WARNING serve (Cairn counts both healthy); CRITICAL does not. */
  static HealthStatus health(Health health) {
    return health.isHealthy() ? HealthStatus.HEALTHY : HealthStatus.UNHEALTHY;
  }

  private static LbEndpoint endpoint(String namespace, Instance i, int port) {
    Struct.Builder cairn =
        Struct.newBuilder()
            .putFields("namespace", string(namespace))
            .putFields("service", string(i.service()))
            .putFields("instance_id", string(i.id()))
            .putFields("zone", string(i.zone()))
            .putFields("health", string(i.health().name()));
    ListValue.Builder tags = ListValue.newBuilder();
    Struct.Builder lb = Struct.newBuilder();
    for (String t : i.tags()) {
      tags.addValues(string(t));
      lb.putFields(t, Value.newBuilder().setBoolValue(true).build());
    }
    cairn.putFields("tags", Value.newBuilder().setListValue(tags).build());
    Struct.Builder meta = Struct.newBuilder();
    // Without the keys other front doors keep for their own fields (decisions 0225, 0233).
    i.metadata()
        .forEach(
            (k, v) -> {
              if (!FrontDoorKeys.isDoorKey(k)) {
                meta.putFields(k, string(v));
              }
            });
    cairn.putFields("metadata", Value.newBuilder().setStructValue(meta).build());
    return LbEndpoint.newBuilder()
        .setEndpoint(
            Endpoint.newBuilder()
                .setAddress(
                    Address.newBuilder()
                        .setSocketAddress(
                            SocketAddress.newBuilder().setAddress(i.address()).setPortValue(port))))
        .setHealthStatus(health(i.health()))
        .setLoadBalancingWeight(UInt32Value.of(i.weight()))
        .setMetadata(
            Metadata.newBuilder()
                .putFilterMetadata(CAIRN_METADATA, cairn.build())
                .putFilterMetadata(ENVOY_LB_METADATA, lb.build()))
        .build();
  }

  private static Value string(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }
}
