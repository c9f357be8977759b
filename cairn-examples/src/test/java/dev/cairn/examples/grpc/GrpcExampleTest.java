package dev.cairn.examples.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.client.CairnClient;
import dev.cairn.grpc.CairnGrpc;
import dev.cairn.grpc.CairnGrpcServer;
import dev.cairn.server.CairnServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The example's server and client against a real registry, in one process. */
class GrpcExampleTest {

  @Test
  void theClientReachesBothServers() throws Exception {
    try (CairnServer registry = CairnServer.builder().inMemory().grpcPort(0).httpPort(0).start();
        CairnClient client =
            CairnClient.builder()
                .registries("127.0.0.1:" + registry.grpcAddress().getPort())
                .shutdownHook(false)
                .build();
        CairnGrpcServer a = dev.cairn.examples.grpc.server.Main.start(client, "hello-a");
        CairnGrpcServer b = dev.cairn.examples.grpc.server.Main.start(client, "hello-b");
        AutoCloseable installed = CairnGrpc.useClient(client)) {
      a.registration().registered().join();
      b.registration().registered().join();
      ByteArrayOutputStream printed = new ByteArrayOutputStream();

      Map<String, Integer> answered =
          dev.cairn.examples.grpc.client.Main.run(
              40, Duration.ZERO, new PrintStream(printed, true, StandardCharsets.UTF_8));

      assertThat(answered).doesNotContainKey("failed");
      assertThat(answered.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(40);
      assertThat(printed.toString(StandardCharsets.UTF_8)).contains("Hello, call 1, from hello-");
    }
  }
}
