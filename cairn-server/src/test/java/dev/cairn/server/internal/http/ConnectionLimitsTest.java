package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Instance;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Connections that hold the server without using it are closed, and one client address cannot hold
 * more than its share: the request and idle timeouts (short here) and the per-address cap. The
 * tests only wait for the server to act; they assert what it did, never how fast.
 */
class ConnectionLimitsTest {

  private static final int MAX_CONNECTIONS = 3;

  @RegisterExtension
  final HttpApiFixture api =
      new HttpApiFixture(
          HttpApiSettings.defaults()
              .withRequestTimeout(Duration.ofMillis(300))
              .withIdleTimeout(Duration.ofMillis(300))
              .withSseKeepAlive(Duration.ofMinutes(5))
              .withMaxConnectionsPerClient(MAX_CONNECTIONS));

  @Test
  void aStalledChunkedBodyIs408AndTheConnectionCloses() throws Exception {
    try (RawHttp http = raw()) {
      http.write(
          "PUT /v1/services/web/instances/a HTTP/1.1\r\nHost: x\r\n"
              + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
              + "5\r\n{\"add");

      RawHttp.Response r = http.read();
      assertThat(r.status()).isEqualTo(408);
      assertThat(r.body()).contains("\"field\":\"request\"", "DEADLINE_EXCEEDED");
      assertThat(http.closedByServer()).isTrue();
    }
    assertThat(api.registry().service("default", "web").instances()).isEmpty();
  }

  @Test
  void headersSentAByteAtATimeAre408() throws Exception {
    try (RawHttp http = raw()) {
      http.write("GET /v1/status HTTP/1.1\r\nHo");

      assertThat(http.read().status()).isEqualTo(408);
      assertThat(http.closedByServer()).isTrue();
    }
  }

  @Test
  void anIdleConnectionIsClosedAfterItsLastAnswer() throws Exception {
    try (RawHttp http = raw()) {
      http.write("GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(http.read().status()).isEqualTo(200);

      assertThat(http.closedByServer()).isTrue();
    }
  }

  @Test
  void aLongPollLongerThanTheIdleTimeoutIsAnsweredAndTheConnectionServesOn() throws Exception {
    api.registry().register("default", Instance.builder("web", "10.0.0.1").id("a").build()).join();
    long index = api.registry().revision();
    try (RawHttp http = raw()) {
      http.write(
          "GET /v1/services/web/instances?index=" + index + "&wait=1m HTTP/1.1\r\nHost: x\r\n\r\n");
      await().atMost(Duration.ofSeconds(10)).until(() -> api.server().pendingPolls() == 1);
      // A connection opened after the poll started went idle and was closed: had the poll's
      // connection been subject to the idle timeout, it would have been closed before.
      awaitAnIdleConnectionClosed();
      assertThat(api.server().pendingPolls()).isEqualTo(1);
      api.registry().register("default", Instance.builder("web", "10.0.0.2").id("b").build());

      assertThat(http.read().body()).contains("\"b\"");
      http.write("GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(http.read().status()).isEqualTo(200);
    }
  }

  @Test
  void anEventStreamIsNeverIdle() throws Exception {
    try (RawHttp http = raw()) {
      http.write("GET /v1/watch/services/web HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(http.readHead()).startsWith("HTTP/1.1 200");
      await().atMost(Duration.ofSeconds(10)).until(() -> api.server().openStreams() == 1);
      awaitAnIdleConnectionClosed();

      api.registry().register("default", Instance.builder("web", "10.0.0.1").id("a").build());

      assertThat(http.readUntil("event: added")).isNotEmpty();
      assertThat(http.readUntil("\n\n")).contains("\"a\"");
      assertThat(api.server().openStreams()).isEqualTo(1);
    }
  }

  @Test
  void oneAddressHoldsAtMostItsShareOfConnections() throws Exception {
    api.registry().register("default", Instance.builder("web", "10.0.0.1").id("a").build()).join();
    long index = api.registry().revision();
    List<RawHttp> held = new ArrayList<>();
    try {
      for (int i = 0; i < MAX_CONNECTIONS; i++) {
        RawHttp http = raw();
        held.add(http);
        // A long-poll: neither idle nor answered for a minute.
        http.write("GET /v1/services?index=" + index + "&wait=1m HTTP/1.1\r\nHost: x\r\n\r\n");
        int polls = i + 1;
        await().atMost(Duration.ofSeconds(10)).until(() -> api.server().pendingPolls() == polls);
      }
      try (RawHttp refused = raw()) {
        RawHttp.Response r = refused.read();
        assertThat(r.status()).isEqualTo(429);
        assertThat(r.body())
            .contains(
                "\"field\":\"connections\"", "RESOURCE_EXHAUSTED", "at most " + MAX_CONNECTIONS);
        assertThat(refused.closedByServer()).isTrue();
      }
    } finally {
      for (RawHttp h : held) {
        h.close();
      }
    }
    // Their places are given back when they close.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              try (RawHttp again = raw()) {
                again.write("GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(again.read().status()).isEqualTo(200);
              }
            });
  }

  /** Opens a connection, sends one request, and waits until the server closes it as idle. */
  private void awaitAnIdleConnectionClosed() throws IOException {
    try (RawHttp other = raw()) {
      other.write("GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(other.read().status()).isEqualTo(200);
      assertThat(other.closedByServer()).isTrue();
    }
  }

  private RawHttp raw() throws IOException {
    return new RawHttp(api.server().localAddress().getPort());
  }
}
