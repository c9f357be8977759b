package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Instance;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;

/**
 * Coverage-guided fuzzing of the HTTP API's JSON request bodies (docs/fuzzing.md). The first byte
 * picks the body's kind (an instance registration, with or without {@code ?session=}, a health
 * report, service settings, a session), the rest is the body. The only refusal allowed is an {@code
 * INVALID_ARGUMENT} naming a field, whose error body encodes; a registration that is read is
 * written back by {@link JsonBodies} and read again to the same instance. Corpus: {@code
 * JsonRequestsFuzzTestInputs/} under the test resources.
 */
class JsonRequestsFuzzTest {

  @DictionaryEntries({
    "\"id\"",
    "\"service\"",
    "\"address\"",
    "\"ports\"",
    "\"tags\"",
    "\"metadata\"",
    "\"weight\"",
    "\"zone\"",
    "\"health\"",
    "\"kind\"",
    "\"session\"",
    "\"check\"",
    "\"type\"",
    "\"port\"",
    "\"path\"",
    "\"interval\"",
    "\"timeout\"",
    "\"rise\"",
    "\"fall\"",
    "\"ttl\"",
    "\"name\"",
    "\"protectionThreshold\"",
    "\"passing\"",
    "\"critical\"",
    "\"ephemeral\"",
    "\"persistent\"",
    "\"http\"",
    "\"grpc\"",
    "\"tcp\"",
    "ms\"",
    "s\"",
    "m\"",
    "h\"",
    "\\u0000",
    "1e308",
    "-0.0",
    "null",
    "true"
  })
  @FuzzTest
  void parse(byte[] input) {
    if (input.length == 0) {
      return;
    }
    int kind = input[0] & 0xff;
    ByteBuf body = Unpooled.wrappedBuffer(Arrays.copyOfRange(input, 1, input.length));
    try {
      switch (kind % 5) {
        case 0 -> registration(body, null);
        case 1 -> registration(body, "s-1");
        case 2 -> JsonRequests.healthReport(body);
        case 3 -> {
          Double threshold = JsonRequests.serviceConfig(body);
          assertThat(threshold == null || (threshold >= 0 && threshold <= 1)).isTrue();
        }
        default -> {
          JsonRequests.SessionRequest s = JsonRequests.session(body);
          assertThat(s.ttlMillis()).isPositive();
          assertThat(s.name()).isNotNull();
        }
      }
    } catch (CairnException e) {
      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
      assertThat(e.field()).isNotNull();
      assertThat(JsonBodies.error(e.code(), e.field(), e.getMessage())).isNotEmpty();
    }
  }

  private static void registration(ByteBuf body, String session) {
    Instance read = JsonRequests.instance(body, "web", "web-1", session);
    byte[] written = JsonBodies.encode(g -> JsonBodies.writeInstance(g, read));
    Instance again =
        JsonRequests.instance(Unpooled.wrappedBuffer(written), "web", "web-1", session);
    assertThat(again).isEqualTo(read);
  }
}
