package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.IssuedToken;
import dev.cairn.server.core.acl.Policy;
import dev.cairn.server.core.acl.Resource;
import dev.cairn.server.core.acl.Rule;
import dev.cairn.server.internal.http.SseClient.Event;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Event streams opened with a token follow the token's fate (decision 0217): deleted, the stream
 * ends with an {@code error} event at its next event and shows nothing more; its policies narrowed,
 * the service lists it sends are filtered by what the token may read now.
 */
class SseTokenRecheckTest {

  private final HttpClient http = HttpClient.newHttpClient();
  private CairnServer server;

  @BeforeEach
  void start() throws Exception {
    server = CairnServer.builder().inMemory().httpPort(0).grpcPort(0).acl(true).build().start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void aServiceWatchEndsWhenItsTokenIsDeleted() throws Exception {
    register("team-a", "pay", "p1", "10.0.0.1");
    policy("read-pay", new Rule(Resource.SERVICE, "team-a", "pay", Access.READ));
    IssuedToken issued = server.registry().acls().createToken("", List.of("read-pay")).join();

    try (SseClient sse = open("/v1/watch/services/pay?namespace=team-a", issued.secret())) {
      assertThat(sse.next().event()).isEqualTo("snapshot");

      server.registry().acls().deleteToken(issued.token().accessorId()).join();
      register("team-a", "pay", "p2", "10.0.0.9");

      Event refused = sse.next();
      assertThat(refused.event()).isEqualTo("error");
      assertThat(refused.data().at("/error/code").asText()).isEqualTo("PERMISSION_DENIED");
      assertThat(refused.data().at("/error/field").asText()).isEqualTo("token");
      assertThat(refused.data().at("/error/message").asText())
          .contains("token: unknown", "token was deleted");
      assertThat(sse.ended()).isTrue();
    }
  }

  @Test
  void aServiceListWatchShowsWhatItsTokenMayReadNow() throws Exception {
    register("team-a", "shop", "s1", "10.0.0.1");
    register("team-a", "db", "d1", "10.0.0.2");
    policy("read-shop", new Rule(Resource.SERVICE, "team-a", "shop", Access.READ));
    policy("read-db", new Rule(Resource.SERVICE, "team-a", "db", Access.READ));
    String token =
        server.registry().acls().createToken("", List.of("read-shop", "read-db")).join().secret();

    try (SseClient sse = open("/v1/watch/services?namespace=team-a", token)) {
      assertThat(names(sse.next())).containsExactlyInAnyOrder("shop", "db");

      server.registry().acls().deletePolicy("read-db").join();
      register("team-a", "db", "d2", "10.0.0.3");
      register("team-a", "shop", "s2", "10.0.0.4");

      List<Event> seen = new ArrayList<>();
      Event e;
      do {
        e = sse.next();
        seen.add(e);
      } while (!e.data().toString().contains("\"instances\":2"));
      assertThat(names(e)).containsExactly("shop");
      assertThat(seen).allSatisfy(s -> assertThat(names(s)).doesNotContain("db"));

      // With no service of the namespace left to read, the stream ends.
      server.registry().acls().deletePolicy("read-shop").join();
      register("team-a", "shop", "s3", "10.0.0.5");
      Event refused = sse.next();
      assertThat(refused.event()).isEqualTo("error");
      assertThat(refused.data().at("/error/message").asText())
          .contains("may not read any service of namespace team-a");
      assertThat(sse.ended()).isTrue();
    }
  }

  private SseClient open(String path, String token) throws Exception {
    return SseClient.open(
        http,
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.httpAddress().getPort() + path))
            .header("X-Cairn-Token", token)
            .timeout(Duration.ofMinutes(1))
            .build());
  }

  private void register(String namespace, String service, String id, String address) {
    server.registry().register(namespace, Instance.builder(service, address).id(id).build()).join();
  }

  private void policy(String name, Rule rule) {
    server.registry().acls().createPolicy(new Policy(name, "", List.of(rule))).join();
  }

  private static List<String> names(Event e) {
    assertThat(e.event()).isEqualTo("services");
    List<String> names = new ArrayList<>();
    e.data().get("services").forEach(s -> names.add(s.get("name").asText()));
    return names;
  }
}
