package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.server.core.Registry;
import dev.cairn.server.core.RegistryOptions;
import dev.cairn.server.core.log.MemoryCommandLog;
import dev.cairn.server.internal.http.HttpApiFixture.Reply;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class HttpApiServerTest {

  @RegisterExtension final HttpApiFixture api = new HttpApiFixture();

  @Test
  void bindsAnEphemeralPort() {
    assertThat(api.server().localAddress().getPort()).isPositive();
    assertThat(api.get("/v1/status").status()).isEqualTo(200);
  }

  @Test
  void bindingABusyPortFails() {
    InetSocketAddress busy = api.server().localAddress();

    assertThatThrownBy(() -> HttpApiServer.start(api.registry(), busy, Instant.now()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(busy.toString());
  }

  @Test
  void closeIsIdempotentAndReleasesThePort() throws Exception {
    InetSocketAddress address = api.server().localAddress();

    api.server().close();
    api.server().close();

    try (Registry registry = Registry.start(new MemoryCommandLog(), RegistryOptions.defaults());
        HttpApiServer again = HttpApiServer.start(registry, address, Instant.now())) {
      assertThat(again.localAddress()).isEqualTo(address);
    }
  }

  @Test
  void closeAnswersPendingLongPollsWith503() throws Exception {
    long index =
        api.register("web", "a", "{\"address\":\"10.0.0.1\"}").json().get("revision").asLong();
    CompletableFuture<Reply> poll =
        api.sendAsync(
            api.request("/v1/services/web/instances?index=" + index + "&wait=5m").GET().build());
    await().atMost(Duration.ofSeconds(10)).until(() -> api.server().pendingPolls() == 1);

    api.server().close();

    Reply unavailable = poll.get(10, TimeUnit.SECONDS);
    assertThat(unavailable.status()).isEqualTo(503);
    assertThat(unavailable.json().path("error").path("code").asText()).isEqualTo("UNAVAILABLE");
    assertThat(unavailable.json().path("error").path("message").asText())
        .isEqualTo("the server is shutting down");
    assertThat(api.server().pendingPolls()).isZero();
  }

  @Test
  void beginShutdownStopsAcceptingButServesOpenConnections() throws Exception {
    try (RawHttp open = new RawHttp(api.server().localAddress().getPort())) {
      open.write("GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(open.read().status()).isEqualTo(200);

      api.server().beginShutdown();

      assertThat(servesANewConnection(api.server().localAddress().getPort())).isFalse();
      open.write("GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(open.read().status()).isEqualTo(200);
    }
  }

  // A refused connect is the usual answer; on Linux a connect to a closed ephemeral port can also
  // connect the socket to itself, and NIO closes the listening socket only when the I/O thread next
  // polls, so the kernel may still take the connection for a moment: neither serves anything.
  private static boolean servesANewConnection(int port) {
    try (RawHttp fresh = new RawHttp(port)) {
      fresh.write("GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n");
      return fresh.read().status() == 200;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
