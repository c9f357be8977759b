package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.server.internal.http.HttpApiFixture.Reply;
import dev.cairn.server.internal.http.SseClient.Event;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SseWatchTest {

  @RegisterExtension
  final HttpApiFixture api =
      new HttpApiFixture(
          HttpApiSettings.defaults()
              .withSseKeepAlive(Duration.ofMillis(100))
              .withMaxWatchesPerClient(2));

  @Test
  void streamsASnapshotThenEvents() throws Exception {
    long first =
        api.register("web", "a", "{\"address\":\"10.0.0.1\"}").json().get("revision").asLong();

    try (SseClient sse = watch("/v1/watch/services/web")) {
      assertThat(sse.response().statusCode()).isEqualTo(200);
      assertThat(sse.response().headers().firstValue("Content-Type")).hasValue("text/event-stream");
      Event snapshot = sse.next();
      assertThat(snapshot.event()).isEqualTo("snapshot");
      assertThat(snapshot.id()).isEqualTo(first);
      assertThat(snapshot.data().get("revision").asLong()).isEqualTo(first);
      assertThat(CatalogEndpointsTest.ids(snapshot.data())).containsExactly("a");

      long added =
          api.register("web", "b", "{\"address\":\"10.0.0.2\"}").json().get("revision").asLong();
      Event e1 = sse.next();
      assertThat(e1.event()).isEqualTo("added");
      assertThat(e1.id()).isEqualTo(added);
      assertThat(e1.data().get("revision").asLong()).isEqualTo(added);
      assertThat(e1.data().at("/instance/id").asText()).isEqualTo("b");

      long updated =
          api.register("web", "b", "{\"address\":\"10.0.0.3\"}").json().get("revision").asLong();
      Event e2 = sse.next();
      assertThat(e2.event()).isEqualTo("updated");
      assertThat(e2.id()).isEqualTo(updated);
      assertThat(e2.data().at("/instance/address").asText()).isEqualTo("10.0.0.3");

      long removed = api.delete("/v1/services/web/instances/a").json().get("revision").asLong();
      Event e3 = sse.next();
      assertThat(e3.event()).isEqualTo("removed");
      assertThat(e3.id()).isEqualTo(removed);
      assertThat(e3.data().at("/instance/id").asText()).isEqualTo("a");
    }
  }

  @Test
  void resumesAfterLastEventIdWithEventsOnly() throws Exception {
    api.register("web", "a", "{\"address\":\"10.0.0.1\"}");
    long seen =
        api.register("web", "b", "{\"address\":\"10.0.0.2\"}").json().get("revision").asLong();

    try (SseClient sse = watchFrom("/v1/watch/services/web?index=1", seen)) {
      long removed = api.delete("/v1/services/web/instances/a").json().get("revision").asLong();
      Event e = sse.next();
      assertThat(e.event()).isEqualTo("removed");
      assertThat(e.id()).isEqualTo(removed);
      assertThat(e.data().at("/instance/id").asText()).isEqualTo("a");
    }
  }

  @Test
  void resumingAfterMissedChangesReplaysThem() throws Exception {
    api.register("web", "a", "{\"address\":\"10.0.0.1\"}");
    long seen =
        api.register("web", "b", "{\"address\":\"10.0.0.2\"}").json().get("revision").asLong();
    long missed = api.delete("/v1/services/web/instances/a").json().get("revision").asLong();

    try (SseClient sse = watchFrom("/v1/watch/services/web", seen)) {
      Event e = sse.next();
      assertThat(e.event()).isEqualTo("removed");
      assertThat(e.id()).isEqualTo(missed);
      assertThat(e.data().at("/instance/id").asText()).isEqualTo("a");
    }
  }

  @Test
  void resumesAfterIndexParameter() throws Exception {
    long seen =
        api.register("web", "a", "{\"address\":\"10.0.0.1\"}").json().get("revision").asLong();

    try (SseClient sse = watch("/v1/watch/services/web?index=" + seen)) {
      long next =
          api.register("web", "b", "{\"address\":\"10.0.0.2\"}").json().get("revision").asLong();
      Event e = sse.next();
      assertThat(e.event()).isEqualTo("added");
      assertThat(e.id()).isEqualTo(next);
    }
  }

  @Test
  void sendsKeepaliveComments() throws Exception {
    try (SseClient sse = watch("/v1/watch/services/web")) {
      assertThat(sse.nextAny().event()).isEqualTo("snapshot");
      assertThat(sse.nextAny().comment()).isEqualTo(": keepalive");
    }
  }

  @Test
  void limitsWatchesPerClientAddressAndReleasesOnClose() throws Exception {
    SseClient one = watch("/v1/watch/services/web");
    try (SseClient two = watch("/v1/watch/services/db")) {
      assertThat(one.next().event()).isEqualTo("snapshot");
      assertThat(two.next().event()).isEqualTo("snapshot");

      Reply third = api.get("/v1/watch/services/web");
      assertThat(third.status()).isEqualTo(429);
      assertThat(third.errorCode()).isEqualTo("RESOURCE_EXHAUSTED");
      assertThat(third.errorField()).isEqualTo("watches");

      one.close();
      await().atMost(Duration.ofSeconds(10)).until(() -> api.server().openStreams() == 1);
      try (SseClient again = watch("/v1/watch/services/web")) {
        assertThat(again.response().statusCode()).isEqualTo(200);
        assertThat(again.next().event()).isEqualTo("snapshot");
      }
    }
  }

  @Test
  void futureIndexIsRejected() {
    long rev =
        api.register("web", "a", "{\"address\":\"10.0.0.1\"}").json().get("revision").asLong();

    Reply r = api.get("/v1/watch/services/web?index=" + (rev + 1));

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.errorField()).isEqualTo("index");
    assertThat(api.server().openStreams()).isZero();
  }

  @Test
  void closingTheRegistryEndsStreams() throws Exception {
    try (SseClient sse = watch("/v1/watch/services/web")) {
      assertThat(sse.next().event()).isEqualTo("snapshot");

      api.registry().close();

      assertThat(sse.ended()).isTrue();
      await().atMost(Duration.ofSeconds(10)).until(() -> api.server().openStreams() == 0);
    }
  }

  @Test
  void closingTheServerEndsStreams() throws Exception {
    try (SseClient sse = watch("/v1/watch/services/web")) {
      assertThat(sse.next().event()).isEqualTo("snapshot");

      api.server().close();

      assertThat(sse.ended()).isTrue();
      assertThat(api.server().openStreams()).isZero();
    }
  }

  private SseClient watchFrom(String path, long lastEventId) throws Exception {
    return SseClient.open(
        api.client(),
        api.request(path)
            .header("Last-Event-ID", Long.toString(lastEventId))
            .timeout(Duration.ofMinutes(5))
            .build());
  }

  private SseClient watch(String path) throws Exception {
    return SseClient.open(api.client(), api.request(path).timeout(Duration.ofMinutes(5)).build());
  }
}
