package dev.cairn.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.IssuedToken;
import dev.cairn.server.core.acl.Policy;
import dev.cairn.server.core.acl.Resource;
import dev.cairn.server.core.acl.Rule;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Consul blocking query answers with its token's rights when it answers (decision 0217): a token
 * deleted while the query waited gets {@code 403 ACL not found}, not the change it waited for.
 */
class ConsulBlockingTokenTest {

  private final HttpClient http = HttpClient.newHttpClient();
  private CairnServer server;

  @BeforeEach
  void start() throws Exception {
    // One watch per token: while the blocking query waits, the token's API watch is refused,
    // which is how the test knows that the query is waiting.
    server =
        CairnServer.builder()
            .inMemory()
            .httpPort(0)
            .grpcPort(0)
            .acl(true)
            .maxPerToken(1, 10)
            .frontDoor(ConsulApi.frontDoor(0))
            .build()
            .start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void aBlockingQueryWhoseTokenIsDeletedWhileItWaitsIsRefused() throws Exception {
    server
        .registry()
        .register("default", Instance.builder("web", "10.0.0.1").id("w1").build())
        .join();
    server
        .registry()
        .acls()
        .createPolicy(
            new Policy(
                "read-web", "", List.of(new Rule(Resource.SERVICE, "*", "web", Access.READ))))
        .join();
    IssuedToken token = server.registry().acls().createToken("", List.of("read-web")).join();
    String path = "/v1/health/service/web";
    HttpResponse<String> first = consul(path, token.secret());
    assertThat(first.statusCode()).isEqualTo(200);
    String index = first.headers().firstValue("X-Consul-Index").orElseThrow();

    CompletableFuture<HttpResponse<String>> blocking = waiting(path, index, token.secret());

    server.registry().acls().deleteToken(token.token().accessorId()).join();
    server
        .registry()
        .register("default", Instance.builder("web", "10.0.0.2").id("w2").build())
        .join();

    HttpResponse<String> answer = blocking.get(30, TimeUnit.SECONDS);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(403);
    assertThat(answer.body()).contains("ACL not found").doesNotContain("10.0.0.2");
  }

  /** A blocking query from {@code index}, once it is known to wait. */
  private CompletableFuture<HttpResponse<String>> waiting(String path, String index, String token)
      throws Exception {
    while (true) {
      CompletableFuture<HttpResponse<String>> query =
          http.sendAsync(
              request(path + "?index=" + index + "&wait=60s", token).build(),
              HttpResponse.BodyHandlers.ofString());
      await().until(() -> query.isDone() || apiWatchRefused(token));
      if (!query.isDone()) {
        return query;
      }
      // The probe held the token's one watch when the query came (429): ask again.
      assertThat(query.get().statusCode()).as(query.get().body()).isEqualTo(429);
    }
  }

  /** Whether the token's one watch is taken: an API event stream with it is refused (429). */
  private boolean apiWatchRefused(String token) throws Exception {
    HttpResponse<InputStream> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + server.httpAddress().getPort()
                            + "/v1/watch/services/web"))
                .header("X-Cairn-Token", token)
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    r.body().close();
    return r.statusCode() == 429;
  }

  private HttpResponse<String> consul(String path, String token) throws Exception {
    return http.send(request(path, token).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest.Builder request(String path, String token) {
    return HttpRequest.newBuilder(URI.create(server.frontDoors().get(0).endpoint() + path))
        .header("X-Consul-Token", token)
        .timeout(Duration.ofSeconds(90));
  }
}
