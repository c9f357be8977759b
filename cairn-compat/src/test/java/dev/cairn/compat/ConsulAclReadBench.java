package dev.cairn.compat;

import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Policy;
import dev.cairn.server.core.acl.Resource;
import dev.cairn.server.core.acl.Rule;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What ACL checks cost a Consul front-door read ({@code GET /v1/health/service/web} and {@code
 * /v1/catalog/services}): process CPU per request (client and server in this JVM, the client's
 * share the same in every variant) for ACLs off, a management token and a token that may read
 * {@code web*} only (a filtered list), in interleaved rounds. Run on request: {@code mvn -pl
 * cairn-compat -am verify -Pbench -Dtest=ConsulAclReadBench
 * -Dsurefire.failIfNoSpecifiedTests=false} ({@code -Drequests=N} per round, {@code -Drounds=N}).
 */
@Tag("bench")
class ConsulAclReadBench {

  private static final int REQUESTS = Integer.getInteger("requests", 3_000);
  private static final int ROUNDS = Integer.getInteger("rounds", 5);

  @Test
  void aclOffVersusManagementVersusNarrowToken() throws Exception {
    try (CairnServer off = server(false);
        CairnServer on = server(true)) {
      var acls = on.registry().acls();
      String management = acls.bootstrap().join().secret();
      acls.createPolicy(
              new Policy(
                  "read-web", "", List.of(new Rule(Resource.SERVICE, "*", "web", Access.READ))))
          .join();
      String narrow = acls.createToken("reader", List.of("read-web")).join().secret();
      HttpClient http = HttpClient.newHttpClient();
      String[] names = {"acl off", "management token", "web* reader"};
      CairnServer[] servers = {off, on, on};
      String[] tokens = {null, management, narrow};
      for (String path : List.of("/v1/health/service/web", "/v1/catalog/services")) {
        List<List<Double>> micros = new ArrayList<>();
        for (int v = 0; v < 3; v++) {
          micros.add(new ArrayList<>());
          run(http, servers[v], path, tokens[v], 500); // warm up
        }
        for (int r = 0; r < ROUNDS; r++) {
          for (int v = 0; v < 3; v++) {
            micros.get(v).add(run(http, servers[v], path, tokens[v], REQUESTS));
          }
        }
        for (int v = 0; v < 3; v++) {
          List<Double> m = micros.get(v);
          Collections.sort(m);
          System.out.printf(
              "%s %-17s CPU per request: median %.1f us (min %.1f, max %.1f) over %d rounds of %d%n",
              path, names[v], m.get(m.size() / 2), m.get(0), m.get(m.size() - 1), ROUNDS, REQUESTS);
        }
      }
      System.out.println(
          "load average: " + ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
  }

  private static CairnServer server(boolean acl) throws Exception {
    CairnServer s =
        CairnServer.builder()
            .inMemory()
            .httpPort(0)
            .grpcPort(0)
            .acl(acl)
            .frontDoor(ConsulApi.frontDoor(0))
            .start();
    for (int i = 0; i < 20; i++) {
      String service = i == 0 ? "web" : "svc" + i;
      s.registry()
          .register(
              "default",
              Instance.builder(service, "10.0.0." + (i + 1))
                  .id(service + "-1")
                  .port("http", 80)
                  .build())
          .join();
    }
    return s;
  }

  /** Process CPU microseconds per request over {@code n} sequential requests. */
  private static double run(HttpClient http, CairnServer server, String path, String token, int n)
      throws Exception {
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(server.frontDoors().get(0).endpoint() + path));
    if (token != null) {
      b.header("X-Consul-Token", token);
    }
    HttpRequest request = b.build();
    long cpu = os.getProcessCpuTime();
    for (int i = 0; i < n; i++) {
      HttpResponse<Void> r = http.send(request, HttpResponse.BodyHandlers.discarding());
      if (r.statusCode() != 200) {
        throw new AssertionError(path + ": " + r.statusCode());
      }
    }
    return (os.getProcessCpuTime() - cpu) / 1_000.0 / n;
  }
}
