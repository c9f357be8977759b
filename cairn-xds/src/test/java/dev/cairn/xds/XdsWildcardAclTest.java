package dev.cairn.xds;

import static dev.cairn.xds.XdsTestClient.CDS;
import static dev.cairn.xds.XdsTestClient.EDS;
import static dev.cairn.xds.XdsTestClient.LDS;
import static dev.cairn.xds.XdsTestClient.NODE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Policy;
import dev.cairn.server.core.acl.Resource;
import dev.cairn.server.core.acl.Rule;
import dev.cairn.xds.internal.XdsServer;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Wildcard subscriptions with ACLs on (decision 0176): a token that may read only some services is
 * answered with those services' resources, and their changes, and never another's; a token that may
 * read everything sees everything; tokens with the same rules share one filtered snapshot, and at
 * most {@code maxFilteredSnapshots} are served at once.
 */
class XdsWildcardAclTest {

  private CairnServer server;
  private String management;
  private String hello; // service read on hello*
  private String helloToo; // another token of the same policy
  private String world; // service read on world*
  private String nothing;

  @BeforeEach
  void start() throws Exception {
    server =
        CairnServer.builder()
            .inMemory()
            .httpPort(0)
            .grpcPort(0)
            .acl(true)
            .frontDoor(
                XdsFrontDoor.factory(XdsOptions.builder().port(0).maxFilteredSnapshots(1).build()))
            .build()
            .start();
    var acls = server.registry().acls();
    management = acls.bootstrap().join().secret();
    acls.createPolicy(new Policy("nothing", "", List.of())).join();
    for (String prefix : List.of("hello", "world")) {
      acls.createPolicy(
              new Policy(
                  "read-" + prefix,
                  "",
                  List.of(new Rule(Resource.SERVICE, "*", prefix, Access.READ))))
          .join();
    }
    hello = acls.createToken("hello", List.of("read-hello")).join().secret();
    helloToo = acls.createToken("hello-too", List.of("read-hello")).join().secret();
    world = acls.createToken("world", List.of("read-world")).join().secret();
    nothing = acls.createToken("nothing", List.of("nothing")).join().secret();
    register("hello");
    register("secret");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void aNarrowTokensWildcardSeesOnlyTheServicesItMayReadAsTheyComeAndGo() throws Exception {
    try (XdsTestClient client = client(hello)) {
      XdsTestClient.Stream s = client.stream();
      s.send(request(CDS, "", ""));
      DiscoveryResponse first = s.next();
      assertThat(names(first)).containsExactly("hello");

      s.send(request(CDS, first.getVersionInfo(), first.getNonce())); // ACK
      register("secret-2"); // not readable: not even a push
      register("hello-2");
      DiscoveryResponse second = s.next();
      assertThat(names(second)).containsExactly("hello", "hello-2");

      s.send(request(CDS, second.getVersionInfo(), second.getNonce()));
      server.registry().deregister("default", "hello-2", "hello-2-1").join();
      DiscoveryResponse third = s.next();
      assertThat(names(third)).containsExactly("hello");

      // Listeners the same way; named resources it may read are served from the same snapshot.
      s.send(request(LDS, "", ""));
      assertThat(names(s.next())).containsExactly("hello");
      s.send(request(EDS, "", "", "hello"));
      assertThat(names(s.next())).containsExactly("hello");

      // A resource it may not read, named, still ends the stream.
      s.send(request(EDS, "", "", "secret"));
      assertThat(code(s.received.poll(10, TimeUnit.SECONDS)))
          .isEqualTo(Status.Code.PERMISSION_DENIED);
    }
  }

  @Test
  void aDeltaWildcardIsFilteredTheSameWay() throws Exception {
    try (XdsTestClient client = client(hello)) {
      XdsTestClient.DeltaStream s = client.deltaStream();
      s.send(DeltaDiscoveryRequest.newBuilder().setNode(NODE).setTypeUrl(CDS).build());
      DeltaDiscoveryResponse first = s.next();
      assertThat(XdsTestClient.DeltaStream.names(first)).containsExactly("hello");
      s.send(
          DeltaDiscoveryRequest.newBuilder()
              .setNode(NODE)
              .setTypeUrl(CDS)
              .setResponseNonce(first.getNonce())
              .build());
      register("secret-2");
      register("hello-2");
      assertThat(XdsTestClient.DeltaStream.names(s.next())).containsExactly("hello-2");
    }
  }

  @Test
  void aManagementTokenSeesEverythingAndNeedsNoFilteredSnapshot() throws Exception {
    try (XdsTestClient client = client(management)) {
      XdsTestClient.Stream s = client.stream();
      s.send(request(CDS, "", ""));
      assertThat(names(s.next())).containsExactlyInAnyOrder("hello", "secret");
      assertThat(xds().filteredSnapshotCount()).isZero();
    }
  }

  @Test
  void noTokenAndATokenReadingNothingAreRefusedAsBefore() throws Exception {
    assertThat(firstOutcome(null)).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(firstOutcome(nothing)).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(firstOutcome("not-a-token-this-registry-issued"))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
  }

  @Test
  void tokensWithTheSameRulesShareOneFilteredSnapshotUpToTheCap() throws Exception {
    try (XdsTestClient a = client(hello);
        XdsTestClient b = client(helloToo)) {
      XdsTestClient.Stream sa = a.stream();
      sa.send(request(CDS, "", ""));
      assertThat(names(sa.next())).containsExactly("hello");
      XdsTestClient.Stream sb = b.stream();
      sb.send(request(CDS, "", ""));
      assertThat(names(sb.next())).containsExactly("hello");
      assertThat(xds().filteredSnapshotCount()).isEqualTo(1);

      // Other rules would need a second one: over maxFilteredSnapshots (1).
      StatusRuntimeException refused = refusal(world);
      assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(refused.getStatus().getDescription()).contains("maxFilteredSnapshots");
    }
    // Both streams gone: the snapshot goes, and the other rules get theirs.
    await().atMost(Duration.ofSeconds(10)).until(() -> xds().filteredSnapshotCount() == 0);
    register("world");
    try (XdsTestClient c = client(world)) {
      XdsTestClient.Stream s = c.stream();
      s.send(request(CDS, "", ""));
      assertThat(names(s.next())).containsExactly("world");
    }
  }

  private Status.Code firstOutcome(String token) throws Exception {
    try (XdsTestClient client = client(token)) {
      XdsTestClient.Stream s = client.stream();
      s.send(request(CDS, "", ""));
      return code(s.received.poll(10, TimeUnit.SECONDS));
    }
  }

  private StatusRuntimeException refusal(String token) throws Exception {
    try (XdsTestClient client = client(token)) {
      XdsTestClient.Stream s = client.stream();
      s.send(request(CDS, "", ""));
      Object o = s.received.poll(10, TimeUnit.SECONDS);
      assertThat(o).isInstanceOf(StatusRuntimeException.class);
      return (StatusRuntimeException) o;
    }
  }

  private static Status.Code code(Object received) {
    if (received instanceof DiscoveryResponse) {
      return Status.Code.OK;
    }
    if (received instanceof StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
    throw new AssertionError("neither an answer nor an error: " + received);
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

  private static List<String> names(DiscoveryResponse r) {
    return r.getResourcesList().stream().map(XdsProtocolTest::name).sorted().toList();
  }

  private void register(String service) {
    server
        .registry()
        .register(
            "default",
            Instance.builder(service, "127.0.0.1")
                .id(service + "-1")
                .ports(Map.of("grpc", 8080))
                .build())
        .join();
    awaitServed(service);
  }

  /** Until the front door's snapshot has {@code service}: the mirror follows the catalog. */
  private void awaitServed(String service) {
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(
            () -> {
              try (XdsTestClient probe = client(management)) {
                XdsTestClient.Stream s = probe.stream();
                s.send(request(CDS, "", ""));
                return names(s.next()).contains(service);
              }
            });
  }

  private XdsServer xds() {
    return (XdsServer) server.frontDoors().get(0);
  }

  private XdsTestClient client(String token) {
    Metadata headers = new Metadata();
    if (token != null) {
      headers.put(
          Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    }
    return new XdsTestClient(
        NettyChannelBuilder.forAddress("127.0.0.1", xds().address().getPort())
            .usePlaintext()
            .intercept(MetadataUtils.newAttachHeadersInterceptor(headers))
            .build());
  }
}
