package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.server.internal.http.HttpApiFixture.Reply;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Input the server could read more than one way — a key or a query parameter given twice, a second
 * value after the body, a body where none is read — is refused with 400 naming the field, never
 * settled silently; and no message names a Java class.
 */
class AmbiguousInputTest {

  private static final String SECRET = "X-Cairn-Session-Secret";

  @RegisterExtension final HttpApiFixture api = new HttpApiFixture();

  private long revisionBefore;

  @BeforeEach
  void seed() {
    assertThat(
            api.register("web", "a", "{\"address\":\"10.0.0.1\",\"tags\":[\"v1\",\"v2\"]}")
                .status())
        .isEqualTo(200);
    assertThat(api.register("web", "b", "{\"address\":\"10.0.0.2\",\"tags\":[\"v1\"]}").status())
        .isEqualTo(200);
    revisionBefore = api.registry().revision();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"address\":\"1.2.3.4\",\"address\":\"1.2.3.5\"} | address"
            + " | address: duplicate key at line 1 column 31 (expected: each key once)",
        "{\"address\":\"h\",\"metadata\":{\"k\":\"a\",\"k\":\"b\"}} | metadata.k"
            + " | metadata.k: duplicate key at line 1 column 39 (expected: each key once)",
        "{\"address\":\"h\",\"check\":{\"type\":\"ttl\",\"type\":\"http\"}} | check.type"
            + " | check.type: duplicate key at line 1 column 44 (expected: each key once)",
      })
  void aDuplicateKeyNamesItsField(String body, String field, String message) {
    Reply r = api.register("web", "x", body);

    assertRefused(r, 400, field, message);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"address\":\"1.2.3.4\"}{\"address\":\"1.2.3.5\"} | 22",
        "{\"address\":\"1.2.3.4\"} x | 23",
        "{\"address\":\"1.2.3.4\"} [] | 23",
      })
  void contentAfterTheBodysValueIsRefusedWithItsPlace(String body, int column) {
    Reply r = api.register("web", "x", body);

    assertRefused(
        r,
        400,
        "body",
        "body: \"trailing content after the JSON value at line 1 column "
            + column
            + "\" (expected: one JSON value)");
  }

  @Test
  void aBodyPastTheParsersLimitsSaysSoWithoutAClassName() {
    Reply deep = api.register("web", "x", "{\"address\":\"h\",\"tags\":" + "[".repeat(1_001) + "}");
    Reply longNumber =
        api.register("web", "x", "{\"address\":\"h\",\"weight\":" + "1".repeat(1_001) + "}");

    for (Reply r : new Reply[] {deep, longNumber}) {
      assertThat(r.status()).as(r.body()).isEqualTo(400);
      assertThat(r.errorField()).isEqualTo("body");
      assertThat(message(r))
          .startsWith("body: \"a value past the parser's limits")
          .endsWith("(expected: numbers of at most 1000 digits, nesting at most 1000 deep)")
          .doesNotContain("Exception", "jackson");
    }
    assertUnchanged();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "/v1/services/web/instances?namespace=default&namespace=b | namespace | [default, b]",
        "/v1/services/web/instances?index=1&index=2 | index | [1, 2]",
        "/v1/services/web/instances?healthy=true&healthy=false | healthy | [true, false]",
        "/v1/services/web/instances?zone=z1&zone=z2 | zone | [z1, z2]",
        "/v1/services/web/instances?meta.team=a&meta.team=b | meta.team | [a, b]",
        "/v1/services/web/instances?consistent&consistent=true | consistent | [, true]",
        "/v1/services?index=1&wait=1s&wait=2s | wait | [1s, 2s]",
        "/v1/services/web/instances/a?namespace=default&namespace=default | namespace"
            + " | [default, default]",
        "/v1/watch/services/web?index=1&index=1 | index | [1, 1]",
      })
  void aSingleValuedParameterGivenTwiceIsRefused(String path, String field, String values) {
    Reply r = api.get(path);

    assertRefused(
        r, 400, field, field + ": " + values + " (expected: the parameter once, not 2 times)");
  }

  @Test
  void aRegistrationWithTheSessionGivenTwiceIsRefused() {
    Reply r = api.put("/v1/services/web/instances/x?session=s1&session=s2", "{\"address\":\"h\"}");

    assertRefused(
        r, 400, "session", "session: [s1, s2] (expected: the parameter once, not 2 times)");
  }

  @Test
  void repeatedTagsStillFilterTogether() {
    Reply r = api.get("/v1/services/web/instances?tag=v1&tag=v2");

    assertThat(r.status()).isEqualTo(200);
    assertThat(CatalogEndpointsTest.ids(r.json())).containsExactly("a");
  }

  @Test
  void anUnknownParameterListsEveryAcceptedOneInOrder() {
    Reply list = api.get("/v1/services/web/instances?tags=v1");
    Reply status = api.get("/v1/status?verbose=1");

    assertRefused(
        list,
        400,
        "tags",
        "tags: unknown parameter (expected: one of the parameters"
            + " [consistent, healthy, index, namespace, tag, wait, zone, meta.<key>])");
    assertRefused(
        status, 400, "verbose", "verbose: unknown parameter (expected: no query parameters)");
  }

  @Test
  void anUnknownParameterIsNotRepeatedForItMayBeASecret() {
    Reply list = api.get("/v1/services?token=s3cr3t-value");

    assertThat(list.status()).as(list.body()).isEqualTo(400);
    assertThat(list.errorField()).isEqualTo("token");
    assertThat(message(list)).startsWith("token: unknown parameter (expected: ");
    assertThat(list.body()).doesNotContain("s3cr3t-value");
  }

  @Test
  void aRenewalWithABodyIsRefusedAndRenewsNothing() {
    Reply opened = api.post("/v1/sessions", "{\"ttl\":\"5s\"}");
    String id = opened.json().get("id").asText();
    String secret = opened.json().get("secret").asText();
    String renew = "/v1/sessions/" + id + "/renew";

    Reply ttl = api.put(renew, "{\"ttl\":\"60s\"}", SECRET, secret);
    Reply garbage = api.put(renew, "garbage", SECRET, secret);

    assertThat(ttl.status()).isEqualTo(400);
    assertThat(ttl.errorField()).isEqualTo("body");
    assertThat(message(ttl))
        .isEqualTo(
            "body: 13 bytes (expected: no body; renew takes none: the session keeps the TTL it"
                + " was opened with)");
    assertThat(garbage.status()).isEqualTo(400);
    assertThat(garbage.errorField()).isEqualTo("body");
    Reply plain =
        api.send(
            api.request(renew)
                .header(SECRET, secret)
                .PUT(HttpRequest.BodyPublishers.noBody())
                .build());
    assertThat(plain.status()).isEqualTo(200);
    assertThat(plain.json().get("ttlMillis").asLong()).isEqualTo(5_000);
  }

  @Test
  void aRemovalWithABodyIsRefusedAndRemovesNothing() {
    Reply r =
        api.send(
            api.request("/v1/services/web/instances/a")
                .header("Content-Type", "application/json")
                .method("DELETE", HttpRequest.BodyPublishers.ofString("{\"id\":\"b\"}"))
                .build());

    assertRefused(
        r,
        400,
        "body",
        "body: 10 bytes (expected: no body; a removal takes none; what it removes is named by its"
            + " path)");
    assertThat(api.get("/v1/services/web/instances/a").status()).isEqualTo(200);
  }

  private void assertRefused(Reply r, int status, String field, String message) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.errorCode()).isEqualTo("INVALID_ARGUMENT");
    assertThat(r.errorField()).isEqualTo(field);
    assertThat(message(r)).isEqualTo(message);
    assertUnchanged();
  }

  private void assertUnchanged() {
    assertThat(api.registry().revision()).isEqualTo(revisionBefore);
  }

  private static String message(Reply r) {
    return r.json().at("/error/message").asText();
  }
}
