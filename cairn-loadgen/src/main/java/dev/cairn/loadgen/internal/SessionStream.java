package dev.cairn.loadgen.internal;

import static java.util.Objects.requireNonNull;

import dev.cairn.proto.v1.CloseSession;
import dev.cairn.proto.v1.DeregisterInstance;
import dev.cairn.proto.v1.Instance;
import dev.cairn.proto.v1.KeepAlive;
import dev.cairn.proto.v1.OpenSession;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.proto.v1.RequestResult;
import dev.cairn.proto.v1.SessionOpened;
import dev.cairn.proto.v1.SessionRequest;
import dev.cairn.proto.v1.SessionResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The client side of one gRPC {@code Session} stream: one session, its keepalives, and pipelined
 * {@code RegisterInstance}/{@code DeregisterInstance} requests matched to their results by request
 * id. Thread safe: requests may be sent from any thread (sends are serialized on this object's
 * lock); futures complete on the channel's transport thread, so their callbacks must not block.
 */
final class SessionStream {

  /** A request the server answered with an error code. */
  static final class RequestFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RequestFailedException(RequestResult result) {
      super(
          Status.fromCodeValue(result.getErrorCode()).getCode() + ": " + result.getErrorMessage());
    }
  }

  /**
   * The {@code Session} method with requests as encoded bytes (see {@link EncodedRegistration});
   * responses are parsed as usual.
   */
  private static final MethodDescriptor<byte[], SessionResponse> SESSION =
      RegistryGrpc.getSessionMethod().toBuilder(
              new BytesMarshaller(), ProtoUtils.marshaller(SessionResponse.getDefaultInstance()))
          .build();

  private final CompletableFuture<SessionOpened> opened = new CompletableFuture<>();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private final Map<Long, CompletableFuture<RequestResult>> pending = new ConcurrentHashMap<>();
  private final AtomicLong nextRequestId = new AtomicLong(1);
  private final AtomicLong keepAliveAcks = new AtomicLong();
  // guarded by this: the request side of the stream is not thread safe
  private ClientCallStreamObserver<byte[]> requests;
  private boolean closedLocally;
  private volatile ScheduledFuture<?> keepAliveTask;

  private SessionStream() {}

  /**
   * Opens a stream on {@code channel} and a session with {@code ttl}; keeps it alive every ttl/3 on
   * {@code scheduler} until {@link #close}. The future completes once the server confirmed the
   * session.
   */
  static CompletableFuture<SessionStream> open(
      Channel channel, Duration ttl, String clientName, ScheduledExecutorService scheduler) {
    return open(channel, ttl, clientName, scheduler, false);
  }

  /**
   * Like {@link #open(Channel, Duration, String, ScheduledExecutorService)}; with {@code
   * preferLeader}, asks for the session on the member that leads, as the SDK does (decision 0114):
   * a follower that knows the leader then opens nothing and the stream ends, its {@link
   * #leaderRedirect()} naming the leader's gRPC address to open it again there.
   */
  static CompletableFuture<SessionStream> open(
      Channel channel,
      Duration ttl,
      String clientName,
      ScheduledExecutorService scheduler,
      boolean preferLeader) {
    requireNonNull(channel, "channel");
    requireNonNull(scheduler, "scheduler");
    SessionStream stream = new SessionStream();
    ClientCalls.asyncBidiStreamingCall(
        channel.newCall(SESSION, CallOptions.DEFAULT), stream.new Responses());
    stream.send(
        SessionRequest.newBuilder()
            .setOpen(
                OpenSession.newBuilder()
                    .setTtlMillis(ttl.toMillis())
                    .setClientName(clientName)
                    .setPreferLeader(preferLeader))
            .build());
    return stream.opened.thenApply(
        o -> {
          if (stream.leaderRedirect() != null) {
            return stream;
          }
          long every = Math.max(100, o.getTtlMillis() / 3);
          stream.keepAliveTask =
              scheduler.scheduleAtFixedRate(stream::keepAlive, every, every, TimeUnit.MILLISECONDS);
          return stream;
        });
  }

  /**
   * The leader's gRPC address when a follower answered a {@code prefer_leader} open with it and
   * opened nothing; null when this stream holds a session.
   */
  String leaderRedirect() {
    SessionOpened o = opened.getNow(null);
    return o != null && o.getSessionId().isEmpty() && !o.getLeaderGrpcAddress().isEmpty()
        ? o.getLeaderGrpcAddress()
        : null;
  }

  /** The session id the server assigned. */
  String sessionId() {
    return opened.join().getSessionId();
  }

  /** The TTL the server granted, in milliseconds. */
  long ttlMillis() {
    return opened.join().getTtlMillis();
  }

  /** Keepalive acknowledgements received so far. */
  long keepAliveAcks() {
    return keepAliveAcks.get();
  }

  /** Completes when the stream has ended, normally or not. */
  CompletableFuture<Void> ended() {
    return ended;
  }

  /**
   * Registers {@code instance} in this session; completes with the result, or exceptionally with
   * {@link RequestFailedException} or the stream's failure.
   */
  CompletableFuture<RequestResult> register(String namespace, Instance instance) {
    return register(EncodedRegistration.of(namespace, instance));
  }

  /** Like {@link #register(String, Instance)}, with the registration encoded beforehand. */
  CompletableFuture<RequestResult> register(EncodedRegistration registration) {
    long id = nextRequestId.getAndIncrement();
    CompletableFuture<RequestResult> result = new CompletableFuture<>();
    pending.put(id, result);
    send(registration.request(id), id);
    return result;
  }

  /** Deregisters an instance over this session's stream. */
  CompletableFuture<RequestResult> deregister(String namespace, String service, String instanceId) {
    long id = nextRequestId.getAndIncrement();
    CompletableFuture<RequestResult> result = new CompletableFuture<>();
    pending.put(id, result);
    send(
        SessionRequest.newBuilder()
            .setDeregister(
                DeregisterInstance.newBuilder()
                    .setRequestId(id)
                    .setNamespace(namespace)
                    .setService(service)
                    .setInstanceId(instanceId))
            .build());
    return result;
  }

  /** Sends one keepalive. */
  void keepAlive() {
    send(SessionRequest.newBuilder().setKeepAlive(KeepAlive.getDefaultInstance()).build());
  }

  /**
   * Closes the session: sends {@code CloseSession}, half-closes the stream and waits up to {@code
   * timeout} for the server to end it; cancels the stream if it does not. Returns whether the
   * server ended the stream in time.
   */
  boolean close(Duration timeout) throws InterruptedException {
    stopKeepAlive();
    synchronized (this) {
      if (!closedLocally && !ended.isDone()) {
        requests.onNext(
            SessionRequest.newBuilder()
                .setClose(CloseSession.getDefaultInstance())
                .build()
                .toByteArray());
        requests.onCompleted();
        closedLocally = true;
      }
    }
    try {
      ended.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      cancel("close timed out");
      return false;
    } catch (ExecutionException e) {
      return true;
    }
  }

  /** Breaks the stream without closing the session (the server sees the stream end). */
  void cancel(String why) {
    stopKeepAlive();
    synchronized (this) {
      if (!closedLocally) {
        closedLocally = true;
        requests.cancel(why, null);
      }
    }
  }

  private void stopKeepAlive() {
    ScheduledFuture<?> task = keepAliveTask;
    if (task != null) {
      task.cancel(false);
    }
  }

  private void send(SessionRequest request) {
    long id =
        switch (request.getBodyCase()) {
          case REGISTER -> request.getRegister().getRequestId();
          case DEREGISTER -> request.getDeregister().getRequestId();
          default -> 0;
        };
    send(request.toByteArray(), id);
  }

  /** Sends an encoded request; {@code requestId} (0 for none) fails if the stream is closed. */
  private synchronized void send(byte[] request, long requestId) {
    if (closedLocally || ended.isDone()) {
      CompletableFuture<RequestResult> result = pending.remove(requestId);
      if (result != null) {
        result.completeExceptionally(new IllegalStateException("session stream already closed"));
      }
      return;
    }
    requests.onNext(request);
  }

  private void failAll(Throwable error) {
    opened.completeExceptionally(error);
    for (Long id : pending.keySet()) {
      CompletableFuture<RequestResult> result = pending.remove(id);
      if (result != null) {
        result.completeExceptionally(error);
      }
    }
  }

  /** The response side; gRPC calls it sequentially. */
  private final class Responses implements ClientResponseObserver<byte[], SessionResponse> {

    @Override
    public void beforeStart(ClientCallStreamObserver<byte[]> requestStream) {
      synchronized (SessionStream.this) {
        requests = requestStream;
      }
    }

    @Override
    public void onNext(SessionResponse response) {
      switch (response.getBodyCase()) {
        case OPENED -> opened.complete(response.getOpened());
        case KEEP_ALIVE_ACK -> keepAliveAcks.incrementAndGet();
        case RESULT -> result(response.getResult());
        case RESULTS -> response.getResults().getResultsList().forEach(this::result);
        default -> {
          // a newer server's message; nothing to do
        }
      }
    }

    private void result(RequestResult result) {
      CompletableFuture<RequestResult> future = pending.remove(result.getRequestId());
      if (future == null) {
        return;
      }
      if (result.getErrorCode() != 0) {
        future.completeExceptionally(new RequestFailedException(result));
      } else {
        future.complete(result);
      }
    }

    @Override
    public void onError(Throwable t) {
      stopKeepAlive();
      failAll(t);
      ended.complete(null);
    }

    @Override
    public void onCompleted() {
      stopKeepAlive();
      failAll(new IllegalStateException("session stream ended by the server"));
      ended.complete(null);
    }
  }

  /** Requests are sent as the bytes given. */
  private static final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new BytesStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      throw new UnsupportedOperationException("requests are only sent");
    }
  }

  /** Bytes whose length gRPC can read up front and that it can drain in one write. */
  private static final class BytesStream extends ByteArrayInputStream
      implements KnownLength, Drainable {
    BytesStream(byte[] bytes) {
      super(bytes);
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      int n = count - pos;
      target.write(buf, pos, n);
      pos = count;
      return n;
    }
  }
}
