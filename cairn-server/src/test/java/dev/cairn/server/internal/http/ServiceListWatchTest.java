package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.server.internal.http.SseClient.Event;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ServiceListWatchTest {

  @RegisterExtension final HttpApiFixture api = new HttpApiFixture();

  @Test
  void streamsTheListThenEveryChangeOfTheNamespace() throws Exception {
    long first =
        api.register("web", "a", "{\"address\":\"10.0.0.1\"}").json().get("revision").asLong();

    try (SseClient sse = watch("/v1/watch/services", 0)) {
      assertThat(sse.response().headers().firstValue("Content-Type")).hasValue("text/event-stream");
      Event list = sse.next();
      assertThat(list.event()).isEqualTo("services");
      assertThat(list.id()).isEqualTo(first);
      assertThat(list.data().get("namespace").asText()).isEqualTo("default");
      assertThat(list.data().at("/services/0/name").asText()).isEqualTo("web");
      assertThat(list.data().at("/services/0/instances").asInt()).isEqualTo(1);

      api.put("/v1/services/web/instances/z?namespace=other", "{\"address\":\"10.0.9.9\"}");
      long added =
          api.register("db", "d", "{\"address\":\"10.0.0.2\",\"health\":\"critical\"}")
              .json()
              .get("revision")
              .asLong();
      Event next = sse.next();
      assertThat(next.event()).isEqualTo("services");
      assertThat(next.id()).isEqualTo(added);
      assertThat(next.data().at("/services/0/name").asText()).isEqualTo("db");
      assertThat(next.data().at("/services/0/passing").asInt()).isZero();
      assertThat(next.data().at("/services/1/name").asText()).isEqualTo("web");
    }
  }

  @Test
  void resumesAfterLastEventIdWithTheNextChangeOnly() throws Exception {
    long seen =
        api.register("web", "a", "{\"address\":\"10.0.0.1\"}").json().get("revision").asLong();

    try (SseClient sse = watch("/v1/watch/services", seen)) {
      long removed = api.delete("/v1/services/web/instances/a").json().get("revision").asLong();
      Event e = sse.next();
      assertThat(e.event()).isEqualTo("services");
      assertThat(e.id()).isEqualTo(removed);
      assertThat(e.data().get("services")).isEmpty();
    }
  }

  @Test
  void rejectsUnknownParametersAndFutureRevisions() {
    HttpApiFixture.Reply typo = api.get("/v1/watch/services?namspace=x");
    assertThat(typo.status()).isEqualTo(400);
    assertThat(typo.errorField()).isEqualTo("namspace");

    HttpApiFixture.Reply future = api.get("/v1/watch/services?index=99");
    assertThat(future.status()).isEqualTo(400);
    assertThat(future.errorField()).isEqualTo("index");
  }

  private SseClient watch(String path, long lastEventId) throws Exception {
    var request = api.request(path).timeout(Duration.ofMinutes(5));
    if (lastEventId > 0) {
      request.header("Last-Event-ID", Long.toString(lastEventId));
    }
    return SseClient.open(api.client(), request.build());
  }
}
