package dev.cairn.http.internal;

import dev.cairn.client.lb.Endpoint;
import dev.cairn.client.lb.Outcome;
import dev.cairn.client.resilience.Attempt;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One HTTP call's attempts: the request is copied with the endpoint's address in place of the
 * service name and what is left of the deadline as its timeout. 429 is overload, 5xx a failure,
 * everything else an answer.
 */
final class HttpAttempt<B> implements Attempt<String, HttpResponse<B>> {

  private final HttpClient http;
  private final HttpRequest request;
  private final HttpResponse.BodyHandler<B> handler;

  HttpAttempt(HttpClient http, HttpRequest request, HttpResponse.BodyHandler<B> handler) {
    this.http = http;
    this.request = request;
    this.handler = handler;
  }

  @Override
  public CompletableFuture<HttpResponse<B>> send(Endpoint<String> endpoint, long timeoutNanos) {
    HttpRequest attempt =
        HttpRequest.newBuilder(request, (name, value) -> true)
            .uri(rewrite(request.uri(), endpoint.target()))
            .timeout(Duration.ofNanos(Math.max(1_000_000, timeoutNanos)))
            .build();
    return http.sendAsync(attempt, handler);
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
