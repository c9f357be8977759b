package dev.cairn.server.internal.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Instance;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.proto.v1.WatchClientMessage;
import dev.cairn.proto.v1.WatchRequest;
import dev.cairn.proto.v1.WatchResponse;
import dev.cairn.server.CairnServer;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.IssuedToken;
import dev.cairn.server.core.acl.Policy;
import dev.cairn.server.core.acl.Resource;
import dev.cairn.server.core.acl.Rule;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * With ACLs on, a gRPC watch that is sent nothing — its service does not change — still follows its
 * token (decision 0234): checked again every token check interval (set short here through the
 * server's builder), it ends {@code PERMISSION_DENIED} once its token was deleted or may no longer
 * read, and gives its watch place back; a watch whose token still may read stays open.
 */
class IdleWatchTokenRecheckTest {

  private static final Duration INTERVAL = Duration.ofMillis(100);

  private CairnServer server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    server =
        CairnServer.builder()
            .inMemory()
            .httpPort(0)
            .grpcPort(0)
            .acl(true)
            .maxWatchesPerClient(2)
            .tokenCheckInterval(INTERVAL)
            .build()
            .start();
    channel = NettyChannelBuilder.forAddress(server.grpcAddress()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    server.close();
  }

  @Test
  void idleWatchesOfADeletedTokenEndAndGiveTheirPlacesBack() {
    register("team-a", "pay", "p1", "10.0.0.1");
    policy("read-pay", new Rule(Resource.SERVICE, "team-a", "pay", Access.READ));
    IssuedToken issued = server.registry().acls().createToken("", List.of("read-pay")).join();
    WatchRequest pay = WatchRequest.newBuilder().setNamespace("team-a").setService("pay").build();

    StreamRecorder<WatchRequest, WatchResponse> watch = StreamRecorder.create();
    stub(issued.secret()).watch(pay, watch);
    StreamRecorder<WatchClientMessage, WatchResponse> acked = StreamRecorder.create();
    StreamObserver<WatchClientMessage> acks = stub(issued.secret()).watchWithAcks(acked);
    acks.onNext(WatchClientMessage.newBuilder().setWatch(pay).build());
    assertThat(watch.next().getSnapshot().getInstancesList()).hasSize(1);
    assertThat(acked.next().getSnapshot().getInstancesList()).hasSize(1);

    // Nothing changes in the service: only the periodic check can end the two calls.
    server.registry().acls().deleteToken(issued.token().accessorId()).join();

    await().atMost(Duration.ofSeconds(20)).until(() -> watch.ended() && acked.ended());
    for (Status end : List.of(watch.awaitEnd(), acked.awaitEnd())) {
      assertThat(end.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(end.getDescription()).contains("token: unknown", "token was deleted");
    }
    assertThat(watch.drain()).isEmpty();
    assertThat(acked.drain()).isEmpty();

    // Both places of the connection (at most 2) were given back: a third watch is served.
    IssuedToken other = server.registry().acls().createToken("", List.of("read-pay")).join();
    StreamRecorder<WatchRequest, WatchResponse> next = StreamRecorder.create();
    stub(other.secret()).watch(pay, next);
    assertThat(next.next().getSnapshot().getInstancesList()).hasSize(1);
    next.cancel();
  }

  @Test
  void anIdleWatchEndsWhenItsTokenMayNoLongerReadAndOthersStayOpen() {
    register("team-a", "pay", "p1", "10.0.0.1");
    register("team-a", "shop", "s1", "10.0.0.2");
    policy("read-pay", new Rule(Resource.SERVICE, "team-a", "pay", Access.READ));
    policy("read-shop", new Rule(Resource.SERVICE, "team-a", "shop", Access.READ));
    String narrowed =
        server.registry().acls().createToken("", List.of("read-pay", "read-shop")).join().secret();
    String kept = server.registry().acls().createToken("", List.of("read-shop")).join().secret();

    StreamRecorder<WatchRequest, WatchResponse> losing = StreamRecorder.create();
    stub(narrowed)
        .watch(WatchRequest.newBuilder().setNamespace("team-a").setService("pay").build(), losing);
    StreamRecorder<WatchRequest, WatchResponse> staying = StreamRecorder.create();
    stub(kept)
        .watch(
            WatchRequest.newBuilder().setNamespace("team-a").setService("shop").build(), staying);
    assertThat(losing.next().getSnapshot().getInstancesList()).hasSize(1);
    assertThat(staying.next().getSnapshot().getInstancesList()).hasSize(1);

    // The narrowed token keeps its token but loses its read of pay; the other token's rights do
    // not change (an ACL change elsewhere makes its watch check again and go on).
    server.registry().acls().deletePolicy("read-pay").join();

    await().atMost(Duration.ofSeconds(20)).until(losing::ended);
    Status end = losing.awaitEnd();
    assertThat(end.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(end.getDescription()).contains("token was deleted or its policies changed");
    assertThat(staying.ended()).isFalse();

    register("team-a", "shop", "s2", "10.0.0.3");
    assertThat(staying.next().hasEvents()).isTrue();
    assertThat(staying.ended()).isFalse();
    staying.cancel();
  }

  @Test
  void theIntervalMustBePositive() {
    assertThatThrownBy(() -> CairnServer.builder().tokenCheckInterval(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tokenCheckInterval: PT0S (expected: more than 0)");
  }

  private RegistryGrpc.RegistryStub stub(String token) {
    Metadata md = new Metadata();
    md.put(AclInterceptor.TOKEN, token);
    return RegistryGrpc.newStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
  }

  private void register(String namespace, String service, String id, String address) {
    server.registry().register(namespace, Instance.builder(service, address).id(id).build()).join();
  }

  private void policy(String name, Rule rule) {
    server.registry().acls().createPolicy(new Policy(name, "", List.of(rule))).join();
  }
}
