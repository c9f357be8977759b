package dev.cairn.server.internal.grpc;

import dev.cairn.common.ErrorCode;
import dev.cairn.common.Names;
import dev.cairn.proto.v1.WatchRequest;
import dev.cairn.proto.v1.WatchResponse;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.ServiceEvent;
import dev.cairn.server.core.ServiceList;
import dev.cairn.server.core.ServiceSnapshot;
import dev.cairn.server.core.Watch;
import dev.cairn.server.core.WatchListener;
import dev.cairn.server.internal.Protos;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * One {@code Watch} call: a registry watch whose deliveries become {@link WatchResponse}s. gRPC's
 * flow control is the watch's: {@link #isReady()} is the call's readiness, and the call's on-ready
 * handler calls {@link Watch#ready()}; a client that does not read is resynced by the registry with
 * one snapshot once it reads again.
 *
 * <p>Deliveries run on the call's event loop ({@link #executor()}), one at a time; the call can
 * also be ended by the client (cancel) or by the server closing. {@code this} guards {@link #ended}
 * and every write to the call, which only buffers and never blocks.
 */
final class WatchCall implements WatchListener {

  // The message of a one-event delivery (the usual case) is built once and shared by the watchers.
  private static final Object SINGLE_EVENT_KEY = new Object();

  private final ServerCallStreamObserver<WatchResponse> out;
  private final Connections.Connection connection;
  private final Set<WatchCall> live;
  private final Executor loop;
  // Guarded by this.
  private boolean ended;
  // Set once by start(); read by the handlers.
  private volatile Watch watch;

  private WatchCall(
      ServerCallStreamObserver<WatchResponse> out,
      Connections.Connection connection,
      Set<WatchCall> live,
      Executor loop) {
    this.out = out;
    this.connection = connection;
    this.live = live;
    this.loop = loop;
  }

  /**
   * Starts the watch {@code request} asks for, or fails the call; {@code live} tracks it, {@code
   * loop} (the call's event loop) runs its deliveries.
   */
  static void start(
      Registry registry,
      WatchRequest request,
      ServerCallStreamObserver<WatchResponse> out,
      Connections.Connection connection,
      Set<WatchCall> live,
      Executor loop) {
    if (!connection.tryAcquireWatch()) {
      out.onError(
          GrpcStatuses.error(
              ErrorCode.RESOURCE_EXHAUSTED,
              "watches: "
                  + connection.maxWatches()
                  + " on this connection (expected: <= "
                  + connection.maxWatches()
                  + ")"));
      return;
    }
    WatchCall call = new WatchCall(out, connection, live, loop);
    live.add(call);
    out.setOnCancelHandler(call::cancelled);
    out.setOnReadyHandler(call::becameReady);
    Watch w;
    try {
      String namespace = Names.namespace(request.getNamespace());
      w =
          request.getService().isEmpty()
              ? registry.watchServices(namespace, request.getFromRevision(), call)
              : registry.watchService(
                  namespace,
                  Names.checkLabel("service", request.getService()),
                  request.getFromRevision(),
                  call);
    } catch (RuntimeException e) {
      call.end(GrpcStatuses.toStatus(e));
      return;
    }
    call.watch = w;
    synchronized (call) {
      if (!call.ended) {
        return;
      }
    }
    w.close();
  }

  @Override
  public Executor executor() {
    return loop;
  }

  @Override
  public boolean isReady() {
    return out.isReady();
  }

  @Override
  public void onSnapshot(ServiceSnapshot snapshot, boolean resync) {
    send(Protos.watchSnapshot(snapshot, resync));
  }

  @Override
  public void onEvents(List<ServiceEvent> events) {
    if (!events.isEmpty()) {
      send(
          events.size() == 1
              ? events.get(0).encoded(SINGLE_EVENT_KEY, e -> Protos.watchEvents(List.of(e)))
              : Protos.watchEvents(events));
    }
  }

  @Override
  public void onServiceList(ServiceList list) {
    send(Protos.watchServices(list));
  }

  @Override
  public void onClosed() {
    end(Status.UNAVAILABLE.withDescription("server: closing"));
  }

  /** The server is going down: ends the call with {@code UNAVAILABLE}. */
  void serverClosing() {
    onClosed();
  }

  private void becameReady() {
    Watch w = watch;
    if (w != null) {
      w.ready();
    }
  }

  private synchronized void send(WatchResponse response) {
    if (!ended) {
      out.onNext(response);
    }
  }

  private void cancelled() {
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
    }
    release();
  }

  private void end(Status status) {
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
      try {
        out.onError(status.asRuntimeException());
      } catch (RuntimeException e) {
        // The call was cancelled meanwhile: nobody is listening.
      }
    }
    release();
  }

  private void release() {
    live.remove(this);
    connection.releaseWatch();
    Watch w = watch;
    if (w != null) {
      w.close();
    }
  }
}
