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

  // Decision 0224: the KV store is empty and never changes, so a blocking read of it (Spring Cloud
  // Consul Config's watch) waits out its wait, holding a watch, rather than answering at once and
  // being asked again.
  @Test
  void aBlockingKvReadWaitsAndHoldsAWatchUntilItsClientGoes() throws Exception {
    try (CairnServer server = base().maxWatchesPerClient(1).start()) {
      int port = port(server, 0);
      server
          .registry()
          .register("default", Instance.builder("web", "10.0.0.1").port("http", 80).build())
          .join();
      long index = server.registry().services("default").revision();
      String blockingCatalog = "/v1/catalog/services?index=" + index + "&wait=10ms";
      try (Socket held = new Socket("127.0.0.1", port)) {
        held.setSoTimeout(30_000);
        send(held, "/v1/kv/config/hello-app/?recurse&index=1&wait=5m", "127.0.0.1", false);
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> status(port, blockingCatalog, "127.0.0.1") == 429);
      }
      // Its client gone, the read gives its watch back.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> status(port, blockingCatalog, "127.0.0.1") == 200);
    }
  }

  @Test
  void aWaitingBlockingQueryHoldsOneOfItsTokensWatchesSharedWithTheApi() throws Exception {
    // One watch per token, counted once across the server's API and its front doors.
    try (CairnServer server = base().acl(true).maxPerToken(1, 0).start()) {
      int consul = port(server, 0);
      int api = server.httpAddress().getPort();
      String token = server.registry().acls().bootstrap().join().secret();
      server
          .registry()
          .acls()
          .createPolicy(new dev.cairn.server.core.acl.Policy("nothing", "", List.of()))
          .join();
      String other =
          server.registry().acls().createToken("other", List.of("nothing")).join().secret();
      server
          .registry()
          .register("default", Instance.builder("web", "10.0.0.1").port("http", 80).build())
          .join();
      long index = server.registry().services("default").revision();
      String briefWait = "/v1/catalog/services?index=" + index + "&wait=10ms";
      String consulToken = "X-Consul-Token: " + token;
      String apiToken = "X-Cairn-Token: " + token;

      // The API's event stream holds the token's one watch: a blocking query with the same token
      // is refused at once, 429 with Retry-After, as Consul's clients expect of a limit.
      try (Socket apiWatch = new Socket("127.0.0.1", api)) {
        apiWatch.setSoTimeout(30_000);
        assertThat(exchange(apiWatch, "/v1/watch/services", "127.0.0.1", false, apiToken))
            .startsWith("HTTP/1.1 200");
        String refused = exchange(consul, briefWait, consulToken);
        assertThat(refused).startsWith("HTTP/1.1 429").containsIgnoringCase("retry-after: 1");
        assertThat(refused).contains("per token").contains("open with token");
        // Another token has its own count; a query that does not wait is no watch.
        assertThat(status(consul, briefWait, "X-Consul-Token: " + other)).isEqualTo(200);
        assertThat(status(consul, "/v1/catalog/services", consulToken)).isEqualTo(200);
      }
      // The event stream's connection closed: its watch is given back.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> status(consul, briefWait, consulToken) == 200);

      // A waiting blocking query holds it now: the API's event stream is refused ...
      try (Socket held = new Socket("127.0.0.1", consul)) {
        held.setSoTimeout(30_000);
        send(
            held,
            "/v1/catalog/services?index=" + index + "&wait=5m",
            "127.0.0.1",
            false,
            consulToken);
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> status(api, "/v1/watch/services", apiToken) == 429);
      }
      // ... until the client that waits goes away: closing its connection ends the query, and the
      // token's watch is counted back down.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> status(api, "/v1/watch/services", apiToken) == 200);
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

  /**
   * The status of one request on a new connection, with {@code host} as its Host header (or, when
   * it contains a colon and a space, as one more header line).
   */
  private static int status(int port, String path, String host) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(30_000);
      String head =
          host.contains(": ")
              ? exchange(s, path, "127.0.0.1", true, host)
              : exchange(s, path, host, true);
      return Integer.parseInt(head.substring(9, 12));
    }
  }

  /** The whole answer (head and body) to one request on a new connection, with {@code header}. */
  private static String exchange(int port, String path, String header) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(30_000);
      send(s, path, "127.0.0.1", true, header);
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  private static void send(Socket s, String path, String host, boolean close, String... headers)
      throws IOException {
    StringBuilder request =
        new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: ").append(host);
    request.append("\r\n");
    for (String h : headers) {
      request.append(h).append("\r\n");
    }
    if (close) {
      request.append("Connection: close\r\n");
    }
    OutputStream out = s.getOutputStream();
    out.write(request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  /** Sends a GET and reads the answer's status line and headers. */
  private static String exchange(
      Socket s, String path, String host, boolean close, String... headers) throws IOException {
    send(s, path, host, close, headers);
    BufferedReader in =
        new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
    StringBuilder head = new StringBuilder();
    for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
      head.append(line).append('\n');
    }
    return head.toString();
  }
}
