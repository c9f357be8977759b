package dev.cairn.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.common.Health;
import dev.cairn.common.HealthCheck;
import dev.cairn.common.Instance;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.SessionInfo;
import dev.cairn.testing.CairnServerExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ConsulApiTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  final CairnServerExtension cairn =
      CairnServerExtension.inMemory().configure(b -> b.frontDoor(ConsulApi.frontDoor(0)));

  private HttpCalls consul;

  @BeforeEach
  void client() {
    consul = new HttpCalls(cairn.server().frontDoors().get(0).endpoint());
  }

  @Test
  void registersWithATtlCheckThatPassWarnAndFailDrive() throws Exception {
    HttpResponse<String> r =
        consul.put(
            "/v1/agent/service/register",
            "{\"ID\": \"web-1\", \"Name\": \"web\", \"Address\": \"10.0.0.1\", \"Port\": 8080,"
                + " \"Tags\": [\"prod\", \"urlprefix-/web\"], \"Meta\": {\"version\": \"1.2\"},"
                + " \"Check\": {\"TTL\": \"10s\", \"Status\": \"critical\"}}");
    assertThat(r.statusCode()).isEqualTo(200);

    Instance stored = cairn.registry().service("default", "web").instances().get(0);
    assertThat(stored.id()).isEqualTo("web-1");
    assertThat(stored.address()).isEqualTo("10.0.0.1");
    assertThat(stored.port("http")).isEqualTo(8080);
    assertThat(stored.tags()).containsExactly("prod");
    assertThat(stored.metadata()).containsEntry("version", "1.2");
    assertThat(stored.check())
        .hasValueSatisfying(c -> assertThat(c.type()).isEqualTo(HealthCheck.Type.TTL));
    assertThat(stored.health()).isEqualTo(Health.CRITICAL);

    assertThat(consul.put("/v1/agent/check/pass/service:web-1", "").statusCode()).isEqualTo(200);
    await().until(() -> health("web-1") == Health.PASSING);
    assertThat(consul.put("/v1/agent/check/warn/service:web-1", "").statusCode()).isEqualTo(200);
    await().until(() -> health("web-1") == Health.WARNING);
    assertThat(consul.put("/v1/agent/check/fail/service:web-1", "").statusCode()).isEqualTo(200);
    await().until(() -> health("web-1") == Health.CRITICAL);

    JsonNode entry = JSON.readTree(consul.get("/v1/health/service/web").body()).get(0);
    assertThat(entry.path("Service").path("Tags").toString())
        .isEqualTo("[\"prod\",\"urlprefix-/web\"]");
    assertThat(entry.path("Service").path("Port").asInt()).isEqualTo(8080);
    assertThat(entry.path("Service").path("Meta").toString()).isEqualTo("{\"version\":\"1.2\"}");
    assertThat(entry.path("Checks").get(1).path("CheckID").asText()).isEqualTo("service:web-1");
    assertThat(entry.path("Checks").get(1).path("Status").asText()).isEqualTo("critical");

    assertThat(consul.put("/v1/agent/service/deregister/web-1", "").statusCode()).isEqualTo(200);
    assertThat(cairn.registry().service("default", "web").instances()).isEmpty();
    assertThat(consul.put("/v1/agent/service/deregister/web-1", "").statusCode()).isEqualTo(404);
  }

  // With ACLs off no token is read, but two different ones still make an ambiguous request.
  @Test
  void twoDifferentTokensAreRefusedWithAclsOffAndAnotherSchemeIsNotRead() throws Exception {
    HttpResponse<String> two =
        consul.send(
            "GET",
            "/v1/catalog/services?token=first-secret-4711",
            "",
            "X-Consul-Token",
            "second-secret-0815");
    HttpResponse<String> same =
        consul.send(
            "GET",
            "/v1/catalog/services?token=first-secret-4711",
            "",
            "X-Consul-Token",
            "first-secret-4711");
    HttpResponse<String> digest =
        consul.send("GET", "/v1/catalog/services", "", "Authorization", "Digest username=\"a\"");

    assertThat(two.statusCode()).isEqualTo(400);
    assertThat(two.body())
        .isEqualTo(
            "Bad request: X-Consul-Token and the token query parameter carry different ACL"
                + " tokens (expected: one token, in one of them or the same in each)");
    assertThat(same.statusCode()).as(same.body()).isEqualTo(200);
    assertThat(digest.statusCode()).as(digest.body()).isEqualTo(200);
  }

  // Decision 0197: the front door proves no session; a client's session instances stay its own.
  @Test
  void anInstanceOfAClientsSessionIsNeitherReplacedNorRemoved() throws Exception {
    Registry registry = cairn.registry();
    SessionInfo owner = OwnedInstances.open(registry, "10.0.0.1", "web/web-1");
    long before = registry.revision();

    HttpResponse<String> replaced =
        consul.put(
            "/v1/agent/service/register",
            "{\"ID\": \"web-1\", \"Name\": \"web\", \"Address\": \"6.6.6.6\", \"Port\": 80}");
    HttpResponse<String> removed = consul.put("/v1/agent/service/deregister/web-1", "");

    assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(403);
    assertThat(replaced.body()).contains("belongs to session " + owner.id());
    assertThat(removed.statusCode()).as(removed.body()).isEqualTo(403);
    assertThat(registry.revision()).isEqualTo(before);
    Instance kept = registry.service("default", "web").instances().get(0);
    assertThat(kept.address()).isEqualTo("10.0.0.1");
    assertThat(kept.sessionId()).isEqualTo(owner.id());
  }

  // Issue 13: a page of another site in a browser cannot write through the front door.
  @Test
  void aWriteFromAPageOfAnotherOriginIsRefusedAndAReadIsServed() throws Exception {
    String instance =
        "{\"ID\": \"e1\", \"Name\": \"evil\", \"Address\": \"6.6.6.6\", \"Port\": 80}";
    String self = cairn.server().frontDoors().get(0).endpoint();
    self = self.endsWith("/") ? self.substring(0, self.length() - 1) : self;

    HttpResponse<String> foreign =
        consul.send(
            "PUT",
            "/v1/agent/service/register",
            instance,
            "Origin",
            "http://evil.example",
            "Content-Type",
            "text/plain");
    HttpResponse<String> read =
        consul.send("GET", "/v1/catalog/services", "", "Origin", "http://evil.example");
    HttpResponse<String> own =
        consul.send("PUT", "/v1/agent/service/register", instance, "Origin", self);

    assertThat(foreign.statusCode()).isEqualTo(403);
    assertThat(foreign.body())
        .startsWith("Forbidden: Origin \"http://evil.example\" is not this server (");
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
    assertThat(cairn.registry().service("default", "evil").instances()).hasSize(1);
  }

  // Decision 0098, addendum of 2026-12-06: a read with a body is refused; an empty one is none.
  @Test
  void aReadWithABodyIsRefusedAndAnEmptyBodyIsServed() throws Exception {
    String endpoint = cairn.server().frontDoors().get(0).endpoint();
    HttpResponse<String> withBody =
        consul.send("GET", "/v1/catalog/services", "{\"Filter\":\"x\"}");
    java.net.URI uri = java.net.URI.create(endpoint);
    String answers;
    try (java.net.Socket socket = new java.net.Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout(30_000);
      String host = "Host: " + uri.getHost() + "\r\n";
      socket
          .getOutputStream()
          .write(
              ("GET /v1/catalog/services HTTP/1.1\r\n"
                      + host
                      + "Content-Length: 0\r\n\r\n"
                      + "GET /v1/catalog/services HTTP/1.1\r\n"
                      + host
                      + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                      + "GET /v1/catalog/services HTTP/1.1\r\n"
                      + host
                      + "Connection: close\r\n\r\n")
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      answers =
          new String(
              socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }

    assertThat(withBody.statusCode()).isEqualTo(400);
    assertThat(withBody.body())
        .isEqualTo(
            "Bad request: a GET takes no body (14 bytes sent; expected: none, the query"
                + " parameters carry any filter)");
    assertThat(answers.split("HTTP/1.1 200 OK", -1)).hasSize(4); // three answers, each a 200
  }

  @Test
  void anHttpCheckBecomesACheckCairnRuns() throws Exception {
    HttpResponse<String> r =
        consul.put(
            "/v1/agent/service/register",
            "{\"name\": \"api\", \"id\": \"api-1\", \"port\": 9000, \"check\": {\"http\":"
                + " \"http://127.0.0.1:9001/health?full=1\", \"interval\": \"5s\", \"timeout\":"
                + " \"2s\"}}");
    assertThat(r.statusCode()).isEqualTo(200);

    Instance stored = cairn.registry().service("default", "api").instances().get(0);
    assertThat(stored.address()).isEqualTo("127.0.0.1");
    assertThat(stored.ports()).containsEntry("http", 9000).containsEntry("check", 9001);
    HealthCheck check = stored.check().orElseThrow();
    assertThat(check.type()).isEqualTo(HealthCheck.Type.HTTP);
    assertThat(check.port()).isEqualTo("check");
    assertThat(check.path()).isEqualTo("/health?full=1");
    assertThat(check.interval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(check.timeout()).isEqualTo(Duration.ofSeconds(2));
    // Cairn probes it itself: a TTL update is refused as Consul refuses it, with a 4xx.
    assertThat(consul.put("/v1/agent/check/pass/service:api-1", "").statusCode()).isEqualTo(400);
  }

  @Test
  void readsFilterByTagAndPassingAndCarryTheRevisionAsIndex() throws Exception {
    register("web", "a", Health.PASSING, List.of("prod"));
    register("web", "b", Health.WARNING, List.of("prod"));
    register("web", "c", Health.CRITICAL, List.of("dev"));
    register("db", "d", Health.PASSING, List.of("primary"));

    JsonNode services = JSON.readTree(consul.get("/v1/catalog/services").body());
    assertThat(services.path("web").toString()).isEqualTo("[\"dev\",\"prod\"]");
    assertThat(services.path("db").toString()).isEqualTo("[\"primary\"]");

    assertThat(ids("/v1/health/service/web")).containsExactly("a", "b", "c");
    assertThat(ids("/v1/health/service/web?passing")).containsExactly("a");
    assertThat(ids("/v1/health/service/web?passing=true&tag=prod")).containsExactly("a");
    assertThat(ids("/v1/health/service/web?tag=prod")).containsExactly("a", "b");
    assertThat(ids("/v1/catalog/service/web?tag=dev")).containsExactly("c");
    assertThat(ids("/v1/health/service/nothing")).isEmpty();
    assertThat(ids("/v1/health/service/Not_A_Label")).isEmpty();

    HttpResponse<String> r = consul.get("/v1/health/service/web");
    assertThat(r.headers().firstValue("X-Consul-Index"))
        .hasValue(Long.toString(cairn.registry().service("default", "web").revision()));
    assertThat(consul.get("/v1/status/leader").body()).isEqualTo("\"127.0.0.1:8300\"");
    assertThat(
            JSON.readTree(consul.get("/v1/agent/self").body())
                .path("Config")
                .path("Datacenter")
                .asText())
        .isEqualTo("dc1");
  }

  @Test
  void aBlockingQueryAnswersWhenTheServiceChangesOrTheWaitRunsOut() throws Exception {
    register("web", "a", Health.PASSING, List.of());
    String index =
        consul.get("/v1/health/service/web").headers().firstValue("X-Consul-Index").orElseThrow();

    HttpResponse<String> timedOut =
        consul.get("/v1/health/service/web?index=" + index + "&wait=200ms");
    assertThat(timedOut.headers().firstValue("X-Consul-Index")).hasValue(index);

    CompletableFuture<HttpResponse<String>> blocked =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return consul.get("/v1/health/service/web?index=" + index + "&wait=30s");
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    await().until(() -> cairn.registry().pendingWaits() > 0);
    assertThat(blocked).isNotDone();
    register("web", "b", Health.PASSING, List.of());

    HttpResponse<String> changed = blocked.get();
    assertThat(Long.parseLong(changed.headers().firstValue("X-Consul-Index").orElseThrow()))
        .isGreaterThan(Long.parseLong(index));
    assertThat(JSON.readTree(changed.body())).hasSize(2);
  }

  @Test
  void badRequestsAreAnsweredAsConsulDoesNeverWith5xx() throws Exception {
    assertThat(consul.put("/v1/agent/service/register", "{not json").statusCode()).isEqualTo(400);
    HttpResponse<String> noName = consul.put("/v1/agent/service/register", "{\"Port\": 1}");
    assertThat(noName.statusCode()).isEqualTo(400);
    assertThat(noName.body()).isEqualTo("Missing service name");
    assertThat(consul.put("/v1/agent/service/register", "{\"Name\": \"Bad_Name\"}").statusCode())
        .isEqualTo(400);
    assertThat(
            consul
                .put("/v1/agent/service/register", "{\"Name\": \"x\", \"Port\": 70000}")
                .statusCode())
        .isEqualTo(400);
    assertThat(
            consul
                .put(
                    "/v1/agent/service/register",
                    "{\"Name\": \"x\", \"Check\": {\"HTTP\": \"http://h:1/\"}}")
                .statusCode())
        .isEqualTo(400);
    assertThat(
            consul
                .put(
                    "/v1/agent/service/register",
                    "{\"Name\": \"x\", \"Check\": {\"Args\": [\"/bin/true\"]}}")
                .statusCode())
        .isEqualTo(400);
    assertThat(consul.get("/v1/health/service/web?index=abc").statusCode()).isEqualTo(400);
    assertThat(consul.get("/v1/health/service/web?index=1&wait=forever").statusCode())
        .isEqualTo(400);
    assertThat(consul.get("/v1/agent/service/register").statusCode()).isEqualTo(405);
    assertThat(consul.put("/v1/catalog/services", "").statusCode()).isEqualTo(405);
    assertThat(consul.put("/v1/agent/check/pass/nope", "").statusCode()).isEqualTo(404);
    assertThat(consul.get("/v1/session/list").statusCode()).isEqualTo(501);
    assertThat(consul.get("/not-consul").statusCode()).isEqualTo(404);
    assertThat(cairn.registry().instanceCount()).isZero();
  }

  // Decision 0209. Consul's clients take a 404 for "no such thing": an endpoint the door does not
  // serve is an error they report.
  @Test
  void aConsulEndpointThisDoorDoesNotServeIsNotImplementedNotAMissingKey() throws Exception {
    HttpResponse<String> session = consul.put("/v1/session/create", "{}");
    HttpResponse<String> txn = consul.put("/v1/txn", "[]");
    HttpResponse<String> checks = consul.get("/v1/agent/checks");

    for (HttpResponse<String> r : List.of(session, txn, checks)) {
      assertThat(r.statusCode()).as(r.uri().toString()).isEqualTo(501);
      assertThat(r.body()).contains("Not implemented").contains(r.uri().getPath());
    }
    assertThat(cairn.registry().instanceCount()).isZero();
  }

  // Decision 0224. Reads of the KV store are Consul's answers for a store without keys (what an
  // app importing consul: configuration meets on a new Consul), writes an error every client
  // reports: no client believes it stored a key or holds a lock.
  @Test
  void theKvStoreReadsAsAnEmptyStoreAndRefusesEveryWrite() throws Exception {
    // Spring Cloud Consul Config's first read of a context, and the reads of other clients.
    for (String path :
        List.of(
            "/v1/kv/config/hello-app,default/?recurse",
            "/v1/kv/config/web", // the Go client's KV().Get, node-consul's kv.get
            "/v1/kv/config/web?raw",
            "/v1/kv/config/?keys",
            "/v1/kv/config/web?index=1&wait=10ms",
            "/v1/kv/config/web?dc=dc1")) {
      HttpResponse<String> r = consul.get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(404);
      assertThat(r.body()).as(path).isEmpty();
      // python-consul reads the header on every answer, a 404 too.
      assertThat(r.headers().firstValue("X-Consul-Index")).as(path).hasValue("1");
    }
    // The keys of the root are an empty list, as in Consul.
    HttpResponse<String> root = consul.get("/v1/kv/?keys");
    assertThat(root.statusCode()).isEqualTo(200);
    assertThat(root.body()).isEqualTo("[]");
    assertThat(root.headers().firstValue("X-Consul-Index")).hasValue("1");
    assertThat(consul.get("/v1/kv/config/web?dc=dc2").statusCode()).isEqualTo(500);
    HttpResponse<String> noKey = consul.get("/v1/kv/");
    assertThat(noKey.statusCode()).isEqualTo(400);
    assertThat(noKey.body()).isEqualTo("Missing key name");

    // Writes, a lock's acquire (its session cannot be created either) and deletes.
    HttpResponse<String> put = consul.put("/v1/kv/config/web", "v");
    HttpResponse<String> cas = consul.put("/v1/kv/config/web?cas=0", "v");
    HttpResponse<String> acquire = consul.put("/v1/kv/service/web/leader?acquire=abc", "me");
    HttpResponse<String> delete = consul.send("DELETE", "/v1/kv/config/web?recurse", "");
    HttpResponse<String> session = consul.put("/v1/session/create", "{\"TTL\": \"15s\"}");
    for (HttpResponse<String> r : List.of(put, cas, acquire, delete, session)) {
      assertThat(r.statusCode()).as(r.uri().toString()).isEqualTo(501);
      assertThat(r.body()).contains("Not implemented").doesNotContain("true");
    }
    assertThat(put.body()).contains("no KV store");
    assertThat(consul.send("PATCH", "/v1/kv/config/web", "").statusCode()).isEqualTo(405);
    // What was written is not read back.
    assertThat(consul.get("/v1/kv/config/web").statusCode()).isEqualTo(404);
  }

  // Decision 0209: what Prometheus' consul_sd_configs sends with datacenter:, filter: and
  // node_meta: (through the Go API client: stale, wait in milliseconds, dc, filter, node-meta).
  @Test
  void anotherDatacenterAFilterAndNodeMetaAreNotAnsweredWithEveryInstance() throws Exception {
    register("web", "web-1", Health.PASSING, List.of("prod"));
    String sd = "/v1/health/service/web?stale=&wait=120000ms";

    assertThat(ids(sd + "&dc=dc1")).containsExactly("web-1");
    HttpResponse<String> otherDc = consul.get(sd + "&dc=dc2");
    assertThat(otherDc.statusCode()).isEqualTo(500);
    assertThat(otherDc.body()).isEqualTo("No path to datacenter");
    assertThat(consul.get("/v1/catalog/services?dc=dc2").statusCode()).isEqualTo(500);

    HttpResponse<String> filtered = consul.get(sd + "&filter=Service.Port%20%3D%3D%2080");
    assertThat(filtered.statusCode()).isEqualTo(400);
    assertThat(filtered.body()).contains("filter");
    assertThat(consul.get("/v1/agent/services?filter=Service%20%3D%3D%20web").statusCode())
        .isEqualTo(400);

    // Cairn's one node has no metadata: like a Consul node without it, it matches no node-meta.
    HttpResponse<String> nodeMeta = consul.get(sd + "&node-meta=rack:a");
    assertThat(nodeMeta.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(nodeMeta.body())).isEmpty();
    assertThat(nodeMeta.headers().firstValue("X-Consul-Index")).isPresent();
    assertThat(JSON.readTree(consul.get("/v1/catalog/services?node-meta=rack:a").body())).isEmpty();
    assertThat(JSON.readTree(consul.get("/v1/catalog/services").body()).has("web")).isTrue();
  }

  private void register(String service, String id, Health health, List<String> tags) {
    cairn
        .registry()
        .register(
            "default",
            Instance.builder(service, "127.0.0.1")
                .id(id)
                .port("http", 80)
                .health(health)
                .tags(tags)
                .build())
        .join();
  }

  private Health health(String id) {
    return cairn.registry().service("default", "web").instances().stream()
        .filter(i -> i.id().equals(id))
        .findFirst()
        .orElseThrow()
        .health();
  }

  private List<String> ids(String path) throws Exception {
    HttpResponse<String> r = consul.get(path);
    assertThat(r.statusCode()).as("%s: %s", path, r.body()).isEqualTo(200);
    List<String> ids = new java.util.ArrayList<>();
    for (JsonNode e : JSON.readTree(r.body())) {
      ids.add(
          e.has("Service") ? e.path("Service").path("ID").asText() : e.path("ServiceID").asText());
    }
    return ids;
  }
}
