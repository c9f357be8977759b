package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The handler on an embedded channel, with endpoints that fail in unexpected ways. */
class HttpApiHandlerTest {

  @Test
  void unexpectedExceptionIs500AndTheConnectionServesOn() throws Exception {
    EmbeddedChannel ch =
        channel(
            (route, ex) -> {
              if (route == Route.STATUS) {
                throw new IllegalStateException("boom");
              }
              ex.ok("{}".getBytes(StandardCharsets.UTF_8));
            });

    FullHttpResponse failed = call(ch, HttpMethod.GET, "/v1/status");
    assertThat(failed.status().code()).isEqualTo(500);
    JsonNode error = json(failed).get("error");
    assertThat(error.get("code").asText()).isEqualTo("INTERNAL");
    assertThat(error.get("message").asText()).contains("boom");
    failed.release();

    assertThat(ch.isOpen()).isTrue();
    FullHttpResponse next = call(ch, HttpMethod.GET, "/v1/services");
    assertThat(next.status().code()).isEqualTo(200);
    next.release();
    ch.finishAndReleaseAll();
  }

  @Test
  void unexpectedAsyncFailureIs500() throws Exception {
    EmbeddedChannel ch =
        channel(
            (route, ex) ->
                ex.reply(
                    CompletableFuture.failedFuture(new ArithmeticException("odd")),
                    v -> new byte[0]));

    FullHttpResponse r = call(ch, HttpMethod.DELETE, "/v1/sessions/s1");

    assertThat(r.status().code()).isEqualTo(500);
    assertThat(json(r).at("/error/code").asText()).isEqualTo("INTERNAL");
    r.release();
    assertThat(ch.isOpen()).isTrue();
    ch.finishAndReleaseAll();
  }

  @Test
  void failingEncoderIs500() throws Exception {
    EmbeddedChannel ch =
        channel(
            (route, ex) ->
                ex.reply(
                    CompletableFuture.completedFuture(1L),
                    v -> {
                      throw new IllegalArgumentException("cannot encode");
                    }));

    FullHttpResponse r = call(ch, HttpMethod.DELETE, "/v1/sessions/s1");

    assertThat(r.status().code()).isEqualTo(500);
    r.release();
    ch.finishAndReleaseAll();
  }

  private static EmbeddedChannel channel(HttpApiHandler.Dispatcher dispatcher) {
    ConnectionGuard guard = new ConnectionGuard(new ClientQuota(1), HttpApiSettings.defaults());
    return new EmbeddedChannel(guard, new HttpApiHandler(dispatcher, HttpMetrics.NONE, guard));
  }

  private static FullHttpResponse call(EmbeddedChannel ch, HttpMethod method, String uri) {
    ch.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri));
    ch.runPendingTasks();
    FullHttpResponse r = ch.readOutbound();
    assertThat(r).as("response to %s %s", method, uri).isNotNull();
    return r;
  }

  private static JsonNode json(FullHttpResponse r) throws Exception {
    return HttpApiFixture.JSON.readTree(r.content().toString(StandardCharsets.UTF_8));
  }
}
