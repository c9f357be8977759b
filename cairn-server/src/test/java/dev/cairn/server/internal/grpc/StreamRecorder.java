package dev.cairn.server.internal.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Records what a client call receives. With {@link #manual(int)} the call asks for only that many
 * messages at first (no automatic flow control): a client that does not read.
 */
final class StreamRecorder<ReqT, RespT> implements ClientResponseObserver<ReqT, RespT> {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private final BlockingQueue<RespT> messages = new LinkedBlockingQueue<>();
  private final CompletableFuture<Status> end = new CompletableFuture<>();
  private final int initialRequests;
  private volatile ClientCallStreamObserver<ReqT> call;

  private StreamRecorder(int initialRequests) {
    this.initialRequests = initialRequests;
  }

  static <ReqT, RespT> StreamRecorder<ReqT, RespT> create() {
    return new StreamRecorder<>(-1);
  }

  static <ReqT, RespT> StreamRecorder<ReqT, RespT> manual(int initialRequests) {
    return new StreamRecorder<>(initialRequests);
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<ReqT> requestStream) {
    this.call = requestStream;
    if (initialRequests >= 0) {
      requestStream.disableAutoRequestWithInitial(initialRequests);
    }
  }

  @Override
  public void onNext(RespT value) {
    messages.add(value);
  }

  @Override
  public void onError(Throwable t) {
    end.complete(Status.fromThrowable(t));
  }

  @Override
  public void onCompleted() {
    end.complete(Status.OK);
  }

  ClientCallStreamObserver<ReqT> call() {
    return call;
  }

  /** The next message; fails the test when none comes within the wait. */
  RespT next() {
    try {
      RespT m = messages.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(m).as("a message within %s (stream end: %s)", WAIT, end.getNow(null)).isNotNull();
      return m;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Takes messages until one matches; returns every message taken, the match last. */
  List<RespT> nextUntil(Predicate<RespT> match) {
    List<RespT> taken = new ArrayList<>();
    while (true) {
      RespT m = next();
      taken.add(m);
      if (match.test(m)) {
        return taken;
      }
    }
  }

  /** The messages received and not yet taken. */
  List<RespT> drain() {
    List<RespT> out = new ArrayList<>();
    messages.drainTo(out);
    return out;
  }

  /** How the call ended; fails the test when it does not end within the wait. */
  Status awaitEnd() {
    try {
      return end.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("the call did not end within " + WAIT, e);
    }
  }

  /** Cancels the call, as a client that goes away. */
  void cancel() {
    call.cancel("cancelled by the test", null);
  }

  boolean ended() {
    return end.isDone();
  }

  /**
   * {@code OK} when a message comes before the call ends, else the code it ended with; the call is
   * cancelled either way. Fails the test when neither happens within the wait.
   */
  Status.Code firstOrEnd() {
    CompletableFuture<Status.Code> first = new CompletableFuture<>();
    end.thenAccept(s -> first.complete(s.getCode()));
    Thread poller =
        new Thread(
            () -> {
              try {
                if (messages.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS) != null) {
                  first.complete(Status.Code.OK);
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    poller.setDaemon(true);
    poller.start();
    try {
      return first.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("no message and no end within " + WAIT, e);
    } finally {
      poller.interrupt();
      if (call != null) {
        call.cancel("done", null);
      }
    }
  }
}
