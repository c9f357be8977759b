package dev.cairn.server.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Reads a server-sent-event stream on its own thread into a queue of events and comments. */
final class SseClient implements AutoCloseable {

  /** One event ({@code event}, {@code id}, {@code data} parsed as JSON), or a comment line. */
  record Event(String event, long id, JsonNode data, String comment) {}

  private static final Event END = new Event("<end>", -1, null, null);

  private final HttpResponse<InputStream> response;
  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final Thread reader;

  private SseClient(HttpResponse<InputStream> response) {
    this.response = response;
    this.reader = new Thread(this::readLoop, "sse-test-reader");
    reader.setDaemon(true);
    if (response.statusCode() == 200) {
      reader.start();
    }
  }

  static SseClient open(HttpClient client, HttpRequest request)
      throws IOException, InterruptedException {
    return new SseClient(client.send(request, HttpResponse.BodyHandlers.ofInputStream()));
  }

  HttpResponse<InputStream> response() {
    return response;
  }

  /** The next event, skipping comments; fails after 10 seconds. */
  Event next() throws InterruptedException {
    while (true) {
      Event e = nextAny();
      if (e.comment() == null) {
        return e;
      }
    }
  }

  /** The next event or comment; fails after 10 seconds. */
  Event nextAny() throws InterruptedException {
    Event e = events.poll(10, TimeUnit.SECONDS);
    if (e == null) {
      throw new AssertionError("no event within 10 s");
    }
    return e;
  }

  /** Whether the stream ended (the server closed it); waits up to 10 seconds. */
  boolean ended() throws InterruptedException {
    while (true) {
      Event e = events.poll(10, TimeUnit.SECONDS);
      if (e == null) {
        return false;
      }
      if (e == END) {
        return true;
      }
    }
  }

  private void readLoop() {
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String event = null;
      long id = -1;
      String data = null;
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith(":")) {
          events.add(new Event(null, -1, null, line));
        } else if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("id: ")) {
          id = Long.parseLong(line.substring(4));
        } else if (line.startsWith("data: ")) {
          data = line.substring(6);
        } else if (line.isEmpty() && event != null) {
          events.add(new Event(event, id, HttpApiFixture.JSON.readTree(data), null));
          event = null;
          id = -1;
          data = null;
        }
      }
    } catch (IOException e) {
      // The stream was closed.
    }
    events.add(END);
  }

  @Override
  public void close() throws IOException {
    response.body().close();
  }
}
