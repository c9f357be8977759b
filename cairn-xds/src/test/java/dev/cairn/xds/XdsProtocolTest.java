package dev.cairn.xds;

import static dev.cairn.xds.XdsTestClient.CDS;
import static dev.cairn.xds.XdsTestClient.EDS;
import static dev.cairn.xds.XdsTestClient.LDS;
import static dev.cairn.xds.XdsTestClient.NODE;
import static dev.cairn.xds.XdsTestClient.RDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import dev.cairn.server.FrontDoorKeys;
import dev.cairn.testing.CairnServerExtension;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The ADS protocol as a bare client sees it: resources, versions, resume and delta. */
class XdsProtocolTest {

  @RegisterExtension
  final CairnServerExtension cairn =
      CairnServerExtension.inMemory()
          .configure(
              b ->
                  b.frontDoor(
                      XdsFrontDoor.factory(
                          XdsOptions.builder()
                              .port(0)
                              .namespaces(List.of("default", "staging"))
                              .build())));

  @Test
  void everyServiceIsAClusterWithEndpointsAListenerAndARoute() throws Exception {
    register("default", "hello", "a", "z1", 3, Health.PASSING, Map.of("grpc", 7001, "http", 8001));
    register("default", "hello", "b", "z2", 1, Health.CRITICAL, Map.of("grpc", 7002));
    register("default", "hello", "c", "z1", 2, Health.WARNING, Map.of("admin", 7003));
    register("default", "hello", "d", "z1", 1, Health.PASSING, Map.of("admin", 1, "other", 2));
    register("default", "hello", "e", "z2", 4, Health.PASSING, Map.of("grpc", 7004));
    register("default", "hello", "f", "z3", 1, Health.CRITICAL, Map.of("grpc", 7005));
    register("staging", "hello", "s", "", 1, Health.PASSING, Map.of("grpc", 7100));
    // a, b, c and e; d has no port to serve, f is the only instance of z3 and critical.
    awaitServed("hello", 4);
    awaitServed("hello.staging", 1);

    try (XdsTestClient client = XdsTestClient.of(cairn)) {
      XdsTestClient.Stream s = client.stream();
      s.send(request(CDS, "", ""));
      DiscoveryResponse cds = awaitResources(s, CDS, 2);
      assertThat(cds.getResourcesList())
          .extracting(XdsProtocolTest::name)
          .containsExactlyInAnyOrder("hello", "hello.staging");
      Cluster cluster = cds.getResources(0).unpack(Cluster.class);
      assertThat(cluster.getType()).isEqualTo(Cluster.DiscoveryType.EDS);
      assertThat(cluster.getEdsClusterConfig().getEdsConfig().hasAds()).isTrue();

      s.send(request(EDS, "", "", "hello"));
      ClusterLoadAssignment cla = s.next().getResources(0).unpack(ClusterLoadAssignment.class);
      assertThat(cla.getClusterName()).isEqualTo("hello");
      assertThat(cla.getEndpointsList())
          .extracting(l -> l.getLocality().getZone())
          .containsExactly("z1", "z2");
      LocalityLbEndpoints z1 = cla.getEndpoints(0);
      // a (grpc port), c (its only port); d has two ports, neither named grpc: left out.
      assertThat(z1.getLbEndpointsList())
          .extracting(e -> e.getEndpoint().getAddress().getSocketAddress().getPortValue())
          .containsExactly(7001, 7003);
      assertThat(z1.getLoadBalancingWeight().getValue()).isEqualTo(5);
      assertThat(z1.getLbEndpointsList())
          .extracting(LbEndpoint::getHealthStatus)
          .containsOnly(HealthStatus.HEALTHY);
      // z2 is weighted by its healthy instance (e) alone; z3, with no healthy instance, is left
      // out (a zone of unhealthy endpoints would keep grpc-java calling them, decision 0227).
      LocalityLbEndpoints z2 = cla.getEndpoints(1);
      assertThat(z2.getLoadBalancingWeight().getValue()).isEqualTo(4);
      LbEndpoint b = z2.getLbEndpoints(0);
      assertThat(b.getHealthStatus()).isEqualTo(HealthStatus.UNHEALTHY);
      assertThat(z2.getLbEndpoints(1).getHealthStatus()).isEqualTo(HealthStatus.HEALTHY);
      assertThat(b.getMetadata().getFilterMetadataOrThrow("cairn").getFieldsOrThrow("instance_id"))
          .extracting(v -> v.getStringValue())
          .isEqualTo("b");
      assertThat(b.getMetadata().getFilterMetadataOrThrow("envoy.lb").getFieldsMap())
          .containsKey("canary");

      s.send(request(LDS, "", "", "hello"));
      Listener listener = s.next().getResources(0).unpack(Listener.class);
      assertThat(listener.getName()).isEqualTo("hello");
      assertThat(listener.hasApiListener()).isTrue();

      s.send(request(RDS, "", "", "hello"));
      RouteConfiguration route = s.next().getResources(0).unpack(RouteConfiguration.class);
      assertThat(route.getVirtualHosts(0).getRoutes(0).getRoute().getCluster()).isEqualTo("hello");
      assertThat(route.getVirtualHosts(0).getRoutes(0).getRoute().getRetryPolicy().getRetryOn())
          .isEqualTo("unavailable");
    }
  }

  @Test
  void aNamedResourceThatDoesNotExistIsLeftOutOfAnAnswerNotHoldingItBack() throws Exception {
    register("default", "hello", "a", "z1", 1, Health.PASSING, Map.of("grpc", 7001));
    awaitServed("hello", 1);
    try (XdsTestClient client = XdsTestClient.of(cairn)) {
      XdsTestClient.Stream s = client.stream();
      // A client with channels to hello and to a service not registered yet (decision 0226).
      s.send(request(LDS, "", "", "hello", "later"));
      DiscoveryResponse first = s.next();
      assertThat(first.getResourcesList())
          .extracting(XdsProtocolTest::name)
          .containsExactly("hello");
      s.send(request(LDS, first.getVersionInfo(), first.getNonce(), "hello", "later"));

      register("default", "later", "l", "z1", 1, Health.PASSING, Map.of("grpc", 7002));
      DiscoveryResponse second = s.next();
      assertThat(second.getResourcesList())
          .extracting(XdsProtocolTest::name)
          .containsExactlyInAnyOrder("hello", "later");
      s.send(request(LDS, second.getVersionInfo(), second.getNonce(), "hello", "later"));

      cairn.registry().deregister("default", "hello", "a").join();
      DiscoveryResponse third = s.next();
      assertThat(third.getResourcesList())
          .extracting(XdsProtocolTest::name)
          .containsExactly("later");
    }
  }

  @Test
  void aNackIsLoggedWithTheNodeTheTypeAndTheClientsReason() throws Exception {
    register("default", "hello", "a", "z1", 1, Health.PASSING, Map.of("grpc", 7001));
    awaitServed("hello", 1);
    // The test logger (slf4j-simple) writes to whatever System.err is when it logs.
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    String nonce;
    try (XdsTestClient client = XdsTestClient.of(cairn)) {
      XdsTestClient.Stream s = client.stream();
      s.send(request(EDS, "", "", "hello"));
      DiscoveryResponse first = s.next();
      nonce = first.getNonce();
      s.send(
          request(EDS, "", first.getNonce(), "hello").toBuilder()
              .setErrorDetail(
                  com.google.rpc.Status.newBuilder()
                      .setCode(3)
                      .setMessage("bad endpoint\nforged line"))
              .build());
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(30))
          .until(() -> captured.toString(StandardCharsets.UTF_8).contains("rejected"));
    } finally {
      System.setErr(err);
    }
    assertThat(captured.toString(StandardCharsets.UTF_8))
        .contains("WARN")
        .contains(
            "xds: node 'test-client' (cluster 'test', stream ",
            ") rejected ClusterLoadAssignment (NACK of nonce "
                + nonce
                + "; it keeps version ''): bad endpoint\\u000aforged line")
        .doesNotContain("\nforged line");
  }

  @Test
  void anAckedVersionIsPushedAgainOnlyWhenTheServiceChanges() throws Exception {
    register("default", "hello", "a", "z1", 1, Health.PASSING, Map.of("grpc", 7001));
    awaitServed("hello", 1);
    try (XdsTestClient client = XdsTestClient.of(cairn)) {
      XdsTestClient.Stream s = client.stream();
      s.send(request(EDS, "", "", "hello"));
      DiscoveryResponse first = s.next();
      s.send(request(EDS, first.getVersionInfo(), first.getNonce(), "hello")); // ACK

      register("default", "hello", "b", "z1", 1, Health.PASSING, Map.of("grpc", 7002));

      DiscoveryResponse second = s.next();
      assertThat(Long.parseLong(second.getVersionInfo()))
          .isGreaterThan(Long.parseLong(first.getVersionInfo()));
      assertThat(endpointCount(second)).isEqualTo(2);
      assertThat(s.received).isEmpty();
    }
  }

  @Test
  void aResumedStateOfTheWorldStreamGetsTheStateOnceThenOnlyChanges() throws Exception {
    register("default", "hello", "a", "z1", 1, Health.PASSING, Map.of("grpc", 7001));
    awaitServed("hello", 1);
    try (XdsTestClient client = XdsTestClient.of(cairn)) {
      XdsTestClient.Stream first = client.stream();
      first.send(request(EDS, "", "", "hello"));
      String version = first.next().getVersionInfo();
      first.requests.onCompleted();

      // State of the world has no per-resource versions: a new stream that names the version it
      // holds is answered once with the current state, at that same version (delta resumes send
      // nothing unchanged; see deltaStreamsSendOnlyChangedAndRemovedResources).
      XdsTestClient.Stream resumed = client.stream();
      resumed.send(request(EDS, version, "", "hello"));
      DiscoveryResponse again = resumed.next();
      assertThat(again.getVersionInfo()).isEqualTo(version);
      resumed.send(request(EDS, version, again.getNonce(), "hello"));

      register("default", "hello", "b", "z1", 1, Health.PASSING, Map.of("grpc", 7002));
      DiscoveryResponse next = resumed.next();
      assertThat(next.getVersionInfo()).isNotEqualTo(version);
      assertThat(endpointCount(next)).isEqualTo(2);
    }
  }

  @Test
  void deltaStreamsSendOnlyChangedAndRemovedResources() throws Exception {
    register("default", "hello", "a", "z1", 1, Health.PASSING, Map.of("grpc", 7001));
    register("default", "world", "w", "z1", 1, Health.PASSING, Map.of("grpc", 7101));
    awaitServed("hello", 1);
    awaitServed("world", 1);
    try (XdsTestClient client = XdsTestClient.of(cairn)) {
      XdsTestClient.DeltaStream d = client.deltaStream();
      d.send(delta(CDS).build()); // wildcard
      DeltaDiscoveryResponse clusters = d.next();
      assertThat(XdsTestClient.DeltaStream.names(clusters))
          .containsExactlyInAnyOrder("hello", "world");
      d.send(delta(CDS).setResponseNonce(clusters.getNonce()).build());

      d.send(
          delta(EDS).addResourceNamesSubscribe("hello").addResourceNamesSubscribe("world").build());
      DeltaDiscoveryResponse eds = d.next();
      assertThat(XdsTestClient.DeltaStream.names(eds)).containsExactlyInAnyOrder("hello", "world");
      d.send(delta(EDS).setResponseNonce(eds.getNonce()).build());

      register("default", "hello", "b", "z1", 1, Health.PASSING, Map.of("grpc", 7002));
      DeltaDiscoveryResponse changed = d.next();
      assertThat(changed.getTypeUrl()).isEqualTo(EDS);
      assertThat(XdsTestClient.DeltaStream.names(changed)).containsExactly("hello");
      d.send(delta(EDS).setResponseNonce(changed.getNonce()).build());

      cairn.registry().deregister("default", "world", "w").join();
      // The cluster and its endpoints go, in either order; the endpoints may first be updated to
      // none (the service's own watch fires before the service list drops it).
      Map<String, List<String>> removedByType = new java.util.HashMap<>();
      for (int i = 0; i < 4 && removedByType.size() < 2; i++) {
        DeltaDiscoveryResponse removed = d.next();
        if (!removed.getRemovedResourcesList().isEmpty()) {
          removedByType.put(removed.getTypeUrl(), removed.getRemovedResourcesList());
        }
        d.send(delta(removed.getTypeUrl()).setResponseNonce(removed.getNonce()).build());
      }
      assertThat(removedByType)
          .containsEntry(CDS, List.of("world"))
          .containsEntry(EDS, List.of("world"));

      // A new delta stream that names the versions it holds gets only what differs.
      XdsTestClient.DeltaStream resumed = client.deltaStream();
      resumed.send(
          delta(EDS)
              .addResourceNamesSubscribe("hello")
              .putInitialResourceVersions("hello", changed.getResources(0).getVersion())
              .build());
      register("default", "hello", "c", "z1", 1, Health.PASSING, Map.of("grpc", 7003));
      // Only "hello" comes (never "world", gone, nor a resource not subscribed to); racing the
      // change, the library may first answer the state before it once (decision 0131).
      int endpoints = 0;
      for (int i = 0; i < 2 && endpoints != 3; i++) {
        DeltaDiscoveryResponse afterResume = resumed.next();
        assertThat(XdsTestClient.DeltaStream.names(afterResume)).containsExactly("hello");
        endpoints =
            afterResume
                .getResources(0)
                .getResource()
                .unpack(ClusterLoadAssignment.class)
                .getEndpoints(0)
                .getLbEndpointsCount();
        resumed.send(delta(EDS).setResponseNonce(afterResume.getNonce()).build());
      }
      assertThat(endpoints).isEqualTo(3);
    }
  }

  @Test
  void theMetadataKeysOtherFrontDoorsKeepForThemselvesAreLeftOut() throws Exception {
    // What a Consul and a Eureka registration store besides their metadata (decisions 0225, 0233).
    cairn
        .registry()
        .register(
            "default",
            Instance.builder("hello", "127.0.0.1")
                .id("a")
                .ports(Map.of("grpc", 7001))
                .metadata(
                    Map.of(
                        "team",
                        "payments",
                        FrontDoorKeys.CONSUL_TAGS,
                        "[\"prod\",\"version=1\"]",
                        FrontDoorKeys.EUREKA_STATUS,
                        "STARTING",
                        FrontDoorKeys.EUREKA_HOST_NAME,
                        "a.example"))
                .build())
        .join();
    awaitServed("hello", 1);
    try (XdsTestClient client = XdsTestClient.of(cairn)) {
      XdsTestClient.Stream s = client.stream();
      s.send(request(EDS, "", "", "hello"));
      LbEndpoint a =
          s.next()
              .getResources(0)
              .unpack(ClusterLoadAssignment.class)
              .getEndpoints(0)
              .getLbEndpoints(0);
      var cairnFields = a.getMetadata().getFilterMetadataOrThrow("cairn");
      assertThat(cairnFields.getFieldsOrThrow("metadata").getStructValue().getFieldsMap())
          .containsOnlyKeys("team");
      assertThat(cairnFields.getFieldsOrThrow("instance_id").getStringValue()).isEqualTo("a");
    }
  }

  @Test
  void badOptionsAreRejected() {
    assertThatThrownBy(() -> XdsOptions.builder().port(70000).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port: 70000 (expected: 0..65535)");
    assertThatThrownBy(() -> XdsOptions.builder().portName("Bad_Name").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("portName: ");
    assertThatThrownBy(() -> XdsOptions.builder().namespaces(List.of()).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> XdsOptions.builder().tokenCheckInterval(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tokenCheckInterval: PT0S (expected: more than 0)");
  }

  static String name(Any any) {
    try {
      return switch (any.getTypeUrl()) {
        case CDS -> any.unpack(Cluster.class).getName();
        case EDS -> any.unpack(ClusterLoadAssignment.class).getClusterName();
        case LDS -> any.unpack(Listener.class).getName();
        case RDS -> any.unpack(RouteConfiguration.class).getName();
        default -> any.getTypeUrl();
      };
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  private static DiscoveryResponse awaitResources(XdsTestClient.Stream s, String type, int count)
      throws Exception {
    DiscoveryResponse r = s.next();
    while (r.getResourcesCount() < count) {
      s.send(request(type, r.getVersionInfo(), r.getNonce()));
      r = s.next();
    }
    return r;
  }

  /**
   * Waits until the front door serves {@code count} endpoints for {@code service}: it publishes
   * from its own watch of the catalog, on its own thread, so a registration that returned may not
   * be served yet. Asks on a stream of its own, so the test's streams see only what they expect.
   */
  private void awaitServed(String service, int count) {
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(
            () -> {
              try (XdsTestClient probe = XdsTestClient.of(cairn)) {
                XdsTestClient.Stream s = probe.stream();
                s.send(request(EDS, "", "", service));
                DiscoveryResponse r = s.next();
                return r.getResourcesCount() == 1 && endpointCount(r) == count;
              }
            });
  }

  private static int endpointCount(DiscoveryResponse r) throws Exception {
    return r.getResources(0).unpack(ClusterLoadAssignment.class).getEndpointsList().stream()
        .mapToInt(LocalityLbEndpoints::getLbEndpointsCount)
        .sum();
  }

  private static DiscoveryRequest request(
      String type, String version, String nonce, String... names) {
    return DiscoveryRequest.newBuilder()
        .setNode(NODE)
        .setTypeUrl(type)
        .setVersionInfo(version)
        .setResponseNonce(nonce)
        .addAllResourceNames(List.of(names))
        .build();
  }

  private static DeltaDiscoveryRequest.Builder delta(String type) {
    return DeltaDiscoveryRequest.newBuilder().setNode(NODE).setTypeUrl(type);
  }

  private void register(
      String namespace,
      String service,
      String id,
      String zone,
      int weight,
      Health health,
      Map<String, Integer> ports) {
    cairn
        .registry()
        .register(
            namespace,
            Instance.builder(service, "127.0.0.1")
                .id(id)
                .zone(zone)
                .weight(weight)
                .health(health)
                .ports(ports)
                .tags(List.of("canary"))
                .build())
        .join();
  }
}
