package dev.cairn.server.internal.grpc;

import dev.cairn.proto.v1.OpenSession;
import dev.cairn.proto.v1.RegisterInstance;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.proto.v1.SessionRequest;
import dev.cairn.proto.v1.SessionResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A client process for {@link KilledClientTest}: opens a session on {@code host:port}, registers
 * {@code victim/v-1} with it, prints {@code registered}, then waits (at most a minute) to be
 * killed.
 */
public final class SessionClientMain {

  private SessionClientMain() {}

  public static void main(String[] args) throws InterruptedException {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(args[0], Integer.parseInt(args[1])).usePlaintext().build();
    CountDownLatch registered = new CountDownLatch(1);
    StreamObserver<SessionRequest> requests =
        RegistryGrpc.newStub(channel)
            .session(
                new StreamObserver<>() {
                  @Override
                  public void onNext(SessionResponse r) {
                    if ((r.hasResult() && r.getResult().getErrorCode() == 0)
                        || (r.hasResults() && r.getResults().getResults(0).getErrorCode() == 0)) {
                      registered.countDown();
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    System.exit(2);
                  }

                  @Override
                  public void onCompleted() {
                    System.exit(3);
                  }
                });
    requests.onNext(SessionRequest.newBuilder().setOpen(OpenSession.getDefaultInstance()).build());
    requests.onNext(
        SessionRequest.newBuilder()
            .setRegister(
                RegisterInstance.newBuilder()
                    .setRequestId(1)
                    .setInstance(Fixtures.instance("victim", "v-1")))
            .build());
    if (!registered.await(30, TimeUnit.SECONDS)) {
      System.exit(4);
    }
    System.out.println("registered");
    System.out.flush();
    Thread.sleep(60_000);
    System.exit(5);
  }
}
