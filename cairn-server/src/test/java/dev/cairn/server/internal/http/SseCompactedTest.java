package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.server.core.RegistryOptions;
import dev.cairn.server.internal.http.SseClient.Event;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An SSE watch resumed from a revision the (here tiny) event history no longer reaches. */
class SseCompactedTest {

  @RegisterExtension
  final HttpApiFixture api =
      new HttpApiFixture(
          HttpApiSettings.defaults(),
          null,
          RegistryOptions.builder().watchHistory(2, Long.MAX_VALUE).build());

  @Test
  void aCompactedResumeSaysSoThenSendsASnapshot() throws Exception {
    long seen =
        api.register("web", "a", "{\"address\":\"10.0.0.1\"}").json().get("revision").asLong();
    api.register("web", "b", "{\"address\":\"10.0.0.2\"}");
    api.register("web", "c", "{\"address\":\"10.0.0.3\"}");
    long last =
        api.register("web", "d", "{\"address\":\"10.0.0.4\"}").json().get("revision").asLong();

    try (SseClient sse =
        SseClient.open(
            api.client(),
            api.request("/v1/watch/services/web")
                .header("Last-Event-ID", Long.toString(seen))
                .timeout(Duration.ofMinutes(1))
                .build())) {
      Event compacted = sse.next();
      assertThat(compacted.event()).isEqualTo("compacted");
      assertThat(compacted.data().get("compactRevision").asLong()).isEqualTo(last - 2);
      Event snapshot = sse.next();
      assertThat(snapshot.event()).isEqualTo("snapshot");
      assertThat(snapshot.id()).isEqualTo(last);
      assertThat(CatalogEndpointsTest.ids(snapshot.data())).containsExactly("a", "b", "c", "d");
    }
  }
}
