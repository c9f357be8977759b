package dev.cairn.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Instance;
import dev.cairn.proto.v1.GetServiceRequest;
import dev.cairn.proto.v1.RegistryGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One in-memory server for the whole class, on a static field. */
class CairnServerExtensionTest {

  @RegisterExtension static CairnServerExtension server = CairnServerExtension.inMemory();

  @Test
  void servesGrpcOnTheTarget() {
    server
        .registry()
        .register("default", Instance.builder("web", "10.0.0.1").id("w1").build())
        .join();
    ManagedChannel channel =
        ManagedChannelBuilder.forTarget(server.grpcTarget()).usePlaintext().build();
    try {
      assertThat(
              RegistryGrpc.newBlockingStub(channel)
                  .getService(GetServiceRequest.newBuilder().setService("web").build())
                  .getInstancesList())
          .extracting(i -> i.getId())
          .containsExactly("w1");
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void servesHttpOnTheUri() throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(server.httpUri().resolve("/v1/status"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"revision\"");
  }

  @Test
  void namesLoopbackAndAnEphemeralPort() {
    assertThat(server.grpcTarget()).matches("127\\.0\\.0\\.1:\\d+").doesNotEndWith(":8501");
    assertThat(server.httpUri().toString()).matches("http://127\\.0\\.0\\.1:\\d+");
  }
}
