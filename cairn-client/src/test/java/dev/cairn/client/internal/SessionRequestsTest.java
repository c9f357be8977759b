package dev.cairn.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Instance;
import dev.cairn.proto.v1.RegisterInstance;
import dev.cairn.proto.v1.SessionRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Registrations encoded once and sent under a new request id are what the generated code sends. */
class SessionRequestsTest {

  private static final Instance INSTANCE =
      Instance.builder("orders", "10.0.0.7")
          .id("orders-1")
          .ports(Map.of("http", 8080, "grpc", 9090))
          .tags(java.util.List.of("blue"))
          .metadata(Map.of("version", "1.4.2", "team", "payments"))
          .zone("eu-1")
          .build();

  @Test
  void aRegistrationIsEncodedByteForByteAsTheGeneratedMessage() throws Exception {
    byte[] body = SessionRequests.registerBody("prod", Protos.forSession(INSTANCE));
    for (long id : new long[] {1, 127, 128, 300_000, Long.MAX_VALUE}) {
      SessionRequest generated =
          SessionRequest.newBuilder()
              .setRegister(
                  RegisterInstance.newBuilder()
                      .setRequestId(id)
                      .setNamespace("prod")
                      .setInstance(Protos.forSession(INSTANCE)))
              .build();

      byte[] sent = SessionRequests.register(id, body);

      assertThat(sent).isEqualTo(generated.toByteArray());
      assertThat(SessionRequest.parseFrom(sent)).isEqualTo(generated);
    }
  }

  @Test
  void theMethodSendsTheBytesGiven() throws Exception {
    byte[] bytes =
        SessionRequests.register(
            7, SessionRequests.registerBody("default", Protos.forSession(INSTANCE)));

    byte[] streamed = SessionRequests.METHOD.streamRequest(bytes).readAllBytes();

    assertThat(streamed).isEqualTo(bytes);
    assertThat(SessionRequests.METHOD.getFullMethodName())
        .isEqualTo(dev.cairn.proto.v1.RegistryGrpc.getSessionMethod().getFullMethodName());
  }
}
