package dev.cairn.xds;

import static org.assertj.core.api.Assertions.assertThat;

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
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * xDS with ACLs on: the token in {@code authorization: Bearer} or {@code x-cairn-token} metadata;
 * named resources need read on their service, wildcard subscriptions are filtered to the services
 * the token may read (more in {@link XdsWildcardAclTest}) and refused to one that may read none.
 * The first test is generated from the services the front door serves; the others check what it
 * cannot (one service's right does not open another, wildcards, the token's other form).
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

  /**
   * Every method of every service the front door serves (its route table), with no token, an
   * unknown token, a token without the right and one with read on every service: a discovery stream
   * naming {@code hello} ends {@code UNAUTHENTICATED} / {@code PERMISSION_DENIED} / {@code
   * PERMISSION_DENIED} / is answered. Generated from the server's services, so that a service or
   * method added is tested as soon as it is served. The unary {@code Fetch*} methods are not
   * implemented: they answer nothing to anyone.
   */
  @TestFactory
  Stream<DynamicTest> everyMethodRefusesWithoutTheRightAndAnswersWithIt() {
    XdsServer xds = (XdsServer) server.frontDoors().get(0);
    String all = tokenReadingEveryService();
    List<DynamicTest> tests = new ArrayList<>();
    for (ServerServiceDefinition service : xds.services()) {
      for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
        MethodDescriptor<?, ?> m = method.getMethodDescriptor();
        tests.add(DynamicTest.dynamicTest(m.getFullMethodName(), () -> check(m, all)));
      }
    }
    assertThat(tests).hasSizeGreaterThanOrEqualTo(14);
    return tests.stream();
  }

  private void check(MethodDescriptor<?, ?> m, String all) throws Exception {
    if (m.getType() == MethodDescriptor.MethodType.UNARY) {
      for (String token : java.util.Arrays.asList(null, UNKNOWN, nothing, all)) {
        assertThat(call(m, token))
            .as("%s", m.getFullMethodName())
            .isEqualTo(Status.Code.UNIMPLEMENTED);
      }
      return;
    }
    assertThat(m.getType()).isEqualTo(MethodDescriptor.MethodType.BIDI_STREAMING);
    assertThat(call(m, null)).as("no token").isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(call(m, UNKNOWN)).as("unknown token").isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(call(m, nothing)).as("no right").isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(call(m, all)).as("with the right").isEqualTo(Status.Code.OK);
  }

  /**
   * Calls {@code m} asking for resource {@code hello} of the service's type (EDS on the aggregated
   * service), with the type URL set as Envoy sets it: OK when an answer came, else the code the
   * call ended with.
   */
  @SuppressWarnings("unchecked")
  private Status.Code call(MethodDescriptor<?, ?> m, String token) throws Exception {
    String serviceName = m.getServiceName();
    String type =
        serviceName.endsWith(".ClusterDiscoveryService")
            ? XdsTestClient.CDS
            : serviceName.endsWith(".ListenerDiscoveryService")
                ? XdsTestClient.LDS
                : serviceName.endsWith(".RouteDiscoveryService")
                    ? XdsTestClient.RDS
                    : XdsTestClient.EDS; // EDS's own service, and EDS over ADS
    boolean delta = m.getBareMethodName().startsWith("Delta");
    Object request =
        delta
            ? DeltaDiscoveryRequest.newBuilder()
                .setNode(XdsTestClient.NODE)
                .setTypeUrl(type)
                .addResourceNamesSubscribe("hello")
                .build()
            : DiscoveryRequest.newBuilder()
                .setNode(XdsTestClient.NODE)
                .setTypeUrl(type)
                .addResourceNames("hello")
                .build();
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.frontDoors().get(0).address().getPort())
            .usePlaintext()
            .intercept(MetadataUtils.newAttachHeadersInterceptor(bearer(token)))
            .build();
    try {
      java.util.concurrent.BlockingQueue<Object> received =
          new java.util.concurrent.LinkedBlockingQueue<>();
      StreamObserver<Object> answers =
          new StreamObserver<>() {
            @Override
            public void onNext(Object value) {
              received.add(value);
            }

            @Override
            public void onError(Throwable t) {
              received.add(t);
            }

            @Override
            public void onCompleted() {
              received.add("completed");
            }
          };
      io.grpc.ClientCall<Object, Object> c =
          channel.newCall((MethodDescriptor<Object, Object>) m, io.grpc.CallOptions.DEFAULT);
      if (m.getType() == MethodDescriptor.MethodType.UNARY) {
        ClientCalls.asyncUnaryCall(c, request, answers);
      } else {
        StreamObserver<Object> requests = ClientCalls.asyncBidiStreamingCall(c, answers);
        requests.onNext(request);
      }
      Object first = received.poll(10, TimeUnit.SECONDS);
      if (first instanceof StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.UNKNOWN) {
          throw new AssertionError(m.getFullMethodName() + ": " + e.getStatus(), e);
        }
        return e.getStatus().getCode();
      }
      if (first instanceof DiscoveryResponse || first instanceof DeltaDiscoveryResponse) {
        return Status.Code.OK;
      }
      throw new AssertionError(
          m.getFullMethodName() + ": neither an answer nor an error: " + first);
    } finally {
      channel.shutdownNow();
    }
  }

  private String tokenReadingEveryService() {
    var acls = server.registry().acls();
    acls.createPolicy(
            new Policy("read-all", "", List.of(new Rule(Resource.SERVICE, "*", "", Access.READ))))
        .join();
    return acls.createToken("all", List.of("read-all")).join().secret();
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
  void wildcardSubscriptionsNeedReadOnSomeService() throws Exception {
    assertThat(sotw(null, XdsTestClient.CDS, List.of())).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(sotw(nothing, XdsTestClient.CDS, List.of()))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(sotw(reader, XdsTestClient.CDS, List.of())).isEqualTo(Status.Code.OK); // filtered
    assertThat(sotw(management, XdsTestClient.CDS, List.of())).isEqualTo(Status.Code.OK);
    assertThat(delta(nothing, XdsTestClient.CDS, List.of()))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(delta(reader, XdsTestClient.CDS, List.of())).isEqualTo(Status.Code.OK);
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

  // Decision 0167 addendum: two different tokens are refused, the same one twice is served.
  @Test
  void twoDifferentTokensAreInvalidAndTheSameOneTwiceIsServed() throws Exception {
    Metadata two = bearer(reader);
    two.put(Metadata.Key.of("x-cairn-token", Metadata.ASCII_STRING_MARSHALLER), management);
    Metadata same = bearer(reader);
    same.put(Metadata.Key.of("x-cairn-token", Metadata.ASCII_STRING_MARSHALLER), reader);
    Metadata basic = new Metadata();
    basic.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Basic YTpi");

    try (XdsTestClient client = client(two)) {
      assertThat(outcome(client, XdsTestClient.EDS, List.of("hello")))
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
    }
    try (XdsTestClient client = client(same)) {
      assertThat(outcome(client, XdsTestClient.EDS, List.of("hello"))).isEqualTo(Status.Code.OK);
    }
    try (XdsTestClient client = client(basic)) {
      assertThat(outcome(client, XdsTestClient.EDS, List.of("hello")))
          .isEqualTo(Status.Code.UNAUTHENTICATED);
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
