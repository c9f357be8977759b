package dev.cairn.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EventStreamTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  private final List<String> lastEventIds = new CopyOnWriteArrayList<>();
  private HttpServer http;
  private HttpApi api;

  @BeforeEach
  void start() throws IOException {
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext(
        "/stream",
        exchange -> {
          lastEventIds.add(String.valueOf(exchange.getRequestHeaders().getFirst("Last-Event-ID")));
          respond(
              exchange,
              200,
              ": keepalive\n\n"
                  + "event: added\nid: 7\ndata: {\"a\":1}\n\n"
                  + "data: line1\ndata:line2\n\n"
                  + "retry: 10\n\n");
        });
    http.createContext(
        "/missing",
        exchange ->
            respond(
                exchange,
                404,
                "{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"service: \\\"x\\\" (not found)\"}}"));
    http.start();
    api = new HttpApi(URI.create("http://127.0.0.1:" + http.getAddress().getPort()), null);
  }

  @AfterEach
  void stop() {
    http.stop(0);
  }

  @Test
  void parsesEventsAndSendsTheLastEventId() throws Exception {
    List<EventStream.Item> items = new ArrayList<>();
    try (EventStream stream =
        EventStream.open(api, api.uri("/stream", HttpApi.Query.empty()), "6")) {
      for (EventStream.Item item = stream.poll(WAIT);
          !(item instanceof EventStream.Ended);
          item = stream.poll(WAIT)) {
        assertThat(item).as("an item within %s", WAIT).isNotNull();
        items.add(item);
      }
    }

    assertThat(items)
        .containsExactly(
            new EventStream.Connected(),
            new EventStream.Event("added", "7", "{\"a\":1}"),
            new EventStream.Event("message", null, "line1\nline2"));
    assertThat(lastEventIds).containsExactly("6");
  }

  @Test
  void anErrorAnswerCarriesTheServersMessage() throws Exception {
    try (EventStream stream =
        EventStream.open(api, api.uri("/missing", HttpApi.Query.empty()), null)) {
      EventStream.Item item = stream.poll(WAIT);

      assertThat(item).isInstanceOf(EventStream.Failed.class);
      EventStream.Failed failed = (EventStream.Failed) item;
      assertThat(failed.status()).isEqualTo(404);
      assertThat(failed.error().exitCode()).isEqualTo(ExitCode.NOT_FOUND);
      assertThat(failed.error().getMessage()).isEqualTo("service: \"x\" (not found)");
    }
  }

  private static void respond(com.sun.net.httpserver.HttpExchange exchange, int status, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
