package dev.cairn.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.proto.v1.Instance;
import dev.cairn.proto.v1.KeepAlive;
import dev.cairn.proto.v1.OpenSession;
import dev.cairn.proto.v1.RegisterInstance;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.proto.v1.SessionRequest;
import dev.cairn.proto.v1.SessionResponse;
import dev.cairn.server.core.RegistryOptions;
import dev.cairn.testing.clock.FakeTicker;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A session whose client goes silent expires after its TTL, on a fake clock. */
class SessionExpiryTest {

  private static final FakeTicker ticker = FakeTicker.create();

  @RegisterExtension
  static CairnServerExtension server =
      CairnServerExtension.inMemory()
          .configure(
              b ->
                  b.registryOptions(
                      RegistryOptions.builder().ticker(ticker).autoExpireSessions(false).build()));

  private final ManagedChannel channel =
      ManagedChannelBuilder.forTarget(server.grpcTarget()).usePlaintext().build();
  private final BlockingQueue<SessionResponse> responses = new LinkedBlockingQueue<>();
  private final CompletableFuture<Status> end = new CompletableFuture<>();

  @AfterEach
  void close() {
    channel.shutdownNow();
  }

  @Test
  void aSilentSessionExpiresAfterItsTtlAndItsStreamEnds() throws Exception {
    StreamObserver<SessionRequest> requests =
        RegistryGrpc.newStub(channel)
            .session(
                new StreamObserver<>() {
                  @Override
                  public void onNext(SessionResponse r) {
                    responses.add(r);
                  }

                  @Override
                  public void onError(Throwable t) {
                    end.complete(Status.fromThrowable(t));
                  }

                  @Override
                  public void onCompleted() {
                    end.complete(Status.OK);
                  }
                });
    requests.onNext(
        SessionRequest.newBuilder().setOpen(OpenSession.newBuilder().setTtlMillis(5_000)).build());
    assertThat(next().hasOpened()).isTrue();
    requests.onNext(
        SessionRequest.newBuilder()
            .setRegister(
                RegisterInstance.newBuilder()
                    .setRequestId(1)
                    .setInstance(
                        Instance.newBuilder().setService("web").setId("w1").setAddress("10.0.0.1")))
            .build());
    assertThat(next().getResult().getErrorMessage()).isEmpty();

    ticker.advance(Duration.ofMillis(4_999));
    server.registry().expireSessions();
    requests.onNext(
        SessionRequest.newBuilder().setKeepAlive(KeepAlive.getDefaultInstance()).build());
    assertThat(next().hasKeepAliveAck()).isTrue();

    ticker.advance(Duration.ofMillis(5_001));
    server.registry().expireSessions();
    // The expiry is a logged command: the instance goes once it is applied.
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> server.registry().service("default", "web").instances().isEmpty());
    requests.onNext(
        SessionRequest.newBuilder().setKeepAlive(KeepAlive.getDefaultInstance()).build());

    assertThat(end.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.NOT_FOUND);
  }

  private SessionResponse next() throws InterruptedException {
    SessionResponse r = responses.poll(10, TimeUnit.SECONDS);
    assertThat(r).as("a response (stream end: %s)", end.getNow(null)).isNotNull();
    return r;
  }
}
