package dev.cairn.loadgen.internal;

import static java.util.Objects.requireNonNull;

import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.proto.v1.ServiceSnapshot;
import dev.cairn.proto.v1.WatchEvent;
import dev.cairn.proto.v1.WatchRequest;
import dev.cairn.proto.v1.WatchResponse;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;

/**
 * One gRPC {@code Watch} stream on a service, from revision 0 (a snapshot first). Its listener is
 * called sequentially on the channel's transport thread and must not block.
 */
final class ServiceWatch {

  /** Receives what the stream brings; {@code nanos} is {@link System#nanoTime} at arrival. */
  interface Listener {
    void onSnapshot(long nanos, long revision, ServiceSnapshot snapshot);

    void onEvent(long nanos, WatchEvent event);

    /** The stream ended: {@code error} is null when the server completed it. */
    default void onEnd(Throwable error) {}
  }

  // written once in beforeStart, before any other use
  private volatile ClientCallStreamObserver<WatchRequest> call;

  private ServiceWatch() {}

  /** Starts watching {@code service}; cancel the returned watch to end it. */
  static ServiceWatch start(Channel channel, String namespace, String service, Listener listener) {
    requireNonNull(listener, "listener");
    ServiceWatch watch = new ServiceWatch();
    RegistryGrpc.newStub(channel)
        .watch(
            WatchRequest.newBuilder().setNamespace(namespace).setService(service).build(),
            new ClientResponseObserver<WatchRequest, WatchResponse>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
                watch.call = requestStream;
              }

              @Override
              public void onNext(WatchResponse response) {
                long now = System.nanoTime();
                switch (response.getBodyCase()) {
                  case SNAPSHOT ->
                      listener.onSnapshot(now, response.getRevision(), response.getSnapshot());
                  case EVENTS -> {
                    for (WatchEvent event : response.getEvents().getEventsList()) {
                      listener.onEvent(now, event);
                    }
                  }
                  default -> {
                    // service-list bodies do not come on a service watch
                  }
                }
              }

              @Override
              public void onError(Throwable t) {
                listener.onEnd(t);
              }

              @Override
              public void onCompleted() {
                listener.onEnd(null);
              }
            });
    return watch;
  }

  /** Ends the stream. */
  void cancel() {
    call.cancel("watch no longer needed", null);
  }
}
