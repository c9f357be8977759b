package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.server.internal.BuildInfo;
import dev.cairn.server.internal.http.HttpApiFixture.Reply;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class CatalogEndpointsTest {

  @RegisterExtension final HttpApiFixture api = new HttpApiFixture();

  @Test
  void registerAnswersWithTheStoredInstance() {
    Reply r =
        api.register(
            "web",
            "web-1",
            "{\"address\":\"127.0.0.1\",\"ports\":{\"http\":8080},\"tags\":[\"v1\"],"
                + "\"metadata\":{\"k\":\"v\"},\"weight\":50,\"zone\":\"z1\",\"health\":\"warning\"}");

    assertThat(r.status()).isEqualTo(200);
    JsonNode in = r.json().get("instance");
    assertThat(r.json().get("revision").asLong()).isPositive();
    assertThat(in.get("id").asText()).isEqualTo("web-1");
    assertThat(in.get("service").asText()).isEqualTo("web");
    assertThat(in.get("address").asText()).isEqualTo("127.0.0.1");
    assertThat(in.get("ports").get("http").asInt()).isEqualTo(8080);
    assertThat(in.get("tags").get(0).asText()).isEqualTo("v1");
    assertThat(in.get("metadata").get("k").asText()).isEqualTo("v");
    assertThat(in.get("weight").asInt()).isEqualTo(50);
    assertThat(in.get("zone").asText()).isEqualTo("z1");
    assertThat(in.get("health").asText()).isEqualTo("warning");
    assertThat(in.get("kind").asText()).isEqualTo("persistent");
    assertThat(in.has("session")).isFalse();
    assertThat(in.get("createRevision").asLong()).isEqualTo(r.json().get("revision").asLong());
    assertThat(in.get("modRevision").asLong()).isEqualTo(r.json().get("revision").asLong());
  }

  @Test
  void reRegisteringKeepsCreateRevisionAndMovesModRevision() {
    long first =
        api.register("web", "web-1", "{\"address\":\"10.0.0.1\"}").json().get("revision").asLong();

    Reply again = api.register("web", "web-1", "{\"address\":\"10.0.0.2\",\"service\":\"web\"}");

    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().at("/instance/createRevision").asLong()).isEqualTo(first);
    assertThat(again.json().at("/instance/modRevision").asLong()).isGreaterThan(first);
    assertThat(again.json().at("/instance/address").asText()).isEqualTo("10.0.0.2");
  }

  @Test
  void listAndGetServeTheRegisteredInstances() {
    api.register("web", "web-2", "{\"address\":\"10.0.0.2\"}");
    long rev =
        api.register("web", "web-1", "{\"address\":\"10.0.0.1\"}").json().get("revision").asLong();

    Reply list = api.get("/v1/services/web/instances");
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.raw().headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(list.index()).isEqualTo(rev);
    assertThat(list.json().get("namespace").asText()).isEqualTo("default");
    assertThat(list.json().get("service").asText()).isEqualTo("web");
    assertThat(list.json().get("revision").asLong()).isEqualTo(rev);
    assertThat(ids(list.json())).containsExactly("web-1", "web-2");

    Reply one = api.get("/v1/services/web/instances/web-2");
    assertThat(one.status()).isEqualTo(200);
    assertThat(one.json().at("/instance/address").asText()).isEqualTo("10.0.0.2");

    Reply missing = api.get("/v1/services/web/instances/web-3");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.errorCode()).isEqualTo("NOT_FOUND");
    assertThat(missing.errorField()).isEqualTo("id");
  }

  @Test
  void unknownServiceListsEmptyAtRevisionZero() {
    Reply r = api.get("/v1/services/nothing/instances");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.index()).isZero();
    assertThat(r.json().get("instances")).isEmpty();
  }

  @Test
  void filtersAreAnded() {
    api.register(
        "web",
        "a",
        "{\"address\":\"10.0.0.1\",\"tags\":[\"v1\",\"canary\"],\"zone\":\"z1\","
            + "\"metadata\":{\"team\":\"x\"}}");
    api.register(
        "web",
        "b",
        "{\"address\":\"10.0.0.2\",\"tags\":[\"v1\"],\"zone\":\"z1\",\"health\":\"warning\"}");
    api.register(
        "web",
        "c",
        "{\"address\":\"10.0.0.3\",\"tags\":[\"v1\"],\"zone\":\"z2\",\"health\":\"critical\"}");

    assertThat(ids(api.get("/v1/services/web/instances?tag=v1").json()))
        .containsExactly("a", "b", "c");
    assertThat(ids(api.get("/v1/services/web/instances?tag=v1&tag=canary").json()))
        .containsExactly("a");
    assertThat(ids(api.get("/v1/services/web/instances?zone=z1").json())).containsExactly("a", "b");
    assertThat(ids(api.get("/v1/services/web/instances?healthy=true").json()))
        .containsExactly("a", "b");
    assertThat(ids(api.get("/v1/services/web/instances?healthy=false").json()))
        .containsExactly("a", "b", "c");
    assertThat(ids(api.get("/v1/services/web/instances?meta.team=x").json())).containsExactly("a");
    assertThat(ids(api.get("/v1/services/web/instances?zone=z2&healthy=true").json())).isEmpty();
    Reply filtered = api.get("/v1/services/web/instances?zone=z1");
    assertThat(filtered.index()).isEqualTo(api.get("/v1/services/web/instances").index());
  }

  @Test
  void deregisterRemovesAndThenAnswers404() {
    api.register("web", "web-1", "{\"address\":\"10.0.0.1\"}");

    Reply r = api.delete("/v1/services/web/instances/web-1");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("revision").asLong()).isEqualTo(api.registry().revision());
    assertThat(ids(api.get("/v1/services/web/instances").json())).isEmpty();

    Reply again = api.delete("/v1/services/web/instances/web-1");
    assertThat(again.status()).isEqualTo(404);
    assertThat(again.errorCode()).isEqualTo("NOT_FOUND");
  }

  @Test
  void namespacesComeFromTheParameterOrTheHeader() {
    api.put("/v1/services/web/instances/a?namespace=prod", "{\"address\":\"10.0.0.1\"}");
    api.send(
        api.request("/v1/services/web/instances/b")
            .header("X-Cairn-Namespace", "staging")
            .header("Content-Type", "application/json")
            .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"address\":\"10.0.0.2\"}"))
            .build());

    assertThat(ids(api.get("/v1/services/web/instances?namespace=prod").json()))
        .containsExactly("a");
    Reply staging =
        api.send(
            api.request("/v1/services/web/instances")
                .header("X-Cairn-Namespace", "staging")
                .GET()
                .build());
    assertThat(staging.json().get("namespace").asText()).isEqualTo("staging");
    assertThat(ids(staging.json())).containsExactly("b");
    assertThat(ids(api.get("/v1/services/web/instances").json())).isEmpty();
    assertThat(api.delete("/v1/services/web/instances/a").status()).isEqualTo(404);
    assertThat(api.delete("/v1/services/web/instances/a?namespace=prod").status()).isEqualTo(200);
  }

  @Test
  void servicesListCountsInstances() {
    api.register("web", "a", "{\"address\":\"10.0.0.1\"}");
    api.register("web", "b", "{\"address\":\"10.0.0.2\",\"health\":\"critical\"}");
    api.register("db", "a", "{\"address\":\"10.0.0.3\"}");

    Reply r = api.get("/v1/services");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("namespace").asText()).isEqualTo("default");
    assertThat(r.index()).isEqualTo(r.json().get("revision").asLong()).isPositive();
    JsonNode services = r.json().get("services");
    assertThat(services).hasSize(2);
    assertThat(services.get(0).get("name").asText()).isEqualTo("db");
    JsonNode web = services.get(1);
    assertThat(web.get("name").asText()).isEqualTo("web");
    assertThat(web.get("instances").asInt()).isEqualTo(2);
    assertThat(web.get("passing").asInt()).isEqualTo(1);
    assertThat(web.get("revision").asLong())
        .isEqualTo(api.get("/v1/services/web/instances").index());

    api.delete("/v1/services/web/instances/b");
    assertThat(api.get("/v1/services").json().at("/services/1/instances").asInt()).isEqualTo(1);
  }

  @Test
  void statusReportsTheServer() {
    api.register("web", "a", "{\"address\":\"10.0.0.1\"}");

    Reply r = api.get("/v1/status");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("version").asText()).isEqualTo(BuildInfo.VERSION);
    assertThat(r.json().get("revision").asLong()).isEqualTo(api.registry().revision());
    assertThat(r.json().get("uptimeMillis").asLong()).isNotNegative();
    assertThat(r.json().get("instances").asInt()).isEqualTo(1);
    assertThat(r.json().get("sessions").asInt()).isZero();
    assertThat(r.json().get("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
  }

  static List<String> ids(JsonNode listBody) {
    List<String> ids = new ArrayList<>();
    listBody.get("instances").forEach(i -> ids.add(i.get("id").asText()));
    return ids;
  }
}
