package dev.cairn.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.common.Instance;
import dev.cairn.compat.internal.Need;
import dev.cairn.compat.internal.RouteTable;
import dev.cairn.compat.internal.consul.ConsulEndpoint;
import dev.cairn.compat.internal.eureka.EurekaEndpoint;
import dev.cairn.compat.internal.prometheus.TargetsEndpoint;
import dev.cairn.server.CairnServer;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.SessionInfo;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Policy;
import dev.cairn.server.core.acl.Resource;
import dev.cairn.server.core.acl.Rule;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The HTTP front doors with ACLs on. Every endpoint of every route table ({@link ConsulEndpoint},
 * {@link EurekaEndpoint}, {@link TargetsEndpoint}) is tried with no token, an unknown token, a
 * token without the right and a token with exactly the right its table declares, and must be
 * answered each protocol's way (decision 0174): generated from the tables, so that a new endpoint
 * is tested as soon as it exists (and one without a rule cannot be declared). The tests after it
 * check what the generated one cannot: the token forms, and that one service's right does not open
 * another.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FrontDoorAclTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String FILTERED = "X-Consul-Results-Filtered-By-ACLs";
  private static final String UNKNOWN = "not-a-token-this-registry-issued";

  private final HttpClient http = HttpClient.newHttpClient();
  private CairnServer server;
  private String nothing; // a token whose policy grants nothing
  private String reader; // service read on web*
  private String writer; // service and health write on web*
  private String management;

  @BeforeAll
  void start() throws Exception {
    server =
        CairnServer.builder()
            .inMemory()
            .httpPort(0)
            .grpcPort(0)
            .acl(true)
            .frontDoor(ConsulApi.frontDoor(0))
            .frontDoor(EurekaApi.frontDoor(0))
            .frontDoor(PrometheusSd.frontDoor(0))
            .build()
            .start();
    var acls = server.registry().acls();
    management = acls.bootstrap().join().secret();
    acls.createPolicy(new Policy("nothing", "", List.of())).join();
    acls.createPolicy(
            new Policy(
                "read-web", "", List.of(new Rule(Resource.SERVICE, "*", "web", Access.READ))))
        .join();
    acls.createPolicy(
            new Policy(
                "write-web",
                "",
                List.of(
                    new Rule(Resource.SERVICE, "*", "web", Access.WRITE),
                    new Rule(Resource.HEALTH, "*", "web", Access.WRITE))))
        .join();
    nothing = acls.createToken("nothing", List.of("nothing")).join().secret();
    reader = acls.createToken("reader", List.of("read-web")).join().secret();
    writer = acls.createToken("writer", List.of("write-web")).join().secret();
    for (String service : List.of("web", "db")) {
      server
          .registry()
          .register(
              "default",
              Instance.builder(service, "10.0.0.1").id(service + "-1").port("http", 80).build())
          .join();
    }
  }

  @AfterAll
  void stop() {
    server.close();
  }

  // --- Generated from the route tables.

  /**
   * The fixture's instances: {@code web-1} (Consul, with a TTL check) and {@code web-e} (Eureka).
   */
  private static final String CONSUL_INSTANCE =
      "{\"Name\":\"gen\",\"ID\":\"gen-1\",\"Address\":\"10.0.0.1\",\"Port\":80,"
          + "\"Check\":{\"TTL\":\"60s\"}}";

  private static final String EUREKA_INSTANCE =
      "{\"instance\": {\"instanceId\": \"gen-e\", \"hostName\": \"127.0.0.1\", \"app\":"
          + " \"GEN\", \"ipAddr\": \"127.0.0.1\", \"status\": \"UP\", \"port\": {\"$\": 8080,"
          + " \"@enabled\": \"true\"}, \"dataCenterInfo\": {\"@class\":"
          + " \"com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo\", \"name\": \"MyOwn\"}}}";

  @TestFactory
  Stream<DynamicTest> everyEndpointRefusesWithoutItsRightAndAnswersWithIt() {
    List<DynamicTest> tests = new ArrayList<>();
    for (ConsulEndpoint e : ConsulEndpoint.values()) {
      tests.add(DynamicTest.dynamicTest("consul " + e.name(), () -> checkConsul(e)));
    }
    for (EurekaEndpoint e : EurekaEndpoint.values()) {
      tests.add(DynamicTest.dynamicTest("eureka " + e.name(), () -> checkEureka(e)));
    }
    for (TargetsEndpoint e : TargetsEndpoint.values()) {
      tests.add(DynamicTest.dynamicTest("prometheus " + e.name(), () -> checkTargets(e)));
    }
    return tests.stream();
  }

  private void checkConsul(ConsulEndpoint e) throws Exception {
    String path =
        fill(
            e.pattern(),
            switch (e) {
              case DEREGISTER -> "gen-1";
              case CHECK_PASS, CHECK_WARN, CHECK_FAIL, CHECK_UPDATE -> "service:gen-1";
              default -> "gen";
            });
    assertThat(new RouteTable<>(ConsulEndpoint.class).match(e.methods().get(0), path).endpoint())
        .as("%s routes to itself", path)
        .isEqualTo(e);
    String body =
        switch (e) {
          case REGISTER -> CONSUL_INSTANCE;
          case CHECK_UPDATE -> "{\"Status\":\"passing\"}";
          default -> "";
        };
    String method = e.methods().get(0).name();
    String with = tokenWith(e.name(), e.need());
    java.util.function.Function<String, HttpResponse<String>> call =
        token -> {
          try {
            assertThat(
                    consul("PUT", "/v1/agent/service/register", CONSUL_INSTANCE, management)
                        .statusCode())
                .isEqualTo(200);
            return consul(method, path, body, token);
          } catch (Exception x) {
            throw new AssertionError(x);
          }
        };
    try {
      checkConsul(e, method, path, call, with);
    } finally {
      consul("PUT", "/v1/agent/service/deregister/gen-1", "", management);
    }
  }

  private void checkConsul(
      ConsulEndpoint e,
      String method,
      String path,
      java.util.function.Function<String, HttpResponse<String>> call,
      String with) {
    switch (e.need().scope()) {
      case NONE -> {
        for (String token : java.util.Arrays.asList(null, UNKNOWN, nothing, with)) {
          assertThat(call.apply(token).statusCode()).as("%s %s", method, path).isEqualTo(200);
        }
      }
      case SERVICE, SOME_SERVICE -> {
        if (e.methods().contains(io.netty.handler.codec.http.HttpMethod.GET)) {
          // Consul filters a read the token may not make, and says so.
          assertThat(call.apply(null)).as("%s, no token", path).satisfies(filtered());
          assertThat(call.apply(nothing)).as("%s, no right", path).satisfies(filtered());
        } else {
          assertThat(call.apply(null))
              .as("%s, no token", path)
              .satisfies(refused(403, "Permission denied: anonymous token lacks permission"));
          assertThat(call.apply(nothing))
              .as("%s, no right", path)
              .satisfies(refused(403, "Permission denied: token with AccessorID"));
        }
        assertThat(call.apply(UNKNOWN)).satisfies(refused(403, "ACL not found"));
        HttpResponse<String> allowed = call.apply(with);
        assertThat(allowed.statusCode()).as("%s %s with its right", method, path).isEqualTo(200);
        assertThat(allowed.headers().firstValue(FILTERED)).isEmpty();
      }
      case SERVER -> {
        assertThat(call.apply(null)).satisfies(refused(403, "Permission denied"));
        assertThat(call.apply(UNKNOWN)).satisfies(refused(403, "ACL not found"));
        assertThat(call.apply(nothing)).satisfies(refused(403, "Permission denied"));
        assertThat(call.apply(with).statusCode()).isEqualTo(200);
      }
    }
  }

  private void checkEureka(EurekaEndpoint e) throws Exception {
    String path =
        switch (e) {
          case APP_INSTANCE, HEARTBEAT, CANCEL -> fill(e.pattern(), "GEN", "gen-e");
          case INSTANCE -> fill(e.pattern(), "gen-e");
          default -> fill(e.pattern(), "GEN");
        };
    assertThat(new RouteTable<>(EurekaEndpoint.class).match(e.methods().get(0), path).endpoint())
        .as("%s routes to itself", path)
        .isEqualTo(e);
    String method = e.methods().get(0).name();
    String body = e == EurekaEndpoint.REGISTER ? EUREKA_INSTANCE : "";
    String url = origin(1) + EurekaApi.PATH + path;
    String with = tokenWith(e.name(), e.need());
    java.util.function.Function<String, HttpResponse<String>> call =
        token -> {
          try {
            assertThat(eureka("POST", url(1, "apps/GEN"), EUREKA_INSTANCE, management).statusCode())
                .isEqualTo(204);
            return eureka(method, url, body, token);
          } catch (Exception x) {
            throw new AssertionError(x);
          }
        };
    assertThat(e.need().scope()).isNotEqualTo(Need.Scope.NONE);
    try {
      assertThat(call.apply(null))
          .as("%s %s, no token", method, path)
          .satisfies(challenged("Basic"));
      assertThat(call.apply(UNKNOWN)).satisfies(refused(403, "unknown ACL token"));
      assertThat(call.apply(nothing))
          .as("%s %s, no right", method, path)
          .satisfies(refused(403, "Forbidden"));
      assertThat(call.apply(with).statusCode())
          .as("%s %s with its right", method, path)
          .isBetween(200, 299);
    } finally {
      eureka("DELETE", url(1, "apps/GEN/gen-e"), "", management);
    }
  }

  private void checkTargets(TargetsEndpoint e) throws Exception {
    assertThat(
            new RouteTable<>(TargetsEndpoint.class)
                .match(e.methods().get(0), e.pattern())
                .endpoint())
        .isEqualTo(e);
    String url = origin(2) + e.pattern();
    String with = tokenWith(e.name(), e.need());
    assertThat(e.need().scope()).isNotEqualTo(Need.Scope.NONE);
    assertThat(bearer(url, null)).satisfies(challenged("Bearer"));
    assertThat(bearer(url, UNKNOWN)).satisfies(refused(403, "unknown ACL token"));
    assertThat(bearer(url, nothing)).satisfies(refused(403, "Forbidden"));
    assertThat(bearer(url, with).statusCode()).isEqualTo(200);
  }

  /** A token whose one policy grants exactly {@code need} (on every namespace and service). */
  private String tokenWith(String endpoint, Need need) {
    if (need.scope() == Need.Scope.NONE) {
      return nothing;
    }
    Rule rule =
        need.scope() == Need.Scope.SERVER
            ? Rule.of(need.resource(), need.access())
            : new Rule(need.resource(), "*", "", need.access());
    String name =
        "only-" + endpoint.toLowerCase(java.util.Locale.ROOT).replace('_', '-') + "-" + rules++;
    server.registry().acls().createPolicy(new Policy(name, "", List.of(rule))).join();
    return server.registry().acls().createToken(name, List.of(name)).join().secret();
  }

  private int rules;

  /** {@code pattern} with its {@code {}} replaced by {@code values} in order. */
  private static String fill(String pattern, String... values) {
    String path = pattern;
    for (int i = 0; path.contains("{}"); i++) {
      path =
          path.replaceFirst(
              "\\{\\}",
              java.util.regex.Matcher.quoteReplacement(values[Math.min(i, values.length - 1)]));
    }
    return path;
  }

  private java.util.function.Consumer<HttpResponse<String>> filtered() {
    return r -> {
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue(FILTERED)).contains("true");
    };
  }

  // --- Consul: X-Consul-Token, Bearer or ?token=; reads filtered, writes 403 "Permission denied".

  // Decision 0224: the KV store is empty, so a read needs no right, but an unknown token is still
  // refused; a write is 501 for every token, management too.
  @Test
  void consulKvReadsAsEmptyForEveryKnownTokenAndTakesNoWriteFromAny() throws Exception {
    String path = "/v1/kv/config/web/?recurse";
    for (String token : java.util.Arrays.asList(null, nothing, reader, management)) {
      HttpResponse<String> read = consul("GET", path, null, token);
      assertThat(read.statusCode()).as("token %s", token).isEqualTo(404);
      assertThat(read.headers().firstValue("X-Consul-Index")).hasValue("1");
      assertThat(consul("PUT", "/v1/kv/config/web/greeting", "hi", token).statusCode())
          .as("token %s", token)
          .isEqualTo(501);
    }
    assertThat(consul("GET", path, null, UNKNOWN)).satisfies(refused(403, "ACL not found"));
    assertThat(consul("PUT", "/v1/kv/config/web/greeting", "hi", UNKNOWN))
        .satisfies(refused(403, "ACL not found"));
  }

  @Test
  void consulCatalogListsOnlyWhatTheTokenMayRead() throws Exception {
    String path = "/v1/catalog/services";
    assertThat(consul("GET", path, null, null)).satisfies(filteredTo("{}"));
    assertThat(consul("GET", path, null, UNKNOWN)).satisfies(refused(403, "ACL not found"));
    assertThat(consul("GET", path, null, nothing)).satisfies(filteredTo("{}"));
    assertThat(consul("GET", path, null, reader)).satisfies(filteredTo("{\"web\":[]}"));
    HttpResponse<String> all = consul("GET", path, null, management);
    assertThat(all.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(all.body()).fieldNames()).toIterable().contains("web", "db");
    assertThat(all.headers().firstValue("X-Consul-Results-Filtered-By-ACLs")).isEmpty();
  }

  @Test
  void consulServiceReadsAreFilteredToNothingWithoutTheRight() throws Exception {
    for (String path : List.of("/v1/health/service/web", "/v1/catalog/service/web")) {
      assertThat(consul("GET", path, null, null)).satisfies(filteredTo("[]"));
      assertThat(consul("GET", path, null, UNKNOWN)).satisfies(refused(403, "ACL not found"));
      assertThat(consul("GET", path, null, nothing)).satisfies(filteredTo("[]"));
      HttpResponse<String> read = consul("GET", path, null, reader);
      assertThat(read.statusCode()).isEqualTo(200);
      assertThat(JSON.readTree(read.body())).hasSize(1);
    }
    assertThat(JSON.readTree(consul("GET", "/v1/agent/services", null, reader).body()).size())
        .isEqualTo(1);
    // agent/self needs agent (cluster) read; the status endpoints take no token.
    assertThat(consul("GET", "/v1/agent/self", null, reader))
        .satisfies(refused(403, "Permission denied"));
    assertThat(consul("GET", "/v1/agent/self", null, management).statusCode()).isEqualTo(200);
    assertThat(consul("GET", "/v1/status/leader", null, UNKNOWN).statusCode()).isEqualTo(200);
  }

  @Test
  void consulRegistrationNeedsServiceWriteInEveryTokenForm() throws Exception {
    String register = "/v1/agent/service/register";
    String body = "{\"Name\":\"web\",\"ID\":\"web-c\",\"Address\":\"10.0.0.2\",\"Port\":80}";
    assertThat(consul("PUT", register, body, null))
        .satisfies(
            refused(
                403,
                "Permission denied: anonymous token lacks permission 'service:write' on \"web\""));
    assertThat(consul("PUT", register, body, UNKNOWN)).satisfies(refused(403, "ACL not found"));
    assertThat(consul("PUT", register, body, reader))
        .satisfies(refused(403, "lacks permission 'service:write' on \"web\""));
    assertThat(instanceIds("web")).doesNotContain("web-c");

    assertThat(consul("PUT", register, body, writer).statusCode()).isEqualTo(200);
    assertThat(instanceIds("web")).contains("web-c");
    assertThat(server.registry().audit("default", "web", 10))
        .anySatisfy(e -> assertThat(e.author().accessorId()).isNotEmpty());
    // The other forms: Authorization: Bearer and ?token=.
    assertThat(
            send(
                    "PUT",
                    url(0, "/v1/agent/check/pass/service:web-c"),
                    "",
                    "Authorization",
                    "Bearer " + reader)
                .statusCode())
        .isEqualTo(403);
    assertThat(
            send("PUT", url(0, "/v1/agent/service/deregister/web-c?token=" + reader), "")
                .statusCode())
        .isEqualTo(403);
    assertThat(
            send("PUT", url(0, "/v1/agent/service/deregister/web-c?token=" + writer), "")
                .statusCode())
        .isEqualTo(200);
    assertThat(instanceIds("web")).doesNotContain("web-c");
    // No right on db: a writer of web may not register it.
    assertThat(
            consul(
                "PUT",
                register,
                "{\"Name\":\"db\",\"ID\":\"db-c\",\"Address\":\"10.0.0.2\",\"Port\":5432}",
                writer))
        .satisfies(refused(403, "on \"db\""));
  }

  // --- Eureka: the token as the basic-auth password; 401 with a challenge, 403.

  @Test
  void eurekaReadsNeedAReadableServiceAndListOnlyThose() throws Exception {
    String apps = url(1, "apps");
    assertThat(eureka("GET", apps, "", null)).satisfies(challenged("Basic"));
    assertThat(eureka("GET", apps, "", UNKNOWN)).satisfies(refused(403, "unknown ACL token"));
    assertThat(eureka("GET", apps, "", nothing)).satisfies(refused(403, "Forbidden"));
    HttpResponse<String> read = eureka("GET", apps, "", reader);
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(read.body()).contains("\"WEB\"").doesNotContain("\"DB\"");
    assertThat(eureka("GET", url(1, "apps/DB"), "", reader)).satisfies(refused(403, "Forbidden"));
    assertThat(eureka("GET", url(1, "apps/WEB"), "", reader).statusCode()).isEqualTo(200);
    assertThat(eureka("GET", url(1, "instances/db-1"), "", reader).statusCode()).isEqualTo(404);
    assertThat(eureka("GET", url(1, "instances/web-1"), "", reader).statusCode()).isEqualTo(200);
    assertThat(eureka("GET", url(1, "instances/web-1"), "", UNKNOWN).statusCode()).isEqualTo(403);
    assertThat(eureka("GET", url(1, "instances/web-1"), "", null).statusCode()).isEqualTo(401);
  }

  @Test
  void eurekaRegistrationHeartbeatAndCancelNeedServiceWrite() throws Exception {
    String app = url(1, "apps/WEB");
    String body =
        "{\"instance\": {\"instanceId\": \"web-e\", \"hostName\": \"127.0.0.1\", \"app\": \"WEB\","
            + " \"ipAddr\": \"127.0.0.1\", \"status\": \"UP\", \"port\": {\"$\": 8080,"
            + " \"@enabled\": \"true\"}, \"dataCenterInfo\": {\"@class\":"
            + " \"com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo\", \"name\": \"MyOwn\"}}}";
    assertThat(eureka("POST", app, body, null)).satisfies(challenged("Basic"));
    assertThat(eureka("POST", app, body, UNKNOWN)).satisfies(refused(403, "unknown ACL token"));
    assertThat(eureka("POST", app, body, reader)).satisfies(refused(403, "Forbidden"));
    assertThat(instanceIds("web")).doesNotContain("web-e");

    assertThat(eureka("POST", app, body, writer).statusCode()).isEqualTo(204);
    assertThat(instanceIds("web")).contains("web-e");
    assertThat(eureka("PUT", app + "/web-e", "", reader).statusCode()).isEqualTo(403);
    assertThat(eureka("PUT", app + "/web-e", "", writer).statusCode()).isEqualTo(200);
    assertThat(eureka("DELETE", app + "/web-e", "", null).statusCode()).isEqualTo(401);
    assertThat(eureka("DELETE", app + "/web-e", "", writer).statusCode()).isEqualTo(200);
    assertThat(instanceIds("web")).doesNotContain("web-e");
  }

  // Decision 0197: a token with write on a service removes another session's instance of it as the
  // server's API would, alone; it neither renews nor closes that session.
  @Test
  void eurekaRemovesAnotherSessionsInstanceAloneAndLeavesTheSessionOpen() throws Exception {
    Registry registry = server.registry();
    SessionInfo owner = OwnedInstances.open(registry, "10.0.0.9", "web/web-owned", "db/db-owned");
    try {
      assertThat(eureka("PUT", url(1, "apps/WEB/web-owned"), "", writer).statusCode())
          .isEqualTo(404);
      assertThat(eureka("DELETE", url(1, "apps/DB/db-owned"), "", writer).statusCode())
          .isEqualTo(403);
      assertThat(eureka("DELETE", url(1, "apps/WEB/web-owned"), "", writer).statusCode())
          .isEqualTo(200);

      assertThat(instanceIds("web")).doesNotContain("web-owned");
      assertThat(instanceIds("db")).contains("db-owned");
      assertThat(registry.isSessionOpen(owner.id())).isTrue();
    } finally {
      registry.closeSession(owner.id()).join();
    }
  }

  // --- Prometheus SD: Authorization: Bearer (http_sd_configs' authorization); 401, 403.

  @Test
  void prometheusTargetsListOnlyWhatTheTokenMayRead() throws Exception {
    String targets = url(2, "");
    assertThat(bearer(targets, null)).satisfies(challenged("Bearer"));
    assertThat(bearer(targets, UNKNOWN)).satisfies(refused(403, "unknown ACL token"));
    assertThat(bearer(targets, nothing)).satisfies(refused(403, "may not read any service"));
    HttpResponse<String> read = bearer(targets, reader);
    assertThat(read.statusCode()).isEqualTo(200);
    List<String> services = new ArrayList<>();
    JSON.readTree(read.body())
        .forEach(g -> services.add(g.path("labels").path("__meta_cairn_service").asText()));
    assertThat(services).containsExactly("web");
    assertThat(bearer(targets + "?service=db", reader)).satisfies(refused(403, "default/db"));
    assertThat(JSON.readTree(bearer(targets, management).body()).size()).isEqualTo(2);
  }

  // --- Two different tokens are refused; the same token in two forms is one (decision 0167).

  @Test
  void twoDifferentTokensAreRefusedOnEveryFrontDoor() throws Exception {
    String register = "/v1/agent/service/register";
    String body = "{\"Name\":\"web\",\"ID\":\"web-t\",\"Address\":\"10.0.0.2\",\"Port\":80}";
    HttpResponse<String> consul =
        send(
            "PUT",
            url(0, register),
            body,
            "X-Consul-Token",
            reader,
            "Authorization",
            "Bearer " + writer);
    HttpResponse<String> query =
        send("PUT", url(0, register + "?token=" + writer), body, "X-Consul-Token", reader);
    String basic =
        Base64.getEncoder().encodeToString(("app:" + writer).getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> eureka =
        send(
            "GET",
            url(1, "apps"),
            "",
            "Accept",
            "application/json",
            "Authorization",
            "Basic " + basic,
            "X-Cairn-Token",
            reader);
    HttpResponse<String> prometheus =
        send("GET", url(2, ""), "", "Authorization", "Bearer " + reader, "X-Cairn-Token", writer);

    assertThat(consul)
        .satisfies(
            refused(
                400,
                "Bad request: X-Consul-Token and Authorization carry different ACL tokens"
                    + " (expected: one token, in one of them or the same in each)"));
    assertThat(query)
        .satisfies(refused(400, "X-Consul-Token and the token query parameter carry different"));
    assertThat(eureka).satisfies(refused(400, "X-Cairn-Token and Authorization carry different"));
    assertThat(prometheus)
        .satisfies(refused(400, "X-Cairn-Token and Authorization carry different"));
    for (HttpResponse<String> r : List.of(consul, query, eureka, prometheus)) {
      assertThat(r.body()).doesNotContain(reader).doesNotContain(writer);
    }
    assertThat(instanceIds("web")).doesNotContain("web-t");
  }

  @Test
  void theSameTokenInTwoFormsIsServed() throws Exception {
    String body = "{\"Name\":\"web\",\"ID\":\"web-s\",\"Address\":\"10.0.0.2\",\"Port\":80}";
    HttpResponse<String> r =
        send(
            "PUT",
            url(0, "/v1/agent/service/register?token=" + writer),
            body,
            "X-Consul-Token",
            writer,
            "Authorization",
            "Bearer " + writer);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(instanceIds("web")).contains("web-s");
    assertThat(send("PUT", url(0, "/v1/agent/service/deregister/web-s?token=" + writer), ""))
        .satisfies(r2 -> assertThat(r2.statusCode()).isEqualTo(200));
  }

  @Test
  void anAuthorizationWithoutATokenIsUnauthorizedNotAnonymous() throws Exception {
    HttpResponse<String> digest =
        send("GET", url(2, ""), "", "Authorization", "Digest username=\"ops\", nonce=\"n\"");
    HttpResponse<String> bare =
        send("GET", url(0, "/v1/catalog/services"), "", "Authorization", reader);

    assertThat(digest)
        .satisfies(
            refused(
                401,
                "Unauthorized: Authorization scheme Digest carries no ACL token (expected: Bearer"
                    + " <token>, Basic with the token as the password, or X-Consul-Token: ACLs"
                    + " are on)"));
    assertThat(bare).satisfies(refused(401, "Authorization with no scheme carries no ACL token"));
    assertThat(bare.body()).doesNotContain(reader);
  }

  private java.util.function.Consumer<HttpResponse<String>> filteredTo(String json) {
    return r -> {
      assertThat(r.statusCode()).isEqualTo(200);
      try {
        assertThat(JSON.readTree(r.body())).isEqualTo(JSON.readTree(json));
      } catch (java.io.IOException e) {
        throw new AssertionError(e);
      }
      assertThat(r.headers().firstValue("X-Consul-Results-Filtered-By-ACLs")).contains("true");
    };
  }

  private static java.util.function.Consumer<HttpResponse<String>> refused(
      int status, String text) {
    return r -> {
      assertThat(r.statusCode()).isEqualTo(status);
      assertThat(r.body()).contains(text);
    };
  }

  private static java.util.function.Consumer<HttpResponse<String>> challenged(String scheme) {
    return r -> {
      assertThat(r.statusCode()).isEqualTo(401);
      assertThat(r.headers().firstValue("WWW-Authenticate"))
          .hasValueSatisfying(v -> assertThat(v).startsWith(scheme + " "));
    };
  }

  private List<String> instanceIds(String service) {
    return server.registry().service("default", service).instances().stream()
        .map(Instance::id)
        .toList();
  }

  private HttpResponse<String> consul(String method, String path, String body, String token)
      throws Exception {
    return token == null
        ? send(method, url(0, path), body == null ? "" : body)
        : send(method, url(0, path), body == null ? "" : body, "X-Consul-Token", token);
  }

  private HttpResponse<String> eureka(String method, String url, String body, String token)
      throws Exception {
    if (token == null) {
      return send(method, url, body, "Content-Type", "application/json");
    }
    String basic =
        Base64.getEncoder().encodeToString(("app:" + token).getBytes(StandardCharsets.UTF_8));
    return send(
        method,
        url,
        body,
        "Content-Type",
        "application/json",
        "Accept",
        "application/json",
        "Authorization",
        "Basic " + basic);
  }

  private HttpResponse<String> bearer(String url, String token) throws Exception {
    return token == null
        ? send("GET", url, "")
        : send("GET", url, "", "Authorization", "Bearer " + token);
  }

  /** {@code http://127.0.0.1:port} of front door {@code door}. */
  private String origin(int door) {
    return "http://127.0.0.1:" + server.frontDoors().get(door).address().getPort();
  }

  private String url(int door, String path) {
    return server.frontDoors().get(door).endpoint() + path;
  }

  private HttpResponse<String> send(String method, String url, String body, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(30))
            .method(method, HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
