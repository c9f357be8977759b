package dev.cairn.client;

import static dev.cairn.client.Servers.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.proto.v1.WatchClientMessage;
import dev.cairn.proto.v1.WatchRequest;
import dev.cairn.proto.v1.WatchResponse;
import dev.cairn.server.CairnServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Registration#deregisterAndDrain}: the SDK's views acknowledge what they applied, so the
 * drain completes once they did; a watcher that never acknowledges is named when the wait ends.
 * Real server, real sockets.
 */
class DrainTest {

  private final Closer closer = new Closer();
  private final CairnServer server = closer.add(Servers.start(0));

  @AfterEach
  void closeAll() throws Exception {
    closer.close();
  }

  private CairnClient client() {
    return closer.add(
        CairnClient.builder().registries(Servers.target(server)).shutdownHook(false).build());
  }

  @Test
  void aDrainCompletesOnceEveryViewAppliedTheRemoval() throws Exception {
    CairnClient owner = client();
    Registration leaving = owner.register(instance("hello", "h1"));
    owner.register(instance("hello", "h2")).registered().get(10, TimeUnit.SECONDS);
    leaving.registered().get(10, TimeUnit.SECONDS);
    ServiceView one = client().view("hello");
    ServiceView two = client().view("hello");
    await().until(() -> one.instances().size() == 2 && two.instances().size() == 2);

    DrainResult result =
        leaving.deregisterAndDrain(Duration.ofSeconds(30)).get(40, TimeUnit.SECONDS);

    assertThat(result.drained()).isTrue();
    assertThat(result.watchers()).isEqualTo(2);
    assertThat(result.registriesAnswered()).isEqualTo(1);
    assertThat(result.revision())
        .isEqualTo(server.registry().service("default", "hello").revision());
    // Drained means applied: both views no longer show the instance.
    assertThat(Servers.ids(one.instances())).containsExactly("h2");
    assertThat(Servers.ids(two.instances())).containsExactly("h2");
  }

  @Test
  void aWatcherThatNeverAcknowledgesIsNamedWhenTheWaitEnds() throws Exception {
    CairnClient owner = client();
    Registration leaving = owner.register(instance("hello", "h1"));
    leaving.registered().get(10, TimeUnit.SECONDS);
    // Two instances: a view's removal guard holds back the removal of a service's last one.
    owner.register(instance("hello", "h2")).registered().get(10, TimeUnit.SECONDS);
    ServiceView good = client().view("hello");
    await().until(() -> good.instances().size() == 2);
    // A raw WatchWithAcks stream that reads everything and acknowledges nothing.
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(server.grpcAddress()).usePlaintext().build();
    closer.add(channel::shutdownNow);
    LinkedBlockingQueue<WatchResponse> silent = new LinkedBlockingQueue<>();
    StreamObserver<WatchClientMessage> out =
        RegistryGrpc.newStub(channel)
            .watchWithAcks(
                new StreamObserver<>() {
                  @Override
                  public void onNext(WatchResponse value) {
                    silent.add(value);
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
    out.onNext(
        WatchClientMessage.newBuilder()
            .setWatch(WatchRequest.newBuilder().setService("hello"))
            .build());
    assertThat(silent.poll(10, TimeUnit.SECONDS)).isNotNull();

    DrainResult result =
        leaving.deregisterAndDrain(Duration.ofMillis(500)).get(30, TimeUnit.SECONDS);

    assertThat(result.drained()).isFalse();
    assertThat(result.watchers()).isEqualTo(2);
    assertThat(result.pending()).hasSize(1);
    assertThat(result.pending().get(0)).contains("grpc 127.0.0.1:").contains("(acks)");
    assertThat(result.waited()).isGreaterThanOrEqualTo(Duration.ofMillis(500));
    // It was delivered all the same: it just never said so.
    WatchResponse removal = silent.poll(10, TimeUnit.SECONDS);
    assertThat(removal.getRevision()).isEqualTo(result.revision());
    assertThat(Servers.ids(good.instances())).containsExactly("h2");
  }

  @Test
  void aBadTimeoutIsRejected() {
    Registration r = client().register(instance("hello", "h1"));
    assertThatThrownBy(() -> r.deregisterAndDrain(Duration.ofMinutes(11)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout: PT11M (expected: 0..PT10M)");
  }
}
