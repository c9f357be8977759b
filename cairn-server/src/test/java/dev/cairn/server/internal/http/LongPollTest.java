package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.server.internal.http.HttpApiFixture.Reply;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class LongPollTest {

  @RegisterExtension final HttpApiFixture api = new HttpApiFixture();

  @Test
  void instancesPollWakesOnChange() throws Exception {
    long index =
        api.register("web", "a", "{\"address\":\"10.0.0.1\"}").json().get("revision").asLong();

    CompletableFuture<Reply> poll =
        api.sendAsync(
            api.request("/v1/services/web/instances?index=" + index + "&wait=1m").GET().build());
    assertThat(poll).isNotDone();
    long changed =
        api.register("web", "b", "{\"address\":\"10.0.0.2\"}").json().get("revision").asLong();

    Reply r = poll.get(10, TimeUnit.SECONDS);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.index()).isEqualTo(changed);
    assertThat(CatalogEndpointsTest.ids(r.json())).containsExactly("a", "b");
  }

  @Test
  void instancesPollAnswersUnchangedAtTheWait() throws Exception {
    long index =
        api.register("web", "a", "{\"address\":\"10.0.0.1\"}").json().get("revision").asLong();
    api.register("other", "x", "{\"address\":\"10.0.0.9\"}");

    Reply r = api.get("/v1/services/web/instances?index=" + index + "&wait=300ms");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.index()).isEqualTo(index);
    assertThat(CatalogEndpointsTest.ids(r.json())).containsExactly("a");
  }

  @Test
  void indexBehindTheServiceAnswersAtOnce() {
    long index =
        api.register("web", "a", "{\"address\":\"10.0.0.1\"}").json().get("revision").asLong();

    Reply r = api.get("/v1/services/web/instances?index=" + (index - 1) + "&wait=10m");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.index()).isEqualTo(index);
  }

  @Test
  void servicesPollWakesWhenAServiceAppears() throws Exception {
    long index =
        api.register("web", "a", "{\"address\":\"10.0.0.1\"}").json().get("revision").asLong();
    long listIndex = api.get("/v1/services").index();

    CompletableFuture<Reply> poll =
        api.sendAsync(api.request("/v1/services?index=" + index + "&wait=1m").GET().build());
    assertThat(listIndex).isEqualTo(index);
    assertThat(poll).isNotDone();
    api.register("db", "a", "{\"address\":\"10.0.0.2\"}");

    Reply r = poll.get(10, TimeUnit.SECONDS);
    assertThat(r.index()).isGreaterThan(index);
    assertThat(r.json().get("services")).hasSize(2);
  }

  @Test
  void servicesPollAnswersUnchangedAtTheWait() {
    long index =
        api.register("web", "a", "{\"address\":\"10.0.0.1\"}").json().get("revision").asLong();

    Reply r = api.get("/v1/services?index=" + index + "&wait=200ms");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.index()).isEqualTo(index);
    assertThat(r.json().get("services")).hasSize(1);
  }

  @Test
  void pipelinedRequestsWaitForThePollAndAreAnsweredInOrder() throws Exception {
    long index =
        api.register("web", "a", "{\"address\":\"10.0.0.1\"}").json().get("revision").asLong();

    try (RawHttp http = new RawHttp(api.server().localAddress().getPort())) {
      http.write(
          "GET /v1/services/web/instances?index="
              + index
              + "&wait=1m HTTP/1.1\r\nHost: x\r\n\r\n"
              + "GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n");
      await().atMost(Duration.ofSeconds(10)).until(() -> api.server().pendingPolls() == 1);
      api.delete("/v1/services/web/instances/a");

      RawHttp.Response first = http.read();
      RawHttp.Response second = http.read();
      assertThat(first.status()).isEqualTo(200);
      assertThat(first.body()).contains("\"instances\":[]");
      assertThat(second.status()).isEqualTo(200);
      assertThat(second.body()).contains("\"version\"");
    }
  }

  @Test
  void closingTheConnectionEndsThePoll() throws Exception {
    long index =
        api.register("web", "a", "{\"address\":\"10.0.0.1\"}").json().get("revision").asLong();

    try (Socket socket = new Socket("127.0.0.1", api.server().localAddress().getPort())) {
      socket
          .getOutputStream()
          .write(
              ("GET /v1/services/web/instances?index="
                      + index
                      + "&wait=1m HTTP/1.1\r\n"
                      + "Host: 127.0.0.1\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      await().atMost(Duration.ofSeconds(10)).until(() -> api.server().pendingPolls() == 1);
    }

    await().atMost(Duration.ofSeconds(10)).until(() -> api.server().pendingPolls() == 0);
  }

  @Test
  void answeredPollsAreNoLongerPending() {
    long index =
        api.register("web", "a", "{\"address\":\"10.0.0.1\"}").json().get("revision").asLong();

    api.get("/v1/services/web/instances?index=" + index + "&wait=100ms");

    assertThat(api.server().pendingPolls()).isZero();
  }
}
