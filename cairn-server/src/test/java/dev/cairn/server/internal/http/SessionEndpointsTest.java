package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.server.internal.http.HttpApiFixture.Reply;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SessionEndpointsTest {

  @RegisterExtension final HttpApiFixture api = new HttpApiFixture();

  @Test
  void createsWithTheDefaultTtlWhenNoBody() {
    Reply r =
        api.send(api.request("/v1/sessions").POST(HttpRequest.BodyPublishers.noBody()).build());

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("id").asText()).isNotEmpty();
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
  void renewsAndDeletes() {
    String id = api.post("/v1/sessions", "{\"ttl\":\"30s\"}").json().get("id").asText();

    Reply renewed = api.put("/v1/sessions/" + id + "/renew", "");
    assertThat(renewed.status()).isEqualTo(200);
    assertThat(renewed.json().get("id").asText()).isEqualTo(id);
    assertThat(renewed.json().get("ttlMillis").asLong()).isEqualTo(30_000);

    Reply deleted = api.delete("/v1/sessions/" + id);
    assertThat(deleted.status()).isEqualTo(200);
    assertThat(deleted.json().get("revision").asLong()).isEqualTo(api.registry().revision());
    assertThat(api.registry().sessionCount()).isZero();

    assertThat(api.put("/v1/sessions/" + id + "/renew", "").status()).isEqualTo(404);
    assertThat(api.delete("/v1/sessions/" + id).status()).isEqualTo(404);
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
    String id = api.post("/v1/sessions", "{}").json().get("id").asText();
    Reply viaParam =
        api.put("/v1/services/web/instances/a?session=" + id, "{\"address\":\"10.0.0.1\"}");
    Reply viaBody =
        api.put(
            "/v1/services/web/instances/b",
            "{\"address\":\"10.0.0.2\",\"session\":\"" + id + "\"}");
    api.register("web", "c", "{\"address\":\"10.0.0.3\"}");

    assertThat(viaParam.status()).isEqualTo(200);
    assertThat(viaParam.json().at("/instance/kind").asText()).isEqualTo("ephemeral");
    assertThat(viaParam.json().at("/instance/session").asText()).isEqualTo(id);
    assertThat(viaBody.json().at("/instance/kind").asText()).isEqualTo("ephemeral");
    assertThat(CatalogEndpointsTest.ids(api.get("/v1/services/web/instances").json()))
        .containsExactly("a", "b", "c");

    assertThat(api.delete("/v1/sessions/" + id).status()).isEqualTo(200);

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
}
