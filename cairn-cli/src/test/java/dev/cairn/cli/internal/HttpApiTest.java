package dev.cairn.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class HttpApiTest {

  private static final URI SERVER = URI.create("http://127.0.0.1:8500");

  @Test
  void anErrorBodyGivesItsMessageAndNotFoundGivesFive() {
    CliException invalid =
        HttpApi.serverError(
            SERVER,
            400,
            "application/json",
            "{\"error\":{\"code\":\"INVALID_ARGUMENT\",\"field\":\"weight\","
                + "\"message\":\"weight: 0 (expected: 1..10000)\"}}");
    CliException missing =
        HttpApi.serverError(
            SERVER,
            404,
            "application/json",
            "{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"gone\"}}");

    assertThat(invalid.exitCode()).isEqualTo(ExitCode.SERVER_ERROR);
    assertThat(invalid.getMessage()).isEqualTo("weight: 0 (expected: 1..10000)");
    assertThat(missing.exitCode()).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(missing.getMessage()).isEqualTo("gone");
  }

  @Test
  void aBodyThatIsNotCairnsShowsTheStatus() {
    CliException proxy =
        HttpApi.serverError(SERVER, 502, "text/html", "<html>Bad gateway</html>\n");
    CliException plain = HttpApi.serverError(SERVER, 502, "text/plain", "Bad gateway\nmore\n");
    CliException empty = HttpApi.serverError(SERVER, 503, null, "");
    CliException refused = HttpApi.serverError(SERVER, 401, "text/plain", "Unauthorized");

    assertThat(proxy.exitCode()).isEqualTo(ExitCode.UNREACHABLE);
    assertThat(proxy.getMessage())
        .isEqualTo("http://127.0.0.1:8500 answered 502 with text/html: not a Cairn server?");
    assertThat(plain.getMessage())
        .isEqualTo(
            "http://127.0.0.1:8500 answered 502 with text/plain (Bad gateway): not a Cairn server?");
    assertThat(empty.getMessage())
        .isEqualTo("http://127.0.0.1:8500 answered 503: not a Cairn server?");
    assertThat(refused.exitCode()).isEqualTo(ExitCode.REFUSED);
    assertThat(refused.getMessage()).isEqualTo("HTTP 401 (Unauthorized)");
  }

  @Test
  void addsTheNamespaceAndEncodesTheQuery() {
    HttpApi api = new HttpApi(URI.create("http://127.0.0.1:8500"), "team-a");

    URI uri =
        api.uri(
            "/v1/services/web/instances",
            HttpApi.Query.empty().add("tag", "a b").add("meta.k", "x&y"));

    assertThat(uri.toString())
        .isEqualTo(
            "http://127.0.0.1:8500/v1/services/web/instances?tag=a+b&meta.k=x%26y&namespace=team-a");
    assertThat(HttpApi.segment("a b/c")).isEqualTo("a%20b%2Fc");
  }
}
