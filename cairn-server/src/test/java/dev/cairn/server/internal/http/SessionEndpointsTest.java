package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Limits;
import dev.cairn.server.internal.http.HttpApiFixture.Reply;
import java.net.http.HttpRequest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SessionEndpointsTest {

  private static final String SECRET = "X-Cairn-Session-Secret";

  @RegisterExtension final HttpApiFixture api = new HttpApiFixture();

  @Test
  void createsWithTheDefaultTtlWhenNoBody() {
    Reply r =
        api.send(api.request("/v1/sessions").POST(HttpRequest.BodyPublishers.noBody()).build());

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("id").asText()).isNotEmpty();
    assertThat(r.json().get("secret").asText()).hasSize(43);
    assertThat(r.json().get("ttl").asText()).isEqualTo("10s");
    assertThat(r.json().get("ttlMillis").asLong()).isEqualTo(10_000);
    assertThat(api.registry().sessionCount()).isEqualTo(1);
  }

  @Test
  void createsWithAGivenTtl() {
    Reply r = api.post("/v1/sessions", "{\"ttl\":\"1500ms\"}");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("ttl").asText()).isEqualTo("1500ms");
    assertThat(r.json().get("ttlMillis").asLong()).isEqualTo(1500);
  }

  @Test
  void renewsAndDeletesWithTheSecret() {
    Reply opened = api.post("/v1/sessions", "{\"ttl\":\"30s\"}");
    String id = opened.json().get("id").asText();
    String secret = opened.json().get("secret").asText();

    Reply renewed = api.put("/v1/sessions/" + id + "/renew", "", SECRET, secret);
    assertThat(renewed.status()).isEqualTo(200);
    assertThat(renewed.json().get("id").asText()).isEqualTo(id);
    assertThat(renewed.json().get("ttlMillis").asLong()).isEqualTo(30_000);

    Reply deleted = api.delete("/v1/sessions/" + id, SECRET, secret);
    assertThat(deleted.status()).isEqualTo(200);
    assertThat(deleted.json().get("revision").asLong()).isEqualTo(api.registry().revision());
    assertThat(api.registry().sessionCount()).isZero();

    assertThat(api.put("/v1/sessions/" + id + "/renew", "", SECRET, secret).status())
        .isEqualTo(404);
    assertThat(api.delete("/v1/sessions/" + id, SECRET, secret).status()).isEqualTo(404);
  }

  @Test
  void theIdAloneNeitherRenewsNorDeletes() {
    Reply opened = api.post("/v1/sessions", "{}");
    String id = opened.json().get("id").asText();
    String secret = opened.json().get("secret").asText();
    long revision = api.registry().revision();

    for (String[] proof : List.of(new String[0], new String[] {SECRET, "wrong"})) {
      assertForbidden(api.put("/v1/sessions/" + id + "/renew", "", proof), id);
      assertForbidden(api.delete("/v1/sessions/" + id, proof), id);
    }
    // Another session's secret is no better.
    String other = api.post("/v1/sessions", "{}").json().get("secret").asText();
    assertForbidden(api.delete("/v1/sessions/" + id, SECRET, other), id);

    assertThat(api.registry().sessionCount()).isEqualTo(2);
    assertThat(api.put("/v1/sessions/" + id + "/renew", "", SECRET, secret).status())
        .isEqualTo(200);
    assertThat(api.registry().revision()).isEqualTo(revision + 1); // only the other's open
  }

  @Test
  void anotherSessionsInstancesAreNeitherReplacedNorRemovedNorJoined() {
    Reply opened = api.post("/v1/sessions", "{}");
    String id = opened.json().get("id").asText();
    String secret = opened.json().get("secret").asText();
    assertThat(
            api.put(
                    "/v1/services/web/instances/a?session=" + id,
                    "{\"address\":\"10.0.0.1\"}",
                    SECRET,
                    secret)
                .status())
        .isEqualTo(200);
    String other = api.post("/v1/sessions", "{}").json().get("secret").asText();

    // Into the session, without its secret (by parameter and by body).
    assertForbidden(
        api.put("/v1/services/web/instances/b?session=" + id, "{\"address\":\"10.0.0.2\"}"), id);
    assertForbidden(
        api.put(
            "/v1/services/web/instances/b",
            "{\"address\":\"10.0.0.2\",\"session\":\"" + id + "\"}",
            SECRET,
            other),
        id);
    // Its instance replaced by a persistent one pointing elsewhere, or removed.
    assertForbidden(api.put("/v1/services/web/instances/a", "{\"address\":\"10.6.6.6\"}"), "a");
    assertForbidden(api.delete("/v1/services/web/instances/a"), "a");
    assertForbidden(api.delete("/v1/services/web/instances/a", SECRET, other), "a");

    assertThat(api.registry().service("default", "web").instances())
        .singleElement()
        .satisfies(
            i -> {
              assertThat(i.address()).isEqualTo("10.0.0.1");
              assertThat(i.sessionId()).isEqualTo(id);
            });
    assertThat(api.delete("/v1/services/web/instances/a", SECRET, secret).status()).isEqualTo(200);
    assertThat(api.registry().service("default", "web").instances()).isEmpty();
  }

  @Test
  void replacingASessionsInstanceNamesTheSessionAndSaysWhatToSend() {
    Reply opened = api.post("/v1/sessions", "{}");
    String id = opened.json().get("id").asText();
    String secret = opened.json().get("secret").asText();
    String path = "/v1/services/eph/instances/e-1";
    assertThat(
            api.put(path + "?session=" + id, "{\"address\":\"10.0.0.1\"}", SECRET, secret).status())
        .isEqualTo(200);

    // The right secret, but no session: the replacement would be a persistent instance.
    Reply persistent = api.put(path, "{\"address\":\"10.0.0.2\"}", SECRET, secret);

    assertForbidden(persistent, id);
    assertThat(persistent.json().at("/error/message").asText())
        .isEqualTo(
            "secret: instance default/eph/e-1 belongs to session "
                + id
                + " (expected: a replacement registered into session "
                + id
                + " (HTTP ?session="
                + id
                + ", gRPC session_id) with that session's secret, or a token with write on the"
                + " service)");
    Reply replaced = api.put(path + "?session=" + id, "{\"address\":\"10.0.0.2\"}", SECRET, secret);
    assertThat(replaced.status()).isEqualTo(200);
    assertThat(replaced.json().at("/instance/address").asText()).isEqualTo("10.0.0.2");
    assertThat(replaced.json().at("/instance/kind").asText()).isEqualTo("ephemeral");
    assertThat(replaced.json().at("/instance/session").asText()).isEqualTo(id);
  }

  @Test
  void aSessionNameHasALimitAndNoControlCharacters() {
    String longest = "n".repeat(Limits.MAX_SESSION_NAME_LENGTH);

    Reply ok = api.post("/v1/sessions", "{\"name\":\"" + longest + "\"}");
    Reply tooLong = api.post("/v1/sessions", "{\"name\":\"" + longest + "n\"}");
    Reply newline = api.post("/v1/sessions", "{\"name\":\"web\\nFAKE log line\"}");

    assertThat(ok.status()).isEqualTo(200);
    assertThat(tooLong.status()).isEqualTo(400);
    assertThat(tooLong.errorField()).isEqualTo("name");
    assertThat(tooLong.json().at("/error/message").asText())
        .startsWith("name: \"nnn")
        .endsWith("(257 chars) (expected: at most 256 chars)");
    assertThat(newline.status()).isEqualTo(400);
    assertThat(newline.errorField()).isEqualTo("name");
    assertThat(newline.json().at("/error/message").asText())
        .isEqualTo(
            "name: \"web\\u000aFAKE log line\" (expected: no control characters or line breaks; U+000A"
                + " at index 3)");
    assertThat(api.registry().sessionCount()).isEqualTo(1);
  }

  @Test
  void aNameOfTheServersOwnSessionsIsRefused() {
    Reply lease = api.post("/v1/sessions", "{\"name\":\"cairn:eureka-lease\"}");

    assertThat(lease.status()).isEqualTo(400);
    assertThat(lease.errorField()).isEqualTo("name");
    assertThat(lease.json().at("/error/message").asText())
        .isEqualTo(
            "name: \"cairn:eureka-lease\" (expected: a name not starting with \"cairn:\": such"
                + " names are the server's own sessions)");
    assertThat(api.registry().sessionCount()).isZero();
  }

  private static void assertForbidden(Reply r, String named) {
    assertThat(r.status()).as("status").isEqualTo(403);
    assertThat(r.errorCode()).isEqualTo("PERMISSION_DENIED");
    assertThat(r.errorField()).isEqualTo("secret");
    assertThat(r.json().get("error").get("message").asText()).contains(named);
  }

  @Test
  void unknownSessionsAre404() {
    Reply renew = api.put("/v1/sessions/nope/renew", "");
    assertThat(renew.status()).isEqualTo(404);
    assertThat(renew.errorCode()).isEqualTo("NOT_FOUND");
    assertThat(renew.errorField()).isEqualTo("session");

    Reply delete = api.delete("/v1/sessions/nope");
    assertThat(delete.status()).isEqualTo(404);
    assertThat(delete.errorField()).isEqualTo("session");
  }

  @Test
  void ephemeralInstancesGoWithTheirSession() {
    Reply opened = api.post("/v1/sessions", "{}");
    String id = opened.json().get("id").asText();
    String secret = opened.json().get("secret").asText();
    Reply viaParam =
        api.put(
            "/v1/services/web/instances/a?session=" + id,
            "{\"address\":\"10.0.0.1\"}",
            SECRET,
            secret);
    Reply viaBody =
        api.put(
            "/v1/services/web/instances/b",
            "{\"address\":\"10.0.0.2\",\"session\":\"" + id + "\"}",
            SECRET,
            secret);
    api.register("web", "c", "{\"address\":\"10.0.0.3\"}");

    assertThat(viaParam.status()).isEqualTo(200);
    assertThat(viaParam.json().at("/instance/kind").asText()).isEqualTo("ephemeral");
    assertThat(viaParam.json().at("/instance/session").asText()).isEqualTo(id);
    assertThat(viaBody.json().at("/instance/kind").asText()).isEqualTo("ephemeral");
    assertThat(CatalogEndpointsTest.ids(api.get("/v1/services/web/instances").json()))
        .containsExactly("a", "b", "c");

    assertThat(api.delete("/v1/sessions/" + id, SECRET, secret).status()).isEqualTo(200);

    assertThat(CatalogEndpointsTest.ids(api.get("/v1/services/web/instances").json()))
        .containsExactly("c");
  }

  @Test
  void registeringWithAnUnknownSessionIs404NamingSession() {
    Reply r = api.put("/v1/services/web/instances/a?session=nope", "{\"address\":\"10.0.0.1\"}");

    assertThat(r.status()).isEqualTo(404);
    assertThat(r.errorCode()).isEqualTo("NOT_FOUND");
    assertThat(r.errorField()).isEqualTo("session");
    assertThat(api.get("/v1/services/web/instances").json().get("instances")).isEmpty();
  }

  @Test
  void anEmptySessionIsRefusedNotTakenForAPersistentInstance() {
    Reply param = api.put("/v1/services/web/instances/a?session=", "{\"address\":\"10.0.0.1\"}");
    Reply body =
        api.put("/v1/services/web/instances/a", "{\"address\":\"10.0.0.1\",\"session\":\"\"}");

    for (Reply r : List.of(param, body)) {
      assertThat(r.status()).as(r.body()).isEqualTo(400);
      assertThat(r.errorCode()).isEqualTo("INVALID_ARGUMENT");
      assertThat(r.errorField()).isEqualTo("session");
    }
    assertThat(param.json().at("/error/message").asText())
        .isEqualTo(
            "session: \"\" (expected: a session id, or no ?session= for a persistent instance)");
    assertThat(api.get("/v1/services/web/instances").json().get("instances")).isEmpty();
  }
}
