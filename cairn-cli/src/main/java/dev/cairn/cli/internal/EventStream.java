package dev.cairn.cli.internal;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One connection to a server-sent-events endpoint. The HTTP client's threads parse the stream and
 * queue {@link Item}s; the caller takes them with {@link #poll(Duration)} from one thread. After a
 * terminal item ({@link Failed} or {@link Ended}) the stream is done; reconnecting is the caller's
 * job.
 */
final class EventStream implements AutoCloseable {

  /** What the stream produced. */
  sealed interface Item permits Connected, Event, Failed, Ended {}

  /** The server answered 200 and the stream is open. */
  record Connected() implements Item {}

  /** One event: its {@code event:} type ({@code message} when absent), {@code id:} and data. */
  record Event(String type, String id, String data) implements Item {}

  /**
   * The stream could not be opened or broke: {@code error} says why. {@code status} is the HTTP
   * status when the server answered with an error, 0 when the connection failed.
   */
  record Failed(CliException error, int status) implements Item {}

  /** The server ended the stream. */
  record Ended() implements Item {}

  // Items are queued by the HTTP client's threads and taken by the caller's; subscription and
  // closed are shared between close() and those threads.
  private final BlockingQueue<Item> items = new LinkedBlockingQueue<>();
  private final CompletableFuture<HttpResponse<Void>> response;
  private volatile Flow.Subscription subscription;
  private volatile boolean closed;

  private EventStream(HttpApi api, URI uri, String lastEventId) {
    HttpRequest.Builder request =
        api.authorized(HttpRequest.newBuilder(uri).GET().header("Accept", "text/event-stream"));
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    this.response =
        api.client()
            .sendAsync(
                request.build(),
                info ->
                    subscriber(
                        api.server(),
                        info.statusCode(),
                        info.headers().firstValue("Content-Type").orElse(null)));
    response.whenComplete(
        (r, e) -> {
          if (e != null) {
            Throwable cause = e instanceof CompletionException ? e.getCause() : e;
            items.add(new Failed(unreachable(api, cause), 0));
          }
        });
  }

  /** Opens {@code uri}, resuming after {@code lastEventId} when it is not null. */
  static EventStream open(HttpApi api, URI uri, String lastEventId) {
    return new EventStream(requireNonNull(api, "api"), requireNonNull(uri, "uri"), lastEventId);
  }

  /** The next item, waiting at most {@code timeout}; null when none came in time. */
  Item poll(Duration timeout) throws InterruptedException {
    return items.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Closes the connection; no more items are queued. Safe to call more than once. */
  @Override
  public void close() {
    closed = true;
    Flow.Subscription s = subscription;
    if (s != null) {
      s.cancel();
    }
    response.cancel(true);
  }

  private BodySubscriber<Void> subscriber(URI server, int status, String contentType) {
    if (status != 200) {
      return BodySubscribers.mapping(
          BodySubscribers.ofString(StandardCharsets.UTF_8),
          body -> {
            items.add(new Failed(HttpApi.serverError(server, status, contentType, body), status));
            return null;
          });
    }
    items.add(new Connected());
    return BodySubscribers.fromLineSubscriber(
        new LineParser(), p -> null, StandardCharsets.UTF_8, null);
  }

  private static CliException unreachable(HttpApi api, Throwable cause) {
    if (cause instanceof IOException) {
      return api.unreachable((IOException) cause);
    }
    return api.unreachable(new IOException(cause));
  }

  /** Parses {@code text/event-stream} lines into events; called sequentially by the client. */
  private final class LineParser implements Flow.Subscriber<String> {
    private String type;
    private String id;
    private StringBuilder data;

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (closed) {
        s.cancel();
        return;
      }
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
      if (line.isEmpty()) {
        dispatch();
        return;
      }
      if (line.startsWith(":")) {
        return; // a comment, e.g. keepalive
      }
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + 1);
      if (value.startsWith(" ")) {
        value = value.substring(1);
      }
      switch (field) {
        case "event":
          type = value;
          break;
        case "id":
          id = value;
          break;
        case "data":
          if (data == null) {
            data = new StringBuilder(value);
          } else {
            data.append('\n').append(value);
          }
          break;
        default:
          break; // "retry" and unknown fields are ignored
      }
    }

    @Override
    public void onError(Throwable t) {
      if (!closed) {
        items.add(new Ended());
      }
    }

    @Override
    public void onComplete() {
      dispatch();
      items.add(new Ended());
    }

    private void dispatch() {
      if (data != null) {
        items.add(new Event(type == null ? "message" : type, id, data.toString()));
      }
      type = null;
      id = null;
      data = null;
    }
  }
}
