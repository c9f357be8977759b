package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.common.Instance;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A watcher that stops reading makes its connection unwritable; the registry then holds its events,
 * drops them when its buffer overflows, and resyncs it with a snapshot once it reads again. What it
 * ends up holding is the registry's state.
 */
class SseBackpressureTest {

  private static final int INSTANCES = 5_000;

  @RegisterExtension final HttpApiFixture api = new HttpApiFixture();

  @Test
  void slowWatcherIsResyncedAndConverges() throws Exception {
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(4096);
      socket.setSoTimeout(30_000);
      socket.connect(new InetSocketAddress("127.0.0.1", api.server().localAddress().getPort()));
      socket
          .getOutputStream()
          .write(
              "GET /v1/watch/services/web HTTP/1.1\r\nHost: x\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");

      // While nothing reads the socket, register enough large instances to fill every buffer.
      register();
      long target = api.registry().revision();

      Set<String> held = new HashSet<>();
      int snapshots = 0;
      long lastId = -1;
      String event = null;
      boolean caughtUp = false;
      while (!caughtUp) {
        String line = in.readLine();
        assertThat(line).as("stream ended early").isNotNull();
        if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("id: ")) {
          lastId = Long.parseLong(line.substring(4));
        } else if (line.startsWith("data: ")) {
          JsonNode data = HttpApiFixture.JSON.readTree(line.substring(6));
          if ("snapshot".equals(event)) {
            snapshots++;
            held.clear();
            data.get("instances").forEach(i -> held.add(i.get("id").asText()));
          } else if ("removed".equals(event)) {
            held.remove(data.at("/instance/id").asText());
          } else {
            held.add(data.at("/instance/id").asText());
          }
          caughtUp = lastId >= target;
        }
      }

      assertThat(snapshots).as("initial snapshot plus at least one resync").isGreaterThan(1);
      assertThat(held).hasSize(INSTANCES);
    }
  }

  private void register() {
    Map<String, String> metadata = new TreeMap<>();
    for (int k = 0; k < 7; k++) {
      metadata.put("k" + k, "v".repeat(500));
    }
    List<CompletableFuture<Instance>> done = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) {
      done.add(
          api.registry()
              .register(
                  "default",
                  Instance.builder("web", "10.0.0.1").id("i-" + i).metadata(metadata).build()));
    }
    CompletableFuture.allOf(done.toArray(new CompletableFuture<?>[0])).join();
  }
}
