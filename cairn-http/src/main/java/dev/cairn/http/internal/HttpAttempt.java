package dev.cairn.http.internal;

import dev.cairn.client.lb.Endpoint;
import dev.cairn.client.lb.Outcome;
import dev.cairn.client.resilience.Attempt;
import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Instance;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;

/**
 * One HTTP call's attempts: the request is copied with the endpoint's address in place of the
 * service name, and each attempt ends when what was left of the deadline runs out. 429 is overload,
 * 5xx a failure, everything else an answer.
 *
 * <p>How an attempt is sent (decision 0025): a synchronous call sends on the caller's thread with
 * the JDK's blocking {@code send}, its deadline kept by a {@link DeadlineTimer} alarm (decision
 * 0036: the JDK's per-request timer costs a selector wake-up per call); a retry after a backoff, or
 * an asynchronous call, sends on the client's executor with what is left of the deadline as the
 * request's timeout, with {@code sendAsync} when the common fork-join pool has at least two threads
 * and with a blocking {@code send} otherwise: on machines with one or two cores the JDK's {@code
 * sendAsync} completes through a new thread per call.
 */
final class HttpAttempt<B> implements Attempt<String, HttpResponse<B>> {

  private static final boolean ASYNC_IS_CHEAP = ForkJoinPool.getCommonPoolParallelism() >= 2;

  private final HttpClient http;
  private final Executor executor;
  private final HttpRequest request;
  private final HttpResponse.BodyHandler<B> handler;
  private final DeadlineTimer timer;
  private final Thread caller; // null for asynchronous calls

  HttpAttempt(
      HttpClient http,
      Executor executor,
      DeadlineTimer timer,
      HttpRequest request,
      HttpResponse.BodyHandler<B> handler,
      Thread caller) {
    this.http = http;
    this.executor = executor;
    this.timer = timer;
    this.request = request;
    this.handler = handler;
    this.caller = caller;
  }

  @Override
  public CompletableFuture<HttpResponse<B>> send(Endpoint<String> endpoint, long timeoutNanos) {
    return named(endpoint, send(endpoint.target(), timeoutNanos, Map.of()));
  }

  /** Sends with the attempt's trace context headers ({@code traceparent}, ...) set. */
  @Override
  public CompletableFuture<HttpResponse<B>> send(
      Endpoint<String> endpoint, long timeoutNanos, Map<String, String> headers) {
    return named(endpoint, send(endpoint.target(), timeoutNanos, headers));
  }

  /**
   * The attempt's future, with a failure to connect turned into a {@link CairnException} {@code
   * UNAVAILABLE} naming the service, the instance and the address (the JDK's {@link
   * ConnectException} names none); the original stays its cause, so the attempt is still counted as
   * refused (never sent) and retried.
   */
  private CompletableFuture<HttpResponse<B>> named(
      Endpoint<String> endpoint, CompletableFuture<HttpResponse<B>> sent) {
    if (sent.isDone() && !sent.isCompletedExceptionally()) {
      return sent;
    }
    CompletableFuture<HttpResponse<B>> out = new CompletableFuture<>();
    sent.whenComplete(
        (response, error) -> {
          if (error == null) {
            out.complete(response);
          } else {
            out.completeExceptionally(connectFailure(endpoint, error));
          }
        });
    return out;
  }

  static Throwable connectFailure(Endpoint<String> endpoint, Throwable error) {
    Throwable cause = error;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    String what;
    if (cause instanceof HttpConnectTimeoutException) {
      what = "did not accept a connection in time";
    } else if (cause instanceof ConnectException) {
      what = "refused the connection";
    } else {
      return error;
    }
    Instance instance = endpoint.instance();
    return CairnException.of(
        ErrorCode.UNAVAILABLE,
        instance.service()
            + ": instance "
            + instance.id()
            + " at "
            + endpoint.target()
            + " "
            + what
            + " ("
            + cause
            + ")",
        cause);
  }

  /** Sends an attempt to {@code authority} ("address:port"). */
  CompletableFuture<HttpResponse<B>> send(String authority, long timeoutNanos) {
    return send(authority, timeoutNanos, Map.of());
  }

  /** Sends an attempt to {@code authority} ("address:port") with {@code headers} set. */
  CompletableFuture<HttpResponse<B>> send(
      String authority, long timeoutNanos, Map<String, String> headers) {
    HttpRequest.Builder copy = copy(request, rewrite(request.uri(), authority));
    headers.forEach(copy::setHeader);
    if (Thread.currentThread() == caller) {
      return sendHere(copy.build(), timeoutNanos);
    }
    HttpRequest attempt = copy.timeout(Duration.ofNanos(Math.max(1_000_000, timeoutNanos))).build();
    if (caller == null && ASYNC_IS_CHEAP) {
      return http.sendAsync(attempt, handler);
    }
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return http.send(attempt, handler);
          } catch (IOException | InterruptedException e) {
            throw new CompletionException(e);
          }
        },
        executor);
  }

  /**
   * Sends on the caller's thread, with an alarm in place of the JDK's request timeout (decision
   * 0036). Leaves the thread's interrupt flag as the caller set it: the alarm's interrupt is always
   * consumed, the caller's always kept.
   */
  private CompletableFuture<HttpResponse<B>> sendHere(HttpRequest attempt, long timeoutNanos) {
    DeadlineTimer.Alarm alarm;
    try {
      alarm = timer.arm(caller, timeoutNanos);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(
          CairnException.of(ErrorCode.FAILED_PRECONDITION, "client: closed"));
    }
    HttpResponse<B> response;
    try {
      response = http.send(attempt, handler);
    } catch (InterruptedException e) {
      // The JDK cancelled the exchange and cleared the flag. The alarm interrupts once: if it rang
      // and the flag is clear, its interrupt is the one the send saw; a flag set again is the
      // caller's, and so is the interrupt when the alarm did not ring.
      if (alarm.stop() && !Thread.interrupted()) {
        return CompletableFuture.failedFuture(new HttpTimeoutException("request timed out"));
      }
      Thread.currentThread().interrupt();
      return CompletableFuture.failedFuture(e);
    } catch (IOException e) {
      consume(alarm);
      return CompletableFuture.failedFuture(e);
    } catch (RuntimeException | Error e) {
      consume(alarm);
      throw e;
    }
    consume(alarm);
    return CompletableFuture.completedFuture(response);
  }

  /** Stops {@code alarm}; if it rang after the send ended, clears the interrupt it left. */
  private static void consume(DeadlineTimer.Alarm alarm) {
    if (alarm.stop()) {
      Thread.interrupted();
    }
  }

  @Override
  public Outcome classify(HttpResponse<B> response) {
    return Routes.outcome(response.statusCode());
  }

  /**
   * A builder for a copy of {@code request} to {@code uri}, without its timeout: method, body,
   * headers, version and expect-continue as the JDK's {@code HttpRequest.newBuilder(request,
   * filter)} copies them.
   */
  static HttpRequest.Builder copy(HttpRequest request, URI uri) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).expectContinue(request.expectContinue());
    request.headers().map().forEach((name, values) -> values.forEach(v -> b.header(name, v)));
    request.version().ifPresent(b::version);
    String method = request.method();
    HttpRequest.BodyPublisher body = request.bodyPublisher().orElse(null);
    if (body != null) {
      b.method(method, body);
    } else if ("GET".equals(method)) {
      b.GET();
    } else if ("DELETE".equals(method)) {
      b.DELETE();
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return b;
  }

  /** {@code uri} with its host replaced by {@code authority} ("address:port"). */
  static URI rewrite(URI uri, String authority) {
    StringBuilder b = new StringBuilder(64).append(uri.getScheme()).append("://").append(authority);
    String path = uri.getRawPath();
    b.append(path == null || path.isEmpty() ? "/" : path);
    if (uri.getRawQuery() != null) {
      b.append('?').append(uri.getRawQuery());
    }
    return URI.create(b.toString());
  }
}
