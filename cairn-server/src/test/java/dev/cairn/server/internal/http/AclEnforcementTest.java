package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.server.CairnServer;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Policy;
import dev.cairn.server.core.acl.Resource;
import dev.cairn.server.core.acl.Rule;
import dev.cairn.server.internal.auth.Requirement;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * Every HTTP route, with ACLs on: no token, an unknown token, a token without the route's right and
 * a token with exactly that right give 401 / 403 / 403 / an answer that is not a refusal. Generated
 * from {@link Route} and {@link HttpRules}: a new route is tested as soon as it exists (and one
 * without a rule does not compile).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AclEnforcementTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Bodies for the writes that take one; the others get {@code {}}. */
  private static final Map<Route, String> BODIES =
      Map.of(
          Route.REGISTER, "{\"address\":\"10.0.0.1\"}",
          Route.REPORT_HEALTH, "{\"health\":\"passing\"}",
          Route.SET_SERVICE_CONFIG, "{\"protectionThreshold\":0.5}",
          Route.CREATE_TOKEN, "{\"description\":\"t\",\"policies\":[\"nothing\"]}",
          Route.CREATE_POLICY, "{\"name\":\"made\",\"rules\":[]}",
          Route.ADD_MEMBER, "{\"id\":\"n9\",\"address\":\"127.0.0.1:1\"}",
          Route.TRANSFER_LEADER, "{\"id\":\"n9\"}");

  private final HttpClient http = HttpClient.newHttpClient();
  private CairnServer server;
  private String management;
  private String nothing;

  @BeforeAll
  void start() throws Exception {
    server = CairnServer.builder().inMemory().httpPort(0).grpcPort(0).acl(true).build().start();
    management = json(send("POST", "/v1/acl/bootstrap", "", null)).get("secret").asText();
    server.registry().acls().createPolicy(new Policy("nothing", "", List.of())).join();
    nothing = server.registry().acls().createToken("no rights", List.of("nothing")).join().secret();
  }

  @AfterAll
  void stop() {
    server.close();
  }

  @TestFactory
  Stream<DynamicTest> everyRouteRefusesWithoutItsRightAndAnswersWithIt() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Route route : Route.values()) {
      tests.add(DynamicTest.dynamicTest(route.name(), () -> check(route)));
    }
    return tests.stream();
  }

  private void check(Route route) throws Exception {
    Requirement required = HttpRules.of(route);
    String path = route.examplePath("web");
    String method = route.method().name();
    String body =
        BODIES.getOrDefault(route, method.equals("GET") || method.equals("DELETE") ? "" : "{}");
    String with = tokenWith(route, required);

    Answer anonymous = send(method, path, body, null);
    Answer unknown = send(method, path, body, "not-a-token");
    Answer without = send(method, path, body, nothing);
    Answer allowed = send(method, path, body, with);

    if (required.scope() == Requirement.Scope.PUBLIC) {
      for (Answer a : List.of(anonymous, unknown, without, allowed)) {
        assertThat(a.status()).as("%s %s: %s", method, path, a).isNotIn(401, 403);
      }
      return;
    }
    assertRefused(anonymous, 401, "UNAUTHENTICATED", "token: missing");
    assertRefused(unknown, 403, "PERMISSION_DENIED", "token: unknown");
    assertRefused(without, 403, "PERMISSION_DENIED", "may not");
    assertThat(allowed.status())
        .as("%s %s with its right: %s", method, path, allowed)
        .isNotIn(401, 403);
  }

  private static void assertRefused(Answer a, int status, String code, String message) {
    assertThat(a.status()).as("%s", a).isEqualTo(status);
    JsonNode error = json(a).get("error");
    assertThat(error.get("code").asText()).isEqualTo(code);
    assertThat(error.get("field").asText()).isEqualTo("token");
    assertThat(error.get("message").asText()).contains(message);
  }

  /** A token whose one policy grants exactly what the route requires (on every namespace). */
  private String tokenWith(Route route, Requirement required) {
    if (required.scope() == Requirement.Scope.PUBLIC) {
      return nothing;
    }
    Rule rule =
        required.resource().scoped()
            ? new Rule(required.resource(), "*", "", required.access())
            : Rule.of(required.resource(), required.access());
    String name = "only-" + route.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    server.registry().acls().createPolicy(new Policy(name, "", List.of(rule))).join();
    return server.registry().acls().createToken(name, List.of(name)).join().secret();
  }

  @Test
  void bothHeadersCarryATokenAndOnlyTheRightServicesAreOpen() throws Exception {
    server
        .registry()
        .acls()
        .createPolicy(
            new Policy(
                "web-writer",
                "",
                List.of(
                    new Rule(Resource.SERVICE, "default", "web", Access.WRITE),
                    new Rule(Resource.SERVICE, "*", "web-secret", Access.DENY))))
        .join();
    String web = server.registry().acls().createToken("", List.of("web-writer")).join().secret();

    HttpRequest viaBearer =
        request("PUT", "/v1/services/web-api/instances/a", "{\"address\":\"10.0.0.1\"}")
            .header("Authorization", "Bearer " + web)
            .build();
    assertThat(http.send(viaBearer, HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(200);
    assertThat(send("GET", "/v1/services/web-api/instances", "", web).status()).isEqualTo(200);
    assertThat(send("GET", "/v1/services/db/instances", "", web).status()).isEqualTo(403);
    assertThat(send("GET", "/v1/services/web-secret-1/instances", "", web).status()).isEqualTo(403);
    assertThat(send("GET", "/v1/services/web-api/instances?namespace=prod", "", web).status())
        .isEqualTo(403);
    // A list of the namespace shows what the token may read (decision 0173).
    Answer list = send("GET", "/v1/services", "", web);
    assertThat(list.status()).isEqualTo(200);
    assertThat(json(list).get("services").findValuesAsText("name"))
        .contains("web-api")
        .allMatch(n -> n.startsWith("web") && !n.startsWith("web-secret"));
    assertThat(send("GET", "/v1/services?namespace=prod", "", web).status()).isEqualTo(403);
  }

  @Test
  void theConsoleLearnsWhatItsTokenMayDo() throws Exception {
    server
        .registry()
        .acls()
        .createPolicy(
            new Policy(
                "shop-reader", "", List.of(new Rule(Resource.SERVICE, "*", "shop", Access.READ))))
        .join();
    String shop = server.registry().acls().createToken("", List.of("shop-reader")).join().secret();
    JsonNode self = json(send("GET", "/v1/acl/self?service=shop-1", "", shop));
    assertThat(self.get("acl").asBoolean()).isTrue();
    assertThat(self.get("token").asText()).isEqualTo("known");
    assertThat(self.at("/may/listServices").asBoolean()).isTrue();
    assertThat(self.at("/may/readAllServices").asBoolean()).isFalse();
    assertThat(self.at("/may/readService").asBoolean()).isTrue();
    assertThat(self.at("/may/writeService").asBoolean()).isFalse();
    assertThat(self.at("/may/readCluster").asBoolean()).isFalse();
    assertThat(json(send("GET", "/v1/acl/self", "", "nope")).get("token").asText())
        .isEqualTo("unknown");
    JsonNode anonymous = json(send("GET", "/v1/acl/self", "", null));
    assertThat(anonymous.get("token").asText()).isEqualTo("anonymous");
    assertThat(anonymous.at("/may/listServices").asBoolean()).isFalse();
    JsonNode root = json(send("GET", "/v1/acl/self?service=x", "", management));
    assertThat(root.at("/may/writeService").asBoolean()).isTrue();
    assertThat(root.at("/may/readAllServices").asBoolean()).isTrue();
  }

  @Test
  void aTokenWithWriteOnTheServiceActsForItsSessionsAndBootstrapIsOnce() throws Exception {
    JsonNode opened = json(send("POST", "/v1/sessions", "{}", management));
    String session = opened.get("id").asText();
    HttpRequest into =
        request(
                "PUT",
                "/v1/services/owned/instances/o1?session=" + session,
                "{\"address\":\"10.0.0.1\"}")
            .header("X-Cairn-Token", management)
            .build();
    assertThat(http.send(into, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    assertThat(send("DELETE", "/v1/services/owned/instances/o1", "", management).status())
        .isEqualTo(200);
    // Renewing still takes the session's secret.
    assertThat(send("PUT", "/v1/sessions/" + session + "/renew", "", management).status())
        .isEqualTo(403);

    Answer again = send("POST", "/v1/acl/bootstrap", "", null);
    assertThat(again.status()).isEqualTo(409);
    assertThat(json(again).at("/error/field").asText()).isEqualTo("acl");
  }

  @Test
  void tokensAndPoliciesAreManagedOverHttpAndSecretsShownOnce() throws Exception {
    Answer created =
        send(
            "POST",
            "/v1/acl/policies",
            "{\"name\":\"readers\",\"description\":\"read all\",\"rules\":["
                + "{\"resource\":\"service\",\"namespace\":\"*\",\"prefix\":\"\",\"access\":\"read\"},"
                + "{\"resource\":\"cluster\",\"access\":\"read\"}]}",
            management);
    assertThat(created.status()).as("%s", created).isEqualTo(200);
    JsonNode token =
        json(
            send(
                "POST",
                "/v1/acl/tokens",
                "{\"description\":\"dashboards\",\"policies\":[\"readers\"]}",
                management));
    String secret = token.get("secret").asText();
    assertThat(secret).hasSize(43);
    assertThat(send("GET", "/v1/services", "", secret).status()).isEqualTo(200);
    assertThat(send("GET", "/v1/status", "", secret).status()).isEqualTo(200);

    String tokens = send("GET", "/v1/acl/tokens", "", management).body();
    assertThat(tokens).contains(token.get("accessorId").asText()).doesNotContain(secret);
    assertThat(send("GET", "/v1/acl/policies", "", management).body()).contains("\"readers\"");

    Answer bad =
        send(
            "POST",
            "/v1/acl/policies",
            "{\"name\":\"bad\",\"rules\":[{\"resource\":\"service\",\"access\":\"admin\"}]}",
            management);
    assertThat(bad.status()).isEqualTo(400);
    assertThat(json(bad).at("/error/field").asText()).isEqualTo("rules.access");
    Answer unknownPolicy = send("POST", "/v1/acl/tokens", "{\"policies\":[\"nope\"]}", management);
    assertThat(unknownPolicy.status()).isEqualTo(404);
    assertThat(json(unknownPolicy).at("/error/field").asText()).isEqualTo("policies");

    assertThat(
            send("DELETE", "/v1/acl/tokens/" + token.get("accessorId").asText(), "", management)
                .status())
        .isEqualTo(200);
    assertThat(send("GET", "/v1/status", "", secret).status()).isEqualTo(403);
    assertThat(send("DELETE", "/v1/acl/policies/readers", "", management).status()).isEqualTo(200);
  }

  // An operator's test (decision 0164): tokens linked policies by name, so a policy created under a
  // deleted one's name re-armed the deleted one's tokens with its rights.
  @Test
  void aPolicyCreatedUnderADeletedOnesNameGivesNothingToItsOldTokens() throws Exception {
    assertThat(
            send(
                    "POST",
                    "/v1/acl/policies",
                    "{\"name\":\"tmp\",\"rules\":[{\"resource\":\"service\","
                        + "\"namespace\":\"default\",\"prefix\":\"web\",\"access\":\"read\"}]}",
                    management)
                .status())
        .isEqualTo(200);
    JsonNode old =
        json(
            send(
                "POST",
                "/v1/acl/tokens",
                "{\"description\":\"old\",\"policies\":[\"tmp\"]}",
                management));
    String secret = old.get("secret").asText();
    String accessor = old.get("accessorId").asText();
    assertThat(send("GET", "/v1/services/web/instances", "", secret).status()).isEqualTo(200);

    assertThat(send("DELETE", "/v1/acl/policies/tmp", "", management).status()).isEqualTo(200);
    assertThat(tokenPolicies(accessor)).as("unlinked by the delete").isEmpty();
    assertThat(send("GET", "/v1/services/web/instances", "", secret).status()).isEqualTo(403);
    assertThat(
            send(
                    "POST",
                    "/v1/acl/policies",
                    "{\"name\":\"tmp\",\"rules\":[{\"resource\":\"cluster\",\"access\":\"write\"},"
                        + "{\"resource\":\"acl\",\"access\":\"write\"}]}",
                    management)
                .status())
        .isEqualTo(200);

    assertThat(send("GET", "/v1/status", "", secret).status()).isEqualTo(403);
    Answer escalate =
        send("POST", "/v1/acl/tokens", "{\"policies\":[\"global-management\"]}", secret);
    assertThat(escalate.status()).as("%s", escalate).isEqualTo(403);
    assertThat(tokenPolicies(accessor)).isEmpty();
    assertThat(send("DELETE", "/v1/acl/policies/tmp", "", management).status()).isEqualTo(200);
  }

  @Test
  void aTokenWithoutPoliciesIsABadRequest() throws Exception {
    for (String body : List.of("{\"policies\":[]}", "{\"description\":\"none\",\"policies\":[]}")) {
      Answer none = send("POST", "/v1/acl/tokens", body, management);
      assertThat(none.status()).as("%s", none).isEqualTo(400);
      assertThat(json(none).at("/error/field").asText()).isEqualTo("policies");
      assertThat(json(none).at("/error/message").asText()).contains("global-management");
    }
  }

  // The same across a restart of a durable server: the deleted policy's links do not come back
  // from its log or snapshot.
  @Test
  void aDeletedPolicysLinksStayGoneAcrossARestart(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    String root;
    String secret;
    try (CairnServer durable =
        CairnServer.builder().dataDir(dir).httpPort(0).grpcPort(0).acl(true).build().start()) {
      root = durable.registry().acls().bootstrap().join().secret();
      durable
          .registry()
          .acls()
          .createPolicy(new Policy("tmp", "", List.of(Rule.of(Resource.CLUSTER, Access.READ))))
          .join();
      secret = durable.registry().acls().createToken("old", List.of("tmp")).join().secret();
      durable.registry().acls().deletePolicy("tmp").join();
    }
    try (CairnServer durable =
        CairnServer.builder().dataDir(dir).httpPort(0).grpcPort(0).acl(true).build().start()) {
      assertThat(durable.registry().acls().tokens())
          .extracting(t -> t.description() + "=" + t.policies())
          .containsExactly("bootstrap token=[global-management]", "old=[]");
      durable
          .registry()
          .acls()
          .createPolicy(new Policy("tmp", "", List.of(Rule.of(Resource.ACL, Access.WRITE))))
          .join();
      assertThat(durable.registry().acls().authorizer(secret).allows(Resource.ACL, Access.READ))
          .isFalse();
      assertThat(durable.registry().acls().authorizer(root).allowsEverything()).isTrue();
    }
  }

  // ---- helpers ----

  private List<String> tokenPolicies(String accessorId) throws Exception {
    for (JsonNode t : json(send("GET", "/v1/acl/tokens", "", management)).get("tokens")) {
      if (t.get("accessorId").asText().equals(accessorId)) {
        List<String> names = new ArrayList<>();
        t.get("policies").forEach(n -> names.add(n.asText()));
        return names;
      }
    }
    throw new AssertionError("no token " + accessorId);
  }

  record Answer(int status, String body) {}

  private HttpRequest.Builder request(String method, String path, String body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.httpAddress().getPort() + path))
            .timeout(Duration.ofSeconds(10));
    if (body.isEmpty()) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    return b;
  }

  /**
   * Sends a request with {@code token} (none when null) and reads its answer; an event stream is
   * read only up to its head (it would not end).
   */
  private Answer send(String method, String path, String body, String token) throws Exception {
    HttpRequest.Builder b = request(method, path, body);
    if (token != null) {
      b.header("X-Cairn-Token", token);
    }
    HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = r.body()) {
      boolean stream =
          r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream");
      return new Answer(
          r.statusCode(), stream ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  private static JsonNode json(Answer a) {
    try {
      return JSON.readTree(a.body());
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + a, e);
    }
  }
}
