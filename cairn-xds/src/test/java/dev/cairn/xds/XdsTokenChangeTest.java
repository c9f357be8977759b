package dev.cairn.xds;

import static dev.cairn.xds.XdsTestClient.CDS;
import static dev.cairn.xds.XdsTestClient.EDS;
import static dev.cairn.xds.XdsTestClient.NODE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.IssuedToken;
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
import org.junit.jupiter.api.Test;

/**
 * An xDS stream follows its token (decision 0232): a token deleted since the stream opened ends it
 * with {@code PERMISSION_DENIED} at its next response, or within {@code tokenCheckInterval} when it
 * is sent nothing; a token whose policies changed what its wildcard subscription sees ends it with
 * {@code UNAVAILABLE}, and the new stream sees the new view; an ACL change that does not touch the
 * stream's rights changes nothing for it.
 */
class XdsTokenChangeTest {

  /** Longer than any test: a stream can then end only at a response or a request. */
  private static final Duration NEVER = Duration.ofHours(1);

  private CairnServer server;
  private String management;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aDeletedTokensStreamEndsPermissionDeniedAtItsNextResponse() throws Exception {
    start(NEVER);
    IssuedToken reader = token("reader", "read-hello");
    try (XdsTestClient client = client(reader.secret())) {
      XdsTestClient.Stream s = client.stream();
      s.send(request(EDS, "", "", "hello"));
      DiscoveryResponse first = s.next();
      s.send(request(EDS, first.getVersionInfo(), first.getNonce(), "hello")); // ACK

      server.registry().acls().deleteToken(reader.token().accessorId()).join();
      register("hello", "hello-2"); // a change of its service: a response it is not sent

      StatusRuntimeException end = ended(s);
      assertThat(end.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(end.getStatus().getDescription())
          .startsWith("token: unknown")
          .endsWith("its token was deleted or its policies changed");
      // The discovery server dropped the stream and its watch.
      await().atMost(Duration.ofSeconds(30)).until(() -> xds().streamCount() == 0);
    }
  }

  @Test
  void anIdleStreamOfADeletedTokenEndsWithinTheCheckInterval() throws Exception {
    start(Duration.ofMillis(100));
    IssuedToken reader = token("reader", "read-hello");
    try (XdsTestClient client = client(reader.secret())) {
      XdsTestClient.DeltaStream s = client.deltaStream();
      s.send(
          DeltaDiscoveryRequest.newBuilder()
              .setNode(NODE)
              .setTypeUrl(EDS)
              .addResourceNamesSubscribe("hello")
              .build());
      DeltaDiscoveryResponse first = s.next();
      assertThat(XdsTestClient.DeltaStream.names(first)).containsExactly("hello");

      server.registry().acls().deleteToken(reader.token().accessorId()).join();
      // Nothing changes in the catalog: the periodic check ends it.
      Object end = s.received.poll(30, TimeUnit.SECONDS);
      assertThat(end).isInstanceOf(StatusRuntimeException.class);
      assertThat(((StatusRuntimeException) end).getStatus().getCode())
          .isEqualTo(Status.Code.PERMISSION_DENIED);
      await().atMost(Duration.ofSeconds(30)).until(() -> xds().streamCount() == 0);
    }
  }

  @Test
  void aNamedServiceNoLongerReadableEndsTheStream() throws Exception {
    start(Duration.ofMillis(100));
    IssuedToken both = token("both", "read-hello", "read-world");
    try (XdsTestClient client = client(both.secret())) {
      XdsTestClient.Stream s = client.stream();
      s.send(request(EDS, "", "", "world"));
      DiscoveryResponse first = s.next();
      s.send(request(EDS, first.getVersionInfo(), first.getNonce(), "world"));

      server.registry().acls().deletePolicy("read-world").join();

      StatusRuntimeException end = ended(s);
      assertThat(end.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(end.getStatus().getDescription())
          .startsWith(
              "token: " + both.token().accessorId() + " may not read service default/world");
    }
  }

  @Test
  void aNarrowedWildcardEndsUnavailableAndTheNewStreamSeesTheNarrowerView() throws Exception {
    start(NEVER);
    IssuedToken both = token("both", "read-hello", "read-world");
    try (XdsTestClient client = client(both.secret())) {
      XdsTestClient.Stream s = client.stream();
      s.send(request(CDS, "", ""));
      DiscoveryResponse first = s.next();
      assertThat(names(first)).containsExactly("hello", "world");
      s.send(request(CDS, first.getVersionInfo(), first.getNonce()));

      server.registry().acls().deletePolicy("read-world").join();
      register("hello-2", "hello-2-1"); // the next response of the stream

      StatusRuntimeException end = ended(s);
      assertThat(end.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(end.getStatus().getDescription())
          .contains("token " + both.token().accessorId() + " changed");

      XdsTestClient.Stream again = client.stream();
      again.send(request(CDS, "", ""));
      assertThat(names(again.next())).containsExactly("hello", "hello-2");
    }
  }

  @Test
  void anAclChangeThatLeavesItsRightsAloneLeavesTheStreamAlone() throws Exception {
    start(Duration.ofMillis(100));
    IssuedToken reader = token("reader", "read-hello");
    try (XdsTestClient client = client(reader.secret())) {
      XdsTestClient.Stream s = client.stream();
      s.send(request(CDS, "", ""));
      DiscoveryResponse first = s.next();
      assertThat(names(first)).containsExactly("hello");
      s.send(request(CDS, first.getVersionInfo(), first.getNonce()));

      // Another token, another policy: every compiled authorizer is compiled again.
      token("other", "read-world");
      server.registry().acls().createPolicy(new Policy("unused", "", List.of())).join();
      register("hello-2", "hello-2-1");

      assertThat(names(s.next())).containsExactly("hello", "hello-2");
    }
  }

  private void start(Duration tokenCheckInterval) throws Exception {
    server =
        CairnServer.builder()
            .inMemory()
            .httpPort(0)
            .grpcPort(0)
            .acl(true)
            .frontDoor(
                XdsFrontDoor.factory(
                    XdsOptions.builder().port(0).tokenCheckInterval(tokenCheckInterval).build()))
            .build()
            .start();
    var acls = server.registry().acls();
    management = acls.bootstrap().join().secret();
    for (String prefix : List.of("hello", "world")) {
      acls.createPolicy(
              new Policy(
                  "read-" + prefix,
                  "",
                  List.of(new Rule(Resource.SERVICE, "*", prefix, Access.READ))))
          .join();
    }
    register("hello", "hello-1");
    register("world", "world-1");
  }

  private IssuedToken token(String description, String... policies) {
    return server.registry().acls().createToken(description, List.of(policies)).join();
  }

  private void register(String service, String id) {
    server
        .registry()
        .register(
            "default",
            Instance.builder(service, "127.0.0.1").id(id).ports(Map.of("grpc", 8080)).build())
        .join();
  }

  /** The error the stream ended with, skipping what it was sent before. */
  private static StatusRuntimeException ended(XdsTestClient.Stream s) throws InterruptedException {
    while (true) {
      Object o = s.received.poll(30, TimeUnit.SECONDS);
      if (o instanceof StatusRuntimeException e) {
        return e;
      }
      assertThat(o).as("the stream's end").isInstanceOf(DiscoveryResponse.class);
    }
  }

  private XdsServer xds() {
    return (XdsServer) server.frontDoors().get(0);
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

  private XdsTestClient client(String token) {
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    return new XdsTestClient(
        NettyChannelBuilder.forAddress("127.0.0.1", xds().address().getPort())
            .usePlaintext()
            .intercept(MetadataUtils.newAttachHeadersInterceptor(headers))
            .build());
  }
}
