package dev.cairn.server.internal.grpc;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Names;
import dev.cairn.proto.v1.WatchClientMessage;
import dev.cairn.proto.v1.WatchRequest;
import dev.cairn.proto.v1.WatchResponse;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.ServiceEvent;
import dev.cairn.server.core.ServiceList;
import dev.cairn.server.core.ServiceSnapshot;
import dev.cairn.server.core.SnapshotReason;
import dev.cairn.server.core.Watch;
import dev.cairn.server.core.WatchListener;
import dev.cairn.server.internal.Protos;
import dev.cairn.server.internal.limits.TokenQuota;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * One {@code Watch} or {@code WatchWithAcks} call: a registry watch whose deliveries become {@link
 * WatchResponse}s. gRPC's flow control is the watch's: {@link #isReady()} is the call's readiness,
 * and the call's on-ready handler calls {@link Watch#ready()}; a client that does not read is
 * resynced by the registry with one snapshot once it reads again.
 *
 * <p>What the client received, for drains: on {@code WatchWithAcks}, the revisions it acknowledges
 * (never more than was sent); on {@code Watch}, each message once written to the call.
 *
 * <p>Deliveries run on the call's event loop ({@link #executor()}), one at a time; the call can
 * also be ended by the client (cancel) or by the server closing. {@code this} guards {@link
 * #ended}, {@link #sent} and every write to the call, which only buffers and never blocks.
 */
final class WatchCall implements WatchListener {

  // The message of a one-event delivery (the usual case) is built once and shared by the watchers.
  private static final Object SINGLE_EVENT_KEY = new Object();

  private final ServerCallStreamObserver<WatchResponse> out;
  private final Connections.Connection connection;
  private final Set<WatchCall> live;
  private final Executor loop;
  private final boolean acks;
  private final boolean slot;
  private final TokenQuota tokens; // null: not counted per token
  private final String token; // null: not counted per token
  private final boolean tokenRefused;
  // Guarded by this.
  private boolean ended;
  // The highest revision written to the call, and whether nothing was yet; guarded by this.
  private long sent;
  private boolean first = true;
  // Set once by begin(); read by the handlers.
  private volatile Watch watch;
  // This registry's history id, sent on the first message; set by begin(), before any delivery.
  private volatile String registryId = "";
  // What of each service list the caller may see; set before the watch starts.
  private volatile AclCheck lists;
  // What the watch was checked for; null until then. Checked again before each response, so that
  // a token deleted or narrowed since the call began sees nothing more (decision 0217).
  private volatile String checkedNamespace;
  private volatile String checkedService;

  private WatchCall(
      ServerCallStreamObserver<WatchResponse> out,
      Connections.Connection connection,
      Set<WatchCall> live,
      Executor loop,
      boolean acks,
      TokenQuota tokens,
      String token) {
    this.out = out;
    this.connection = connection;
    this.live = live;
    this.loop = loop;
    this.acks = acks;
    this.tokens = token == null ? null : tokens;
    this.token = this.tokens == null ? null : token;
    boolean onConnection = connection.tryAcquireWatch();
    boolean forToken = onConnection && (this.token == null || this.tokens.tryAcquire(this.token));
    if (onConnection && !forToken) {
      connection.releaseWatch();
    }
    this.slot = forToken;
    this.tokenRefused = onConnection && !forToken;
    if (!slot) {
      return;
    }
    live.add(this);
    out.setOnCancelHandler(this::cancelled);
    out.setOnReadyHandler(this::becameReady);
  }

  /**
   * Starts the watch {@code request} asks for (a {@code Watch} call), or fails the call; {@code
   * live} tracks it, {@code loop} (the call's event loop) runs its deliveries.
   */
  static void start(
      Registry registry,
      WatchRequest request,
      ServerCallStreamObserver<WatchResponse> out,
      Connections.Connection connection,
      Set<WatchCall> live,
      Executor loop,
      AclCheck acl,
      TokenQuota tokens,
      String token) {
    WatchCall call = new WatchCall(out, connection, live, loop, false, tokens, token);
    if (call.refused()) {
      return;
    }
    call.begin(registry, request, acl);
  }

  /**
   * The ACL check of a watch, given its namespace and service (empty for the service list). It is
   * made when the watch begins and again before each response, with the token's rights of the
   * moment (decision 0217).
   */
  interface AclCheck {
    /**
     * Returns when the caller may watch; throws the refusal otherwise.
     *
     * @throws CairnException {@code UNAUTHENTICATED} or {@code PERMISSION_DENIED}
     */
    void check(String namespace, String service);

    /** What of a service list the caller may see (decision 0173); all of it by default. */
    default ServiceList visible(ServiceList list) {
      return list;
    }
  }

  /**
   * A {@code WatchWithAcks} call: returns the handler of the client's messages, which starts the
   * watch on the first ({@code watch}) and records each {@code ack}.
   */
  static StreamObserver<WatchClientMessage> startWithAcks(
      Registry registry,
      ServerCallStreamObserver<WatchResponse> out,
      Connections.Connection connection,
      Set<WatchCall> live,
      Executor loop,
      AclCheck acl,
      TokenQuota tokens,
      String token) {
    WatchCall call = new WatchCall(out, connection, live, loop, true, tokens, token);
    if (call.refused()) {
      return new StreamObserver<>() {
        @Override
        public void onNext(WatchClientMessage m) {}

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      };
    }
    return new StreamObserver<>() {
      private boolean begun;

      @Override
      public void onNext(WatchClientMessage m) {
        switch (m.getBodyCase()) {
          case WATCH -> {
            if (begun) {
              call.end(invalid("watch", "a second watch request", "one, first"));
            } else {
              begun = true;
              call.begin(registry, m.getWatch(), acl);
            }
          }
          case ACK -> {
            if (!begun) {
              call.end(
                  invalid("ack", "an ack before the watch request", "the watch request first"));
            } else {
              call.acked(m.getAck().getRevision());
            }
          }
          default -> call.end(invalid("body", "empty", "watch or ack"));
        }
      }

      @Override
      public void onError(Throwable t) {
        // Cancelled: the cancel handler ends the watch.
      }

      @Override
      public void onCompleted() {
        // The client sends no more acks; the watch goes on until it cancels.
      }
    };
  }

  private static Status invalid(String field, Object value, String expected) {
    return GrpcStatuses.toStatus(CairnException.invalid(field, value, expected));
  }

  private boolean refused() {
    if (slot) {
      return false;
    }
    out.onError(
        GrpcStatuses.error(
            ErrorCode.RESOURCE_EXHAUSTED,
            tokenRefused
                ? "watches: "
                    + tokens.max()
                    + " open with token "
                    + token
                    + " (expected: <= "
                    + tokens.max()
                    + " per token)"
                : "watches: "
                    + connection.maxWatches()
                    + " on this connection (expected: <= "
                    + connection.maxWatches()
                    + ")"));
    return true;
  }

  private void begin(Registry registry, WatchRequest request, AclCheck acl) {
    lists = acl;
    Watch w;
    try {
      String namespace = Names.namespace(request.getNamespace());
      String checked =
          request.getService().isEmpty() ? "" : Names.checkLabel("service", request.getService());
      acl.check(namespace, checked);
      checkedNamespace = namespace;
      checkedService = checked;
      registryId = registry.historyId();
      long from = request.getFromRevision();
      String theirs = request.getRegistryId();
      if (!theirs.isEmpty() && !registryId.isEmpty() && !theirs.equals(registryId)) {
        from = 0; // a revision of another registry: start afresh
      }
      w =
          request.getService().isEmpty()
              ? registry.watchServices(namespace, from, this)
              : registry.watchService(
                  namespace, Names.checkLabel("service", request.getService()), from, this);
    } catch (RuntimeException e) {
      end(GrpcStatuses.toStatus(e));
      return;
    }
    watch = w;
    long written;
    synchronized (this) {
      if (!ended) {
        written = sent;
      } else {
        written = -1;
      }
    }
    if (written < 0) {
      w.close();
    } else if (!acks && written > 0) {
      w.acknowledge(written); // what was written before the watch was known here
    }
  }

  @Override
  public Executor executor() {
    return loop;
  }

  @Override
  public String description() {
    return "grpc " + connection.peer() + (acks ? " (acks)" : " (counted when written)");
  }

  @Override
  public boolean isReady() {
    return out.isReady();
  }

  @Override
  public void onSnapshot(ServiceSnapshot snapshot, SnapshotReason reason, long compactRevision) {
    if (!stillAllowed()) {
      return;
    }
    send(Protos.watchSnapshot(snapshot, reason, compactRevision));
  }

  @Override
  public void onResumed(long revision, List<ServiceEvent> events) {
    if (!stillAllowed()) {
      return;
    }
    send(Protos.watchResumed(revision, events));
  }

  @Override
  public void onEvents(List<ServiceEvent> events) {
    if (!stillAllowed()) {
      return;
    }
    if (!events.isEmpty()) {
      send(
          events.size() == 1
              ? events.get(0).encoded(SINGLE_EVENT_KEY, e -> Protos.watchEvents(List.of(e)))
              : Protos.watchEvents(events));
    }
  }

  @Override
  public void onServiceList(ServiceList list) {
    if (!stillAllowed()) {
      return;
    }
    AclCheck acl = lists;
    send(Protos.watchServices(acl == null ? list : acl.visible(list)));
  }

  /**
   * Whether the caller's token still allows the watch; ends the call with the refusal otherwise
   * (decision 0217).
   */
  private boolean stillAllowed() {
    AclCheck acl = lists;
    String namespace = checkedNamespace;
    if (acl == null || namespace == null) {
      return true;
    }
    try {
      acl.check(namespace, checkedService);
      return true;
    } catch (dev.cairn.common.CairnException e) {
      end(GrpcStatuses.toStatus(dev.cairn.server.internal.auth.AclGuard.ofOpenStream(e)));
      return false;
    }
  }

  /**
   * Checks the caller's token again for a watch that may be sent nothing for long (decision 0234):
   * ends the call as {@link #stillAllowed()} does when it may no longer watch. Called every token
   * check interval, from the scheduler's thread, for every open watch; while no ACL changed, the
   * check is one cache look-up and an identity comparison.
   */
  void recheck() {
    synchronized (this) {
      if (ended) {
        return;
      }
    }
    stillAllowed();
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

  private void send(WatchResponse response) {
    synchronized (this) {
      if (ended) {
        return;
      }
      if (first) {
        first = false;
        if (!registryId.isEmpty()) {
          response = response.toBuilder().setRegistryId(registryId).build();
        }
      }
      out.onNext(response);
      sent = Math.max(sent, response.getRevision());
    }
    Watch w = watch;
    if (!acks && w != null) {
      w.acknowledge(response.getRevision());
    }
  }

  /** The client acknowledged {@code revision}: at most what was sent. */
  private void acked(long revision) {
    long max;
    synchronized (this) {
      max = sent;
    }
    if (revision < 0 || revision > max) {
      end(invalid("ack.revision", revision, "0.." + max + " (the last revision sent)"));
      return;
    }
    Watch w = watch;
    if (w != null) {
      w.acknowledge(revision);
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
    if (token != null) {
      tokens.release(token);
    }
    Watch w = watch;
    if (w != null) {
      w.close();
    }
  }
}
