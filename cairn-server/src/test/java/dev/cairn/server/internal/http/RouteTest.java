package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;

class RouteTest {

  @Test
  void matchesMethodAndPath() {
    assertThat(route(HttpMethod.GET, "v1/services")).isEqualTo(Route.LIST_SERVICES);
    assertThat(route(HttpMethod.GET, "v1/services/web/instances")).isEqualTo(Route.LIST_INSTANCES);
    assertThat(route(HttpMethod.PUT, "v1/services/web/instances/a")).isEqualTo(Route.REGISTER);
    assertThat(route(HttpMethod.DELETE, "v1/services/web/instances/a")).isEqualTo(Route.DEREGISTER);
    assertThat(route(HttpMethod.GET, "v1/watch/services/web")).isEqualTo(Route.WATCH_SERVICE);
    assertThat(route(HttpMethod.PUT, "v1/sessions/s/renew")).isEqualTo(Route.RENEW_SESSION);
  }

  @Test
  void listsTheAllowedMethodsOfAKnownPath() {
    Route.Match m = Route.match(HttpMethod.PATCH, "v1/services/web/instances/a".split("/"));

    assertThat(m.route()).isNull();
    assertThat(m.allowed())
        .containsExactly(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.PUT, HttpMethod.DELETE);
  }

  @Test
  void headMatchesTheGetRoutesButTheEventStreams() {
    assertThat(route(HttpMethod.HEAD, "v1/services/web/instances")).isEqualTo(Route.LIST_INSTANCES);
    assertThat(route(HttpMethod.HEAD, "ui/console.js")).isEqualTo(Route.CONSOLE);
    assertThat(route(HttpMethod.HEAD, "v1/sessions/s/renew")).isNull();
    assertThat(route(HttpMethod.HEAD, "v1/watch/services/web")).isNull();
    assertThat(Route.match(HttpMethod.HEAD, "v1/watch/services".split("/")).allowed())
        .containsExactly(HttpMethod.GET);
  }

  @Test
  void unknownPathsMatchNothing() {
    assertThat(Route.match(HttpMethod.GET, "v1/services/web".split("/"))).isNull();
    assertThat(Route.match(HttpMethod.GET, "v1/services/web/instances/a/b".split("/"))).isNull();
  }

  @Test
  void matchesTheServiceListWatchAndTheConsole() {
    assertThat(route(HttpMethod.GET, "v1/watch/services")).isEqualTo(Route.WATCH_SERVICES);
    assertThat(route(HttpMethod.GET, "")).isEqualTo(Route.CONSOLE_ROOT);
    assertThat(route(HttpMethod.GET, "ui")).isEqualTo(Route.CONSOLE);
    assertThat(route(HttpMethod.GET, "ui/")).isEqualTo(Route.CONSOLE);
    assertThat(route(HttpMethod.GET, "ui/console.js")).isEqualTo(Route.CONSOLE);
    assertThat(route(HttpMethod.GET, "ui/a/b/c")).isEqualTo(Route.CONSOLE);
    assertThat(Route.match(HttpMethod.GET, "uix/a".split("/", -1))).isNull();
  }

  private static Route route(HttpMethod method, String path) {
    return Route.match(method, path.split("/", -1)).route();
  }
}
