package dev.cairn.server.internal.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client process killed with SIGKILL: its connection is reset by the kernel, the server sees its
 * session stream break and detaches the session, and its ephemeral instances go.
 */
class KilledClientTest {

  private final TestServer t = TestServer.start();
  private Process client;

  @AfterEach
  void close() {
    if (client != null) {
      client.destroyForcibly();
    }
    t.close();
  }

  @Test
  void theInstancesOfAKilledClientGo() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    client =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                SessionClientMain.class.getName(),
                "127.0.0.1",
                String.valueOf(t.server.grpcAddress().getPort()))
            .redirectErrorStream(true)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null && !line.equals("registered")) {
      // Skip the client's log lines.
    }
    assertThat(line).as("the client registered").isEqualTo("registered");
    assertThat(t.registry().service("default", "victim").instances()).hasSize(1);

    long killedNanos = System.nanoTime();
    client.destroyForcibly();
    assertThat(client.waitFor(30, TimeUnit.SECONDS)).isTrue();

    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(5))
        .until(() -> t.registry().service("default", "victim").instances().isEmpty());
    long goneMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedNanos);
    System.out.println("instances of the killed client gone " + goneMillis + " ms after SIGKILL");
    assertThat(t.registry().sessionCount()).isZero();
  }
}
