package dev.cairn.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The HTTP front doors under the server's {@code Host} allow-list (decision 0168) and per-client
 * abuse limits (decision 0170): connections, blocking queries waiting (watches) and the request
 * rate, each answered 429 with {@code Retry-After} when over.
 */
class FrontDoorLimitsTest {

  @Test
  void aHostThatIsNotOneOfTheServersNamesIsRefused() throws Exception {
    try (CairnServer server = base().allowedHosts(List.of("cairn.internal")).start()) {
      int port = port(server, 0);
      assertThat(status(port, "/v1/status/leader", "evil.example")).isEqualTo(403);
      assertThat(status(port, "/v1/status/leader", "127.0.0.1:" + port)).isEqualTo(200);
      assertThat(status(port, "/v1/status/leader", "localhost")).isEqualTo(200);
      assertThat(status(port, "/v1/status/leader", "cairn.internal:" + port)).isEqualTo(200);
      assertThat(status(port(server, 1), "/eureka/apps", "evil.example")).isEqualTo(403);
      assertThat(status(port(server, 2), "/targets", "evil.example")).isEqualTo(403);
    }
  }

  @Test
  void connectionsBeyondThePerClientLimitAreRefused() throws Exception {
    try (CairnServer server = base().maxConnectionsPerClient(1).start()) {
      int port = port(server, 0);
      try (Socket held = new Socket("127.0.0.1", port)) {
        held.setSoTimeout(30_000);
        // The held connection is served ...
        assertThat(exchange(held, "/v1/status/leader", "127.0.0.1", false))
            .startsWith("HTTP/1.1 200");
        // ... and a second one from the same address is refused.
        try (Socket second = new Socket("127.0.0.1", port)) {
          second.setSoTimeout(30_000);
          String status =
              new BufferedReader(
                      new InputStreamReader(second.getInputStream(), StandardCharsets.ISO_8859_1))
                  .readLine();
          assertThat(status).startsWith("HTTP/1.1 429");
        }
      }
      // Once the held one closed, a new connection is served again.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> status(port, "/v1/status/leader", "127.0.0.1") == 200);
    }
  }

  @Test
  void blockingQueriesBeyondThePerClientWatchLimitAreRefused() throws Exception {
    try (CairnServer server = base().maxWatchesPerClient(1).start()) {
      int port = port(server, 0);
      server
          .registry()
          .register("default", Instance.builder("web", "10.0.0.1").port("http", 80).build())
          .join();
      long index = server.registry().services("default").revision();
      String waitLong = "/v1/catalog/services?index=" + index + "&wait=5m";
      try (Socket held = new Socket("127.0.0.1", port)) {
        held.setSoTimeout(30_000);
        send(held, waitLong, "127.0.0.1", false);
        // Once the held query waits, another blocking query from this address is refused at once.
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    status(port, "/v1/catalog/services?index=" + index + "&wait=10ms", "127.0.0.1")
                        == 429);
        // A query that does not wait is still served.
        assertThat(status(port, "/v1/catalog/services", "127.0.0.1")).isEqualTo(200);
      }
    }
  }

  @Test
  void requestsOverTheRateAreRefusedWithRetryAfter() throws Exception {
    // A burst of 2 and a refill of one request every 100 s: the third request is over.
    try (CairnServer server = base().rateLimit(0.01, 2).start()) {
      int port = port(server, 2);
      assertThat(status(port, "/targets", "127.0.0.1")).isEqualTo(200);
      assertThat(status(port, "/targets", "127.0.0.1")).isEqualTo(200);
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.setSoTimeout(30_000);
        String head = exchange(s, "/targets", "127.0.0.1", true);
        assertThat(head).startsWith("HTTP/1.1 429").containsIgnoringCase("retry-after: ");
      }
    }
  }

  private static CairnServer.Builder base() {
    return CairnServer.builder()
        .inMemory()
        .httpPort(0)
        .grpcPort(0)
        .frontDoor(ConsulApi.frontDoor(0))
        .frontDoor(EurekaApi.frontDoor(0))
        .frontDoor(PrometheusSd.frontDoor(0));
  }

  private static int port(CairnServer server, int door) {
    return server.frontDoors().get(door).address().getPort();
  }

  /** The status of one request on a new connection, with {@code host} as its Host header. */
  private static int status(int port, String path, String host) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(30_000);
      String head = exchange(s, path, host, true);
      return Integer.parseInt(head.substring(9, 12));
    }
  }

  private static void send(Socket s, String path, String host, boolean close) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(
        ("GET "
                + path
                + " HTTP/1.1\r\nHost: "
                + host
                + "\r\n"
                + (close ? "Connection: close\r\n" : "")
                + "\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  /** Sends a GET and reads the answer's status line and headers. */
  private static String exchange(Socket s, String path, String host, boolean close)
      throws IOException {
    send(s, path, host, close);
    BufferedReader in =
        new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
    StringBuilder head = new StringBuilder();
    for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
      head.append(line).append('\n');
    }
    return head.toString();
  }
}
