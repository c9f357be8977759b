package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.server.internal.http.HttpApiFixture.Reply;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConsoleEndpointTest {

  @RegisterExtension final HttpApiFixture api = new HttpApiFixture();

  @ParameterizedTest
  @ValueSource(strings = {"/", "/ui"})
  void redirectsToTheConsole(String path) {
    Reply r = api.get(path);

    assertThat(r.status()).isEqualTo(302);
    assertThat(r.raw().headers().firstValue("Location")).hasValue("/ui/");
  }

  @Test
  void servesThePageWithItsHeaders() {
    Reply r = api.get("/ui/");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).contains("<title>Cairn console</title>");
    var h = r.raw().headers();
    assertThat(h.firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(h.firstValue("Cache-Control")).hasValue("no-cache");
    assertThat(h.firstValue("ETag"))
        .hasValueSatisfying(e -> assertThat(e).matches("\"[0-9a-f]+\""));
    assertThat(h.firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(h.firstValue("Content-Security-Policy"))
        .hasValueSatisfying(csp -> assertThat(csp).contains("script-src 'self'"));
    assertThat(api.get("/ui/index.html").body()).isEqualTo(r.body());
  }

  @Test
  void servesEveryFileThePageNamesWithItsType() {
    String page = api.get("/ui/").body();
    Matcher refs = Pattern.compile("(?:src|href)=\"([^\"#:]+)\"").matcher(page);
    List<String> files = refs.results().map(m -> m.group(1)).distinct().toList();

    assertThat(files).contains("console.js", "console.css", "favicon.svg");
    for (String file : files) {
      Reply r = api.get("/ui/" + file);
      assertThat(r.status()).as(file).isEqualTo(200);
      assertThat(r.body()).as(file).isNotEmpty();
    }
    assertThat(type("/ui/console.js")).isEqualTo("text/javascript; charset=utf-8");
    assertThat(type("/ui/console.css")).isEqualTo("text/css; charset=utf-8");
    assertThat(type("/ui/favicon.svg")).isEqualTo("image/svg+xml");
  }

  @Test
  void theScriptNeverParsesDataAsHtml() {
    String script = api.get("/ui/console.js").body();

    assertThat(script)
        .doesNotContain("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(");
  }

  @Test
  void answersNotModifiedToItsOwnEtag() {
    String etag = api.get("/ui/console.js").raw().headers().firstValue("ETag").orElseThrow();

    Reply r = api.send(api.request("/ui/console.js").header("If-None-Match", etag).build());

    assertThat(r.status()).isEqualTo(304);
    assertThat(r.body()).isEmpty();
    assertThat(r.raw().headers().firstValue("ETag")).hasValue(etag);
    assertThat(
            api.send(api.request("/ui/console.js").header("If-None-Match", "\"other\"").build())
                .status())
        .isEqualTo(200);
  }

  @Test
  void gzipsForClientsThatAcceptIt() throws Exception {
    String plain = api.get("/ui/console.js").body();

    HttpResponse<byte[]> r =
        api.client()
            .send(
                api.request("/ui/console.js").header("Accept-Encoding", "gzip").build(),
                HttpResponse.BodyHandlers.ofByteArray());

    assertThat(r.headers().firstValue("Content-Encoding")).hasValue("gzip");
    assertThat(r.body().length).isLessThan(plain.length() / 2);
    assertThat(gunzip(r.body())).isEqualTo(plain);
  }

  @Test
  void aRefusedGzipIsNotSentAndATagOnAnyIfNoneMatchLineCounts() throws Exception {
    HttpResponse<byte[]> refused =
        api.client()
            .send(
                api.request("/ui/console.js").header("Accept-Encoding", "gzip;q=0").build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertThat(refused.headers().firstValue("Content-Encoding")).isEmpty();
    assertThat(new String(refused.body(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(api.get("/ui/console.js").body());

    String etag = refused.headers().firstValue("ETag").orElseThrow();
    HttpResponse<byte[]> second =
        api.client()
            .send(
                api.request("/ui/console.js")
                    .header("If-None-Match", "\"other\"")
                    .header("If-None-Match", etag)
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertThat(second.statusCode()).isEqualTo(304);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/ui/nothing.js",
        "/ui/console.js/",
        "/ui/x/console.js",
        "/ui/INDEX.HTML",
        "/ui/../v1/status",
        "/ui/..",
        "/ui/%2e%2e/v1/status",
        "/ui/..%2f..%2fpom.xml",
        "/ui/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/ui/..%5c..%5cpom.xml",
        "/ui/ConsoleEndpoint.class",
        "/ui/%2fetc%2fpasswd",
      })
  void servesNothingElse(String path) throws IOException {
    // A raw request: the JDK client would normalise some of these paths before sending them.
    try (RawHttp http = new RawHttp(api.server().localAddress().getPort())) {
      http.write("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      RawHttp.Response r = http.read();

      assertThat(r.status()).isEqualTo(404);
      assertThat(r.body()).contains("\"code\":\"NOT_FOUND\"").doesNotContain("revision");
    }
  }

  @Test
  void takesOnlyGetAndHead() {
    Reply r = api.send(api.request("/ui/").POST(HttpRequest.BodyPublishers.noBody()).build());

    assertThat(r.status()).isEqualTo(405);
    assertThat(r.raw().headers().firstValue("Allow")).hasValue("GET, HEAD");
  }

  private String type(String path) {
    return api.get(path).raw().headers().firstValue("Content-Type").orElseThrow();
  }

  private static String gunzip(byte[] body) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
