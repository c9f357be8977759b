package dev.cairn.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.client.lb.Endpoint;
import dev.cairn.client.resilience.CallOptions;
import dev.cairn.client.resilience.CallPolicy;
import dev.cairn.client.resilience.CallRunner;
import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.testing.CairnServerExtension;
import dev.cairn.testing.clock.FakeTicker;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The REST client against a real registry and real HTTP servers on loopback. */
class CairnHttpClientTest {

  @RegisterExtension static final CairnServerExtension registry = CairnServerExtension.inMemory();

  @RegisterExtension final ClientPair clients = new ClientPair(registry);

  private List<TestServer> start(String service, int n) throws Exception {
    List<TestServer> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(clients.closing(TestServer.start(clients.servers(), service, service + "-" + i)));
    }
    clients.callers().view(service).awaitInstances(Duration.ofSeconds(5)).join();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> clients.callers().view(service).instances().size() == n);
    return list;
  }

  /**
   * A loopback port that refuses connections until the test ends: a socket bound to it that never
   * listens. A port merely closed before use can be bound again by the next ephemeral listener (the
   * test's own servers among them), and then it answers.
   */
  private int refusedPort() throws Exception {
    Socket holder = clients.closing(new Socket());
    holder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    return holder.getLocalPort();
  }

  private static HttpRequest get(String service) {
    return HttpRequest.newBuilder(URI.create("http://" + service + "/hello")).build();
  }

  @Test
  void callsAServiceByNameSyncAndAsync() throws Exception {
    List<TestServer> hello = start("hello", 3);
    CairnHttpClient http = clients.closing(CairnHttpClient.builder(clients.callers()).build());

    Map<String, Integer> byBody = new HashMap<>();
    for (int i = 0; i < 90; i++) {
      HttpResponse<String> r = http.send(get("hello"), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.uri().getHost()).isEqualTo("127.0.0.1");
      byBody.merge(r.body(), 1, Integer::sum);
    }
    HttpResponse<String> async =
        http.sendAsync(get("hello"), HttpResponse.BodyHandlers.ofString()).get(5, TimeUnit.SECONDS);

    assertThat(byBody.keySet()).containsExactlyInAnyOrder("hello-0", "hello-1", "hello-2");
    assertThat(async.statusCode()).isEqualTo(200);
    assertThat(hello.stream().mapToInt(TestServer::hits).sum()).isEqualTo(91);
  }

  @Test
  void aFailingInstanceIsEjectedAndRetriesStayWithinTheBudget() throws Exception {
    List<TestServer> svc = start("failing", 3);
    svc.get(0).mode(TestServer.Mode.FAIL);
    svc.get(1).mode(TestServer.Mode.FAIL); // two failing of three: the cap lets one be ejected
    CallPolicy policy =
        CallPolicy.builder()
            .loadBalancing("round_robin")
            .backoffInitial(Duration.ofMillis(1))
            .backoffMax(Duration.ofMillis(2))
            .build();
    // A clock that stands still: the budget's window cannot slide and ejections cannot expire,
    // whatever the machine's speed, so the counts below are exact bounds. The I/O is real.
    FakeTicker clock = FakeTicker.create();
    CairnHttpClient http =
        clients.closing(
            CairnHttpClient.builder(clients.callers())
                .policy("failing", policy)
                .ticker(clock)
                .build());

    int calls = 300;
    int ok = 0;
    for (int i = 0; i < calls; i++) {
      ok +=
          http.send(get("failing"), HttpResponse.BodyHandlers.ofString()).statusCode() == 200
              ? 1
              : 0;
    }

    CallRunner<String> runner = http.runner("failing");
    long retries = runner.retryBudget().retriesGranted();
    int attempts = svc.stream().mapToInt(TestServer::hits).sum();
    long ejected =
        runner.balancer().endpoints().stream().filter(e -> e.stats().isEjected()).count();
    System.out.printf(
        "REST, 2 of 3 instances failing: %d calls, %d answered 200, %d attempts, %d retries"
            + " (budget: 20%% of calls + 100), %d ejected (max 10%%, at least 1)%n",
        calls, ok, attempts, retries, ejected);
    assertThat(attempts).isEqualTo(calls + retries);
    assertThat(retries).isLessThanOrEqualTo((long) (0.2 * calls) + 100);
    assertThat(ejected).isEqualTo(1);
    assertThat(svc.get(2).hits()).isEqualTo(ok); // every 200 came from the healthy instance
  }

  @Test
  void aRefusedConnectionEjectsAtOnceAndTheCallGoesElsewhere() throws Exception {
    start("refusing", 2);
    int deadPort = refusedPort();
    clients
        .closing(
            HttpRegistration.of("refusing", "127.0.0.1", deadPort)
                .id("refusing-dead")
                .register(clients.servers()))
        .registered()
        .join();
    await().until(() -> clients.callers().view("refusing").instances().size() == 3);
    CairnHttpClient http =
        clients.closing(
            CairnHttpClient.builder(clients.callers())
                .policy("refusing", CallPolicy.builder().loadBalancing("round_robin").build())
                .build());
    HttpRequest post =
        HttpRequest.newBuilder(URI.create("http://refusing/hello"))
            .POST(HttpRequest.BodyPublishers.ofString("not idempotent"))
            .build();

    for (int i = 0; i < 30; i++) {
      assertThat(http.send(post, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }

    Endpoint<String> dead =
        http.runner("refusing").balancer().endpoints().stream()
            .filter(e -> e.id().equals("refusing-dead"))
            .findFirst()
            .orElseThrow();
    assertThat(dead.stats().isEjected()).isTrue();
    assertThat(http.runner("refusing").retryBudget().retriesGranted()).isEqualTo(1);
  }

  @Test
  void instancesWithoutTheHttpPortFailAtOnceNamingTheirPorts() throws Exception {
    clients
        .closing(
            clients
                .servers()
                .register(
                    dev.cairn.common.Instance.builder("grpconly", "127.0.0.1")
                        .id("grpconly-1")
                        .port("grpc", 9090)
                        .port("metrics", 9091)
                        .build()))
        .registered()
        .join();
    CairnHttpClient http = clients.closing(CairnHttpClient.builder(clients.callers()).build());
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://grpconly/hello"))
            .timeout(Duration.ofSeconds(30))
            .build();

    // Not at the 30 s deadline: the registrations already say no call can succeed.
    CompletableFuture<HttpResponse<String>> f =
        http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(CairnException.class)
        .hasMessage(
            "grpconly: 1 instance registered, none with a port named 'http' (their ports: grpc,"
                + " metrics); register the port as 'http' or call another port with"
                + " CairnHttpClient.Builder.portName")
        .satisfies(
            e -> assertThat(((CairnException) e).code()).isEqualTo(ErrorCode.FAILED_PRECONDITION));
    // Once the view is known, at once on the caller's thread too.
    assertThatThrownBy(() -> http.send(request, HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(CairnException.class)
        .hasMessageStartingWith("grpconly: 1 instance registered, none with a port named 'http'");
  }

  @Test
  void aRefusedConnectionNamesTheServiceTheInstanceAndTheAddress() throws Exception {
    int deadPort = refusedPort();
    clients
        .closing(
            HttpRegistration.of("refusing1", "127.0.0.1", deadPort)
                .id("refusing1-a")
                .register(clients.servers()))
        .registered()
        .join();
    clients.callers().view("refusing1").awaitInstances(Duration.ofSeconds(5)).join();
    CairnHttpClient http = clients.closing(CairnHttpClient.builder(clients.callers()).build());

    assertThatThrownBy(() -> http.send(get("refusing1"), HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(CairnException.class)
        .hasMessageStartingWith(
            "refusing1: instance refusing1-a at 127.0.0.1:" + deadPort + " refused the connection")
        .hasCauseInstanceOf(java.net.ConnectException.class)
        .satisfies(e -> assertThat(((CairnException) e).code()).isEqualTo(ErrorCode.UNAVAILABLE));
  }

  @Test
  void anUnknownServiceFailsWithATypedErrorAtTheDeadline() {
    CairnHttpClient http = clients.closing(CairnHttpClient.builder(clients.callers()).build());
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://nosuch/hello"))
            .timeout(Duration.ofMillis(500))
            .build();

    CompletableFuture<HttpResponse<String>> f =
        http.sendAsync(request, HttpResponse.BodyHandlers.ofString());

    assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(CairnException.class)
        .satisfies(
            e ->
                assertThat(((CairnException) e).code())
                    .isIn(ErrorCode.NOT_FOUND, ErrorCode.UNAVAILABLE));
    assertThatThrownBy(() -> http.send(request, HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(CairnException.class);
  }

  @Test
  void badInputFailsAtOnceNamingTheField() {
    CairnHttpClient http = clients.closing(CairnHttpClient.builder(clients.callers()).build());

    assertThatThrownBy(
            () ->
                http.send(
                    HttpRequest.newBuilder(URI.create("http://hello:8080/x")).build(),
                    HttpResponse.BodyHandlers.discarding()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("uri: http://hello:8080/x (expected: http://<service>/...");
    assertThatThrownBy(
            () -> CairnHttpClient.builder(clients.callers()).connectTimeout(Duration.ZERO).build())
        .hasMessage("connectTimeout: PT0S (expected: > 0)");
    assertThatThrownBy(
            () ->
                CairnHttpClient.builder(clients.callers())
                    .policy("Not_A_Name", CallPolicy.defaults()))
        .hasMessageStartingWith("service: Not_A_Name");
    assertThatThrownBy(() -> CallPolicy.builder().maxAttempts(0).build())
        .hasMessage("maxAttempts: 0 (expected: 1..10)");
    assertThatThrownBy(() -> CallPolicy.builder().loadBalancing("fastest").build())
        .hasMessageStartingWith("loadBalancing: fastest (expected: one of");
  }

  @Test
  void closingReleasesEveryThreadItCreated() throws Exception {
    start("closing", 2);
    CairnHttpClient http = CairnHttpClient.builder(clients.callers()).build();
    for (int i = 0; i < 20; i++) {
      http.send(get("closing"), HttpResponse.BodyHandlers.ofString());
    }
    assertThat(threads("cairn-rest-")).isPositive();
    assertThat(threads("cairn-rest-deadline-")).isEqualTo(1); // synchronous calls' deadlines

    http.close();
    http = null; // on Java 17 the JDK client's selector thread ends once the client is unreachable

    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              System.gc();
              return threads("cairn-rest-") == 0 && threads("HttpClient-") == 0;
            });
  }

  @Test
  void idempotencyAndDeadlineComeFromTheRequestUnlessTheCallSaysOtherwise() throws Exception {
    List<TestServer> svc = start("opts", 1);
    svc.get(0).mode(TestServer.Mode.FAIL);
    CairnHttpClient http = clients.closing(CairnHttpClient.builder(clients.callers()).build());
    HttpRequest post =
        HttpRequest.newBuilder(URI.create("http://opts/hello"))
            .POST(HttpRequest.BodyPublishers.ofString("x"))
            .build();

    assertThat(http.send(post, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(500);
    assertThat(svc.get(0).hits()).isEqualTo(1); // POST: not retried
    assertThat(
            http.send(post, HttpResponse.BodyHandlers.ofString(), CallOptions.idempotent())
                .statusCode())
        .isEqualTo(500);
    assertThat(svc.get(0).hits()).isEqualTo(4); // declared idempotent: 3 attempts
  }

  private static long threads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith(prefix))
        .count();
  }
}
