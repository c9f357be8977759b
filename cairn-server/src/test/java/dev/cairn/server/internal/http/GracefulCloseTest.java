package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.server.CairnServer;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Closing a whole server (what SIGTERM does) over real sockets: a waiting long-poll is answered 503
 * {@code UNAVAILABLE}, an event stream ends with the last chunk of its body, and neither keeps the
 * server from closing.
 */
class GracefulCloseTest {

  private static final Pattern LONG_POLLS =
      Pattern.compile("^cairn_watchers\\{transport=\"long_poll\"\\} (\\S+)$", Pattern.MULTILINE);

  private static final Pattern REVISION = Pattern.compile("\"revision\":(\\d+)");

  private final CairnServer server = start();
  private final int port = server.httpAddress().getPort();

  private static CairnServer start() {
    try {
      return CairnServer.builder().inMemory().httpPort(0).grpcPort(0).metrics(true).start();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @AfterEach
  void close() {
    server.close();
  }

  @Test
  void closingAnswersWaitingLongPollsWith503AndEndsEventStreams() throws Exception {
    try (RawHttp client = new RawHttp(port);
        RawHttp sse = new RawHttp(port);
        RawHttp poll = new RawHttp(port)) {
      String body = "{\"address\":\"127.0.0.1\"}";
      client.write(
          "PUT /v1/services/web/instances/a HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              + "Content-Type: application/json\r\nContent-Length: "
              + body.length()
              + "\r\n\r\n"
              + body);
      RawHttp.Response registered = client.read();
      assertThat(registered.status()).isEqualTo(200);
      long index = revision(registered.body());

      sse.write("GET /v1/watch/services/web HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      assertThat(sse.readHead().toLowerCase(Locale.ROOT))
          .startsWith("http/1.1 200")
          .contains("transfer-encoding: chunked");
      assertThat(sse.readUntil("\n\n")).contains("event: snapshot");

      poll.write(
          "GET /v1/services/web/instances?index="
              + index
              + "&wait=15s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      await().atMost(Duration.ofSeconds(10)).until(() -> longPolls(client) == 1);

      long start = System.nanoTime();
      server.close();
      Duration closing = Duration.ofNanos(System.nanoTime() - start);

      RawHttp.Response unavailable = poll.read();
      assertThat(unavailable.status()).isEqualTo(503);
      assertThat(unavailable.head().toLowerCase(Locale.ROOT)).contains("connection: close");
      assertThat(unavailable.body())
          .isEqualTo(
              "{\"error\":{\"code\":\"UNAVAILABLE\",\"message\":\"the server is shutting down\"}}");
      assertThat(poll.closedByServer()).isTrue();

      // The stream's body ends (the last, empty chunk) before the connection does.
      assertThat(sse.readUntil("0\r\n\r\n")).doesNotContain("event: ");
      assertThat(sse.closedByServer()).isTrue();

      assertThat(closing).isLessThan(Duration.ofSeconds(5));
    }
  }

  private static long revision(String body) {
    Matcher m = REVISION.matcher(body);
    assertThat(m.find()).as("a revision in %s", body).isTrue();
    return Long.parseLong(m.group(1));
  }

  private static double longPolls(RawHttp client) throws IOException {
    client.write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    RawHttp.Response r = client.read();
    Matcher m = LONG_POLLS.matcher(r.body());
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }
}
