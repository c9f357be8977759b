package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.server.internal.http.SseClient.Event;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /v1/services/{service}/drained} with the HTTP watchers it counts: an SSE stream (by
 * what was flushed to it) and a long-poll client (by its next poll), over real sockets.
 */
class DrainEndpointTest {

  @RegisterExtension final HttpApiFixture api = new HttpApiFixture();

  private long register(String id) {
    return api.register("web", id, "{\"address\":\"10.0.0.1\"}").json().get("revision").asLong();
  }

  private JsonNode drained(long revision, String timeout) {
    HttpApiFixture.Reply r =
        api.get("/v1/services/web/drained?revision=" + revision + "&timeout=" + timeout);
    assertThat(r.status()).isEqualTo(200);
    return r.json();
  }

  @Test
  void anSseWatcherCountsOnceTheRemovalIsFlushedToIt() throws Exception {
    register("a");
    register("b");
    try (SseClient sse =
        SseClient.open(
            api.client(),
            api.request("/v1/watch/services/web").timeout(Duration.ofMinutes(1)).build())) {
      assertThat(sse.next().event()).isEqualTo("snapshot");
      long removal = api.delete("/v1/services/web/instances/a").json().get("revision").asLong();
      JsonNode report = drained(removal, "20s");
      assertThat(report.get("drained").asBoolean()).isTrue();
      assertThat(report.get("watchers").asInt()).isEqualTo(1);
      assertThat(report.get("revision").asLong()).isEqualTo(removal);
      Event e = sse.next();
      assertThat(e.event()).isEqualTo("removed");
    }
  }

  @Test
  void aLongPollClientCountsByItsNextPoll() throws Exception {
    long seen = register("a");
    register("b");
    long listed = register("c");
    try (RawHttp poller = new RawHttp(api.server().localAddress().getPort())) {
      // A poll loop on one keep-alive connection: it has the list at `listed`, and waits.
      poller.write(
          "GET /v1/services/web/instances?index="
              + listed
              + "&wait=30s HTTP/1.1\r\nHost: x\r\n\r\n");
      CompletableFuture<RawHttp.Response> answer =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return poller.read();
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      org.awaitility.Awaitility.await().until(() -> api.registry().pendingWaits() == 1);

      long removal = api.delete("/v1/services/web/instances/a").json().get("revision").asLong();
      assertThat(answer.get().status()).isEqualTo(200); // it got the new list...
      JsonNode before = drained(removal, "300ms"); // ...but has not said so yet
      assertThat(before.get("drained").asBoolean()).isFalse();
      JsonNode pending = before.get("pending").get(0);
      assertThat(pending.get("watcher").asText())
          .startsWith("long-poll 127.0.0.1:")
          .endsWith("(counted by its next poll)");
      assertThat(pending.get("acknowledged").asLong()).isEqualTo(listed);

      poller.write(
          "GET /v1/services/web/instances?index="
              + removal
              + "&wait=30s HTTP/1.1\r\nHost: x\r\n\r\n");
      org.awaitility.Awaitility.await().until(() -> api.registry().pendingWaits() == 1);
      JsonNode after = drained(removal, "20s");
      assertThat(after.get("drained").asBoolean()).isTrue();
      assertThat(after.get("watchers").asInt()).isEqualTo(1);
    }
    assertThat(seen).isLessThan(listed);
  }

  @Test
  void aClosedPollConnectionIsNoLongerCounted() throws Exception {
    long listed = register("a");
    try (RawHttp poller = new RawHttp(api.server().localAddress().getPort())) {
      poller.write(
          "GET /v1/services/web/instances?index="
              + listed
              + "&wait=0s HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(poller.read().status()).isEqualTo(200);
    }
    long removal = api.delete("/v1/services/web/instances/a").json().get("revision").asLong();
    org.awaitility.Awaitility.await()
        .until(() -> drained(removal, "0s").get("drained").asBoolean());
  }

  @Test
  void badParametersAre400NamingThem() {
    HttpApiFixture.Reply missing = api.get("/v1/services/web/drained");
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.json().at("/error/field").asText()).isEqualTo("revision");
    HttpApiFixture.Reply notANumber = api.get("/v1/services/web/drained?revision=x");
    assertThat(notANumber.json().at("/error/field").asText()).isEqualTo("revision");
    HttpApiFixture.Reply tooLong = api.get("/v1/services/web/drained?revision=1&timeout=11m");
    assertThat(tooLong.status()).isEqualTo(400);
    assertThat(tooLong.json().at("/error/field").asText()).isEqualTo("timeout");
    HttpApiFixture.Reply unknown = api.get("/v1/services/web/drained?revision=1&wait=1s");
    assertThat(unknown.json().at("/error/field").asText()).isEqualTo("wait");
  }
}
