package dev.cairn.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Policy;
import dev.cairn.server.core.acl.Resource;
import dev.cairn.server.core.acl.Rule;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * ADS with ACLs on: the token in {@code authorization: Bearer} or {@code x-cairn-token} metadata;
 * named resources need read on their service, wildcard subscriptions read on every service.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class XdsAclTest {

  private static final String UNKNOWN = "not-a-token-this-registry-issued";

  private CairnServer server;
  private String nothing;
  private String reader; // service read on hello*
  private String management;

  @BeforeAll
  void start() throws Exception {
    server =
        CairnServer.builder()
            .inMemory()
            .httpPort(0)
            .grpcPort(0)
            .acl(true)
            .frontDoor(XdsFrontDoor.factory(XdsOptions.builder().port(0).build()))
            .build()
            .start();
    var acls = server.registry().acls();
    management = acls.bootstrap().join().secret();
    acls.createPolicy(new Policy("nothing", "", List.of())).join();
    acls.createPolicy(
            new Policy(
                "read-hello", "", List.of(new Rule(Resource.SERVICE, "*", "hello", Access.READ))))
        .join();
    nothing = acls.createToken("nothing", List.of("nothing")).join().secret();
    reader = acls.createToken("reader", List.of("read-hello")).join().secret();
    for (String service : List.of("hello", "secret")) {
      server
          .registry()
          .register(
              "default",
              Instance.builder(service, "127.0.0.1")
                  .id(service + "-1")
                  .ports(Map.of("grpc", 8080))
                  .build())
          .join();
    }
  }

  @AfterAll
  void stop() {
    server.close();
  }

  @Test
  void namedResourcesNeedReadOnTheirService() throws Exception {
    List<String> hello = List.of("hello");
    assertThat(sotw(null, XdsTestClient.EDS, hello)).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(sotw(UNKNOWN, XdsTestClient.EDS, hello)).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(sotw(nothing, XdsTestClient.EDS, hello)).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(sotw(reader, XdsTestClient.EDS, hello)).isEqualTo(Status.Code.OK);
    assertThat(sotw(reader, XdsTestClient.LDS, hello)).isEqualTo(Status.Code.OK);
    assertThat(sotw(reader, XdsTestClient.EDS, List.of("secret")))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
  }

  @Test
  void wildcardSubscriptionsNeedReadOnEveryService() throws Exception {
    assertThat(sotw(null, XdsTestClient.CDS, List.of())).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(sotw(reader, XdsTestClient.CDS, List.of())).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(sotw(management, XdsTestClient.CDS, List.of())).isEqualTo(Status.Code.OK);
    assertThat(delta(reader, XdsTestClient.CDS, List.of()))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(delta(reader, XdsTestClient.CDS, List.of("hello"))).isEqualTo(Status.Code.OK);
    assertThat(delta(management, XdsTestClient.CDS, List.of())).isEqualTo(Status.Code.OK);
  }

  @Test
  void theTokenMayComeAsXCairnToken() throws Exception {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("x-cairn-token", Metadata.ASCII_STRING_MARSHALLER), reader);
    try (XdsTestClient client = client(headers)) {
      assertThat(outcome(client, XdsTestClient.EDS, List.of("hello"))).isEqualTo(Status.Code.OK);
    }
  }

  /** OK when the first answer of a state-of-the-world stream came, else the code it ended with. */
  private Status.Code sotw(String token, String type, List<String> names) throws Exception {
    try (XdsTestClient client = client(bearer(token))) {
      return outcome(client, type, names);
    }
  }

  private static Status.Code outcome(XdsTestClient client, String type, List<String> names)
      throws Exception {
    XdsTestClient.Stream s = client.stream();
    s.send(
        DiscoveryRequest.newBuilder()
            .setNode(XdsTestClient.NODE)
            .setTypeUrl(type)
            .addAllResourceNames(names)
            .build());
    return code(s.received.poll(10, TimeUnit.SECONDS), DiscoveryResponse.class);
  }

  private Status.Code delta(String token, String type, List<String> names) throws Exception {
    try (XdsTestClient client = client(bearer(token))) {
      XdsTestClient.DeltaStream s = client.deltaStream();
      s.send(
          DeltaDiscoveryRequest.newBuilder()
              .setNode(XdsTestClient.NODE)
              .setTypeUrl(type)
              .addAllResourceNamesSubscribe(names)
              .build());
      return code(
          s.received.poll(10, TimeUnit.SECONDS),
          io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse.class);
    }
  }

  private static Status.Code code(Object received, Class<?> response) {
    if (response.isInstance(received)) {
      return Status.Code.OK;
    }
    if (received instanceof StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
    throw new AssertionError("neither an answer nor an error: " + received);
  }

  private static Metadata bearer(String token) {
    Metadata headers = new Metadata();
    if (token != null) {
      headers.put(
          Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    }
    return headers;
  }

  private XdsTestClient client(Metadata headers) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.frontDoors().get(0).address().getPort())
            .usePlaintext()
            .intercept(MetadataUtils.newAttachHeadersInterceptor(headers))
            .build();
    return new XdsTestClient(channel);
  }
}
