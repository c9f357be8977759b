package dev.cairn.http.internal;

import dev.cairn.client.lb.Endpoint;
import dev.cairn.client.lb.Outcome;
import dev.cairn.client.resilience.Attempt;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;

/**
 * One HTTP call's attempts: the request is copied with the endpoint's address in place of the
 * service name and what is left of the deadline as its timeout. 429 is overload, 5xx a failure,
 * everything else an answer.
 *
 * <p>How an attempt is sent (decision 0025): a synchronous call sends on the caller's thread with
 * the JDK's blocking {@code send}; a retry after a backoff, or an asynchronous call, sends on the
 * client's executor, with {@code sendAsync} when the common fork-join pool has at least two threads
 * and with a blocking {@code send} otherwise: on machines with one or two cores the JDK's {@code
 * sendAsync} completes through a new thread per call.
 */
final class HttpAttempt<B> implements Attempt<String, HttpResponse<B>> {

  private static final boolean ASYNC_IS_CHEAP = ForkJoinPool.getCommonPoolParallelism() >= 2;

  private final HttpClient http;
  private final Executor executor;
  private final HttpRequest request;
  private final HttpResponse.BodyHandler<B> handler;
  private final Thread caller; // null for asynchronous calls

  HttpAttempt(
      HttpClient http,
      Executor executor,
      HttpRequest request,
      HttpResponse.BodyHandler<B> handler,
      Thread caller) {
    this.http = http;
    this.executor = executor;
    this.request = request;
    this.handler = handler;
    this.caller = caller;
  }

  @Override
  public CompletableFuture<HttpResponse<B>> send(Endpoint<String> endpoint, long timeoutNanos) {
    HttpRequest attempt =
        HttpRequest.newBuilder(request, (name, value) -> true)
            .uri(rewrite(request.uri(), endpoint.target()))
            .timeout(Duration.ofNanos(Math.max(1_000_000, timeoutNanos)))
            .build();
    if (Thread.currentThread() == caller) {
      try {
        return CompletableFuture.completedFuture(http.send(attempt, handler));
      } catch (IOException | InterruptedException e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        return CompletableFuture.failedFuture(e);
      }
    }
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

  @Override
  public Outcome classify(HttpResponse<B> response) {
    return Routes.outcome(response.statusCode());
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
