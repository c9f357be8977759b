package dev.cairn.loadgen.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.proto.v1.Instance;
import dev.cairn.proto.v1.RegisterInstance;
import dev.cairn.proto.v1.SessionRequest;
import org.junit.jupiter.api.Test;

class EncodedRegistrationTest {

  @Test
  void encodesTheSameRequestAGeneratedClientWould() throws Exception {
    Instance instance = Instances.of("w1-007", Instances.id("e", 7), 7);
    EncodedRegistration encoded = EncodedRegistration.of("default", instance);

    for (long requestId : new long[] {1, 300, Long.MAX_VALUE}) {
      SessionRequest expected =
          SessionRequest.newBuilder()
              .setRegister(
                  RegisterInstance.newBuilder()
                      .setRequestId(requestId)
                      .setNamespace("default")
                      .setInstance(instance))
              .build();
      assertThat(SessionRequest.parseFrom(encoded.request(requestId))).isEqualTo(expected);
    }
  }
}
