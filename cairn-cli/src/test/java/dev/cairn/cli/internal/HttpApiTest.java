package dev.cairn.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class HttpApiTest {

  @Test
  void anErrorBodyGivesItsMessageAndNotFoundGivesFive() {
    CliException invalid =
        HttpApi.serverError(
            400,
            "{\"error\":{\"code\":\"INVALID_ARGUMENT\",\"field\":\"weight\","
                + "\"message\":\"weight: 0 (expected: 1..10000)\"}}");
    CliException missing =
        HttpApi.serverError(404, "{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"gone\"}}");

    assertThat(invalid.exitCode()).isEqualTo(ExitCode.SERVER_ERROR);
    assertThat(invalid.getMessage()).isEqualTo("weight: 0 (expected: 1..10000)");
    assertThat(missing.exitCode()).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(missing.getMessage()).isEqualTo("gone");
  }

  @Test
  void aBodyThatIsNotCairnsShowsTheStatus() {
    CliException proxy = HttpApi.serverError(502, "<html>Bad gateway</html>\n");
    CliException empty = HttpApi.serverError(503, "");

    assertThat(proxy.exitCode()).isEqualTo(ExitCode.SERVER_ERROR);
    assertThat(proxy.getMessage()).isEqualTo("HTTP 502: <html>Bad gateway</html>");
    assertThat(empty.getMessage()).isEqualTo("HTTP 503");
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
