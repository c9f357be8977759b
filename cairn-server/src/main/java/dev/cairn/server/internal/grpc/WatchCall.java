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
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One {@code Watch} call: a registry watch whose deliveries become {@link WatchResponse}s. gRPC's
 * flow control is the watch's: {@link #isReady()} is the call's readiness, and the call's on-ready
 * handler calls {@link Watch#ready()}; a client that does not read is resynced by the registry with
 * one snapshot once it reads again.
 *
 * <p>Responses are sent only from the registry's watch executor (sequential per watch), except a
 * failure to start, which is sent before the watch exists.
 */
final class WatchCall implements WatchListener {

  private final ServerCallStreamObserver<WatchResponse> out;
  private final Connections.Connection connection;
  private final AtomicBoolean ended = new AtomicBoolean();
  // Set once by start(); read by the on-ready and cancel handlers.
  private volatile Watch watch;

  private WatchCall(
      ServerCallStreamObserver<WatchResponse> out, Connections.Connection connection) {
    this.out = out;
    this.connection = connection;
  }

  /** Starts the watch {@code request} asks for, or fails the call. */
  static void start(
      Registry registry,
      WatchRequest request,
      ServerCallStreamObserver<WatchResponse> out,
      Connections.Connection connection) {
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
    WatchCall call = new WatchCall(out, connection);
    out.setOnCancelHandler(call::cancelled);
    out.setOnReadyHandler(call::becameReady);
    try {
      String namespace = Names.namespace(request.getNamespace());
      call.watch =
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
    if (call.ended.get()) {
      call.watch.close();
    }
  }

  @Override
  public boolean isReady() {
    return out.isReady();
  }

  @Override
  public void onSnapshot(ServiceSnapshot snapshot, boolean resync) {
    out.onNext(Protos.watchSnapshot(snapshot, resync));
  }

  @Override
  public void onEvents(List<ServiceEvent> events) {
    if (!events.isEmpty()) {
      out.onNext(Protos.watchEvents(events));
    }
  }

  @Override
  public void onServiceList(ServiceList list) {
    out.onNext(Protos.watchServices(list));
  }

  @Override
  public void onClosed() {
    end(Status.UNAVAILABLE.withDescription("server: closing"));
  }

  private void becameReady() {
    Watch w = watch;
    if (w != null && !ended.get()) {
      w.ready();
    }
  }

  private void cancelled() {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    connection.releaseWatch();
    Watch w = watch;
    if (w != null) {
      w.close();
    }
  }

  private void end(Status status) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    connection.releaseWatch();
    try {
      out.onError(status.asRuntimeException());
    } catch (RuntimeException e) {
      // The call was cancelled meanwhile: nobody is listening.
    }
  }
}
