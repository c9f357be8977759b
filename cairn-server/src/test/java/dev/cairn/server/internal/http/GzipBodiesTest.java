package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Gzip of the bodies cached per revision (decision 0119): negotiated by {@code Accept-Encoding},
 * the same bytes as the plain answer once inflated, never stale after a change, and only for the
 * cached, large enough bodies.
 */
class GzipBodiesTest {

  @RegisterExtension final HttpApiFixture api = new HttpApiFixture();

  @ParameterizedTest(name = "[{0}] -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "gzip | true",
        "GZIP | true",
        "x-gzip | true",
        "gzip, deflate | true",
        "gzip, deflate, br, zstd | true",
        "deflate, gzip;q=0.5 | true",
        "gzip;q=1.000 | true",
        "gzip ; q=0.001 | true",
        "* | true",
        "br, *;q=0.1 | true",
        "gzip;q=0 | false",
        "gzip;q=0.000 | false",
        "*, gzip;q=0 | false",
        "gzip;q=0, * | false",
        "*;q=0 | false",
        "deflate, br | false",
        "identity | false",
        "gzipper | false",
        "gzip;q=2 | false",
        "gzip;q=0.0001 | false",
        "gzip;q=high | false",
        "'' | false",
        "' , ,' | false",
      })
  void acceptEncodingTakesGzipOnlyWithANonZeroWeight(String header, boolean accepted) {
    assertThat(GzipBodies.accepted(header)).isEqualTo(accepted);
  }

  @ParameterizedTest(name = "{0} + {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "identity | gzip | true",
        "deflate | x-gzip;q=0.5 | true",
        "* | gzip;q=0 | false",
        "gzip;q=0 | * | false",
        "deflate | br | false",
      })
  void acceptEncodingOnTwoLinesIsReadAsOneList(String first, String second, boolean accepted) {
    HttpHeaders headers = new DefaultHttpHeaders();
    headers.add(HttpHeaderNames.ACCEPT_ENCODING, first);
    headers.add(HttpHeaderNames.ACCEPT_ENCODING, second);

    assertThat(GzipBodies.accepted(headers)).isEqualTo(accepted);
    assertThat(GzipBodies.accepted(new DefaultHttpHeaders())).isFalse();
  }

  @Test
  void noHeaderMeansNoGzip() {
    assertThat(GzipBodies.accepted((String) null)).isFalse();
  }

  @Test
  void gzipInflatesToTheSameBytes() throws IOException {
    byte[] plain = "{\"instances\":[]}".repeat(500).getBytes(StandardCharsets.UTF_8);

    ByteBuffer gz = GzipBodies.gzip(ByteBuffer.wrap(plain));

    assertThat(gz.isDirect()).isTrue();
    assertThat(gz.isReadOnly()).isTrue();
    assertThat(gz.remaining()).isLessThan(plain.length / 10);
    assertThat(gunzip(bytes(gz))).isEqualTo(plain);
  }

  @Test
  void aListReadWithGzipIsTheSameListCompressed() throws Exception {
    registerMany("web", 20);

    HttpResponse<byte[]> plain = read("/v1/services/web/instances", null);
    HttpResponse<byte[]> zipped = read("/v1/services/web/instances", "gzip, deflate");

    assertThat(plain.body().length).isGreaterThanOrEqualTo(GzipBodies.MIN_BYTES);
    assertThat(plain.headers().firstValue("content-encoding")).isEmpty();
    assertThat(plain.headers().firstValue("vary")).hasValue("accept-encoding");
    assertThat(zipped.statusCode()).isEqualTo(200);
    assertThat(zipped.headers().firstValue("content-encoding")).hasValue("gzip");
    assertThat(zipped.headers().firstValue("vary")).hasValue("accept-encoding");
    assertThat(zipped.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(zipped.headers().firstValue("x-cairn-index"))
        .isEqualTo(plain.headers().firstValue("x-cairn-index"));
    assertThat(zipped.headers().firstValueAsLong("content-length")).hasValue(zipped.body().length);
    assertThat(zipped.body().length).isLessThan(plain.body().length / 4);
    assertThat(gunzip(zipped.body())).isEqualTo(plain.body());
  }

  @Test
  void aChangeIsSeenThroughGzipToo() throws Exception {
    registerMany("web", 20);
    byte[] before = gunzip(read("/v1/services/web/instances", "gzip").body());

    api.register("web", "web-new", "{\"address\":\"10.9.9.9\"}");
    HttpResponse<byte[]> after = read("/v1/services/web/instances", "gzip");

    String list = new String(gunzip(after.body()), StandardCharsets.UTF_8);
    assertThat(list).contains("\"web-new\"");
    assertThat(new String(before, StandardCharsets.UTF_8)).doesNotContain("\"web-new\"");
    assertThat(gunzip(after.body())).isEqualTo(read("/v1/services/web/instances", null).body());
  }

  @Test
  void theServiceListIsGzippedToo() throws Exception {
    for (int s = 0; s < 60; s++) {
      api.register("service-" + s, "i", "{\"address\":\"10.0.0.1\"}");
    }

    HttpResponse<byte[]> plain = read("/v1/services", null);
    HttpResponse<byte[]> zipped = read("/v1/services", "gzip");

    assertThat(plain.body().length).isGreaterThanOrEqualTo(GzipBodies.MIN_BYTES);
    assertThat(zipped.headers().firstValue("content-encoding")).hasValue("gzip");
    assertThat(gunzip(zipped.body())).isEqualTo(plain.body());
  }

  @Test
  void refusedGzipSmallBodiesAndFilteredReadsGoPlain() throws Exception {
    registerMany("web", 20);
    api.register("tiny", "t-1", "{\"address\":\"10.0.0.1\"}");

    HttpResponse<byte[]> refused = read("/v1/services/web/instances", "gzip;q=0, identity");
    HttpResponse<byte[]> small = read("/v1/services/tiny/instances", "gzip");
    HttpResponse<byte[]> filtered = read("/v1/services/web/instances?tag=v1", "gzip");

    assertThat(refused.headers().firstValue("content-encoding")).isEmpty();
    assertThat(refused.body()).isEqualTo(read("/v1/services/web/instances", null).body());
    assertThat(small.body().length).isLessThan(GzipBodies.MIN_BYTES);
    assertThat(small.headers().firstValue("content-encoding")).isEmpty();
    assertThat(new String(small.body(), StandardCharsets.UTF_8)).contains("\"t-1\"");
    assertThat(filtered.statusCode()).isEqualTo(200);
    assertThat(filtered.headers().firstValue("content-encoding")).isEmpty();
    assertThat(new String(filtered.body(), StandardCharsets.UTF_8)).contains("\"web-7\"");
  }

  private void registerMany(String service, int n) {
    for (int i = 0; i < n; i++) {
      api.register(
          service,
          service + "-" + i,
          "{\"address\":\"10.0.0."
              + (i + 1)
              + "\",\"ports\":{\"http\":8080},\"tags\":[\"v1\"],"
              + "\"metadata\":{\"version\":\"1.0."
              + i
              + "\"}}");
    }
  }

  private HttpResponse<byte[]> read(String path, String acceptEncoding) throws Exception {
    HttpRequest.Builder b = api.request(path).GET();
    if (acceptEncoding != null) {
      b.header("Accept-Encoding", acceptEncoding);
    }
    return api.client().send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  private static byte[] gunzip(byte[] gz) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
      return in.readAllBytes();
    }
  }
}
