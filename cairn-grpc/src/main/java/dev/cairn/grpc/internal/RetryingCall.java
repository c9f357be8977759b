package dev.cairn.grpc.internal;

import dev.cairn.client.resilience.Backoff;
import dev.cairn.client.resilience.RetryBudget;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A unary call sent again, on another pick, when an attempt fails with {@code UNAVAILABLE} (or with
 * {@code CANCELLED} the caller did not ask for), while attempts, the target's {@link RetryBudget}
 * and the deadline allow. The answer of the last attempt is delivered (headers, message, close)
 * when it closes; nothing of a failed attempt is.
 *
 * <p>gRPC calls a {@link ClientCall}'s methods from one thread at a time; attempts' callbacks come
 * on the call's executor, also one at a time. {@code this} guards the fields shared by the two.
 */
final class RetryingCall<Q, R> extends ClientCall<Q, R> {

  private final Channel next;
  private final MethodDescriptor<Q, R> method;
  private final CallOptions options;
  private final RetryBudget budget;
  private final Backoff backoff;
  private final int maxAttempts;
  private final ScheduledExecutorService scheduler;
  private final Context context;

  private Listener<R> listener;
  private Metadata headers;
  private Q message;
  private int attempts;
  private ClientCall<Q, R> current;
  private boolean cancelled;

  RetryingCall(
      Channel next,
      MethodDescriptor<Q, R> method,
      CallOptions options,
      RetryBudget budget,
      Backoff backoff,
      int maxAttempts,
      ScheduledExecutorService scheduler) {
    this.next = next;
    this.method = method;
    this.options = options;
    this.budget = budget;
    this.backoff = backoff;
    this.maxAttempts = maxAttempts;
    this.scheduler = scheduler;
    this.context = Context.current();
  }

  @Override
  public void start(Listener<R> listener, Metadata headers) {
    this.listener = listener;
    this.headers = headers;
    budget.onCall();
  }

  @Override
  public void request(int numMessages) {
    // Unary: the attempt asks for its one message itself.
  }

  @Override
  public void sendMessage(Q message) {
    this.message = message;
  }

  @Override
  public void halfClose() {
    attempt();
  }

  @Override
  public void cancel(String reason, Throwable cause) {
    ClientCall<Q, R> c;
    synchronized (this) {
      cancelled = true;
      c = current;
    }
    if (c != null) {
      c.cancel(reason, cause);
    } else if (listener != null) {
      listener.onClose(Status.CANCELLED.withDescription(reason).withCause(cause), new Metadata());
    }
  }

  @Override
  public boolean isReady() {
    return true;
  }

  private void attempt() {
    // Each attempt runs in the caller's context, so that its deadline and cancellation propagate.
    Context previous = context.attach();
    try {
      ClientCall<Q, R> c;
      synchronized (this) {
        if (cancelled) {
          return;
        }
        attempts++;
        c = next.newCall(method, options);
        current = c;
      }
      Metadata h = new Metadata();
      h.merge(headers);
      c.start(new AttemptListener(), h);
      c.request(2);
      c.sendMessage(message);
      c.halfClose();
    } finally {
      context.detach(previous);
    }
  }

  private boolean mayRetry(Status status) {
    if (attempts >= maxAttempts) {
      return false;
    }
    synchronized (this) {
      if (cancelled || context.isCancelled()) {
        return false;
      }
    }
    // CANCELLED that neither the caller nor its context asked for came from the server or the
    // connection (a server shutting down resets its streams with CANCEL).
    Status.Code code = status.getCode();
    if (code != Status.Code.UNAVAILABLE && code != Status.Code.CANCELLED) {
      return false;
    }
    Deadline d = options.getDeadline();
    if (d != null && d.isExpired()) {
      return false;
    }
    return budget.tryRetry();
  }

  private final class AttemptListener extends Listener<R> {
    private Metadata responseHeaders;
    private R response;

    @Override
    public void onHeaders(Metadata headers) {
      responseHeaders = headers;
    }

    @Override
    public void onMessage(R message) {
      response = message;
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      if (!status.isOk() && mayRetry(status)) {
        long delay = backoff.delayNanos(attempts - 1, ThreadLocalRandom.current().nextDouble());
        scheduler.schedule(RetryingCall.this::attempt, delay, TimeUnit.NANOSECONDS);
        return;
      }
      if (responseHeaders != null) {
        listener.onHeaders(responseHeaders);
      }
      if (response != null) {
        listener.onMessage(response);
      }
      listener.onClose(status, trailers);
    }
  }
}
