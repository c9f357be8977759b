package dev.cairn.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.cairn.client.lb.OutlierDetection;
import dev.cairn.client.resilience.CallOptions;
import dev.cairn.client.resilience.CallPolicy;
import dev.cairn.common.CairnException;
import dev.cairn.testing.CairnServerExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Deadlines and interrupts of REST calls (decision 0036), against a real registry, a real HTTP
 * server on loopback and a {@link SilentServer} that reads requests and never answers.
 */
class CallDeadlineTest {

  @RegisterExtension static final CairnServerExtension registry = CairnServerExtension.inMemory();

  private static final Duration PATIENCE = Duration.ofSeconds(30); // generous upper bounds

  @RegisterExtension final ClientPair clients = new ClientPair(registry);

  /** A silent instance of {@code service}, registered and seen by the callers' client. */
  private SilentServer silent(String service) throws Exception {
    SilentServer s = clients.closing(SilentServer.start());
    clients
        .closing(HttpRegistration.of(service, "127.0.0.1", s.port()).register(clients.servers()))
        .registered()
        .join();
    clients.callers().view(service).awaitInstances(Duration.ofSeconds(5)).join();
    return s;
  }

  private TestServer answering(String service) throws Exception {
    TestServer s = clients.closing(TestServer.start(clients.servers(), service, service + "-0"));
    clients.callers().view(service).awaitInstances(Duration.ofSeconds(5)).join();
    return s;
  }

  /**
   * Waits until {@code http}'s route to {@code service} can pick the instance on {@code port}: the
   * first attempt of the next call then goes out on the caller's thread (until the route's balancer
   * has heard from the view, attempts wait for it on the client's timer and executor).
   */
  private static void ready(CairnHttpClient http, String service, int port) {
    await()
        .atMost(PATIENCE)
        .until(
            () ->
                http.runner(service).balancer().endpoints().stream()
                    .anyMatch(e -> e.target().endsWith(":" + port)));
  }

  private static HttpRequest get(String service) {
    return HttpRequest.newBuilder(URI.create("http://" + service + "/hello")).build();
  }

  @Test
  void aSilentInstanceFailsTheCallWithHttpTimeoutExceptionAtTheDeadline() throws Exception {
    SilentServer silent = silent("timeout");
    TestServer fine = answering("timeout-fine");
    CairnHttpClient http = clients.closing(CairnHttpClient.builder(clients.callers()).build());
    ready(http, "timeout", silent.port());
    ready(http, "timeout-fine", fine.port());
    Duration deadline = Duration.ofMillis(300);
    HttpRequest request =
        HttpRequest.newBuilder(get("timeout"), (n, v) -> true).timeout(deadline).build();

    assertTimeoutPreemptively(
        PATIENCE,
        () -> {
          long start = System.nanoTime();
          assertThatThrownBy(() -> http.send(request, HttpResponse.BodyHandlers.ofString()))
              .isExactlyInstanceOf(HttpTimeoutException.class);
          assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(deadline.toNanos());
          assertThat(Thread.currentThread().isInterrupted()).isFalse();

          HttpResponse<String> next =
              http.send(get("timeout-fine"), HttpResponse.BodyHandlers.ofString());
          assertThat(next.statusCode()).isEqualTo(200);
        });
    // the JDK aborted the exchange; the deadline left no time for a retry
    await().atMost(PATIENCE).until(() -> silent.closedByClient() == 1);
    assertThat(silent.requests()).isEqualTo(1);
  }

  @Test
  void theCallersInterruptAbortsTheCallWithInterruptedExceptionAndTheFlagSet() throws Exception {
    SilentServer silent = silent("interrupt");
    CairnHttpClient http = clients.closing(CairnHttpClient.builder(clients.callers()).build());
    ready(http, "interrupt", silent.port());
    Thread caller = Thread.currentThread();
    CompletableFuture<Void> interrupter =
        CompletableFuture.runAsync(
            () -> {
              try {
                silent.awaitRequest();
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
              caller.interrupt();
            });

    assertThatThrownBy(() -> http.send(get("interrupt"), HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(InterruptedException.class);

    assertThat(Thread.interrupted()).isTrue(); // and clears it for the next test
    interrupter.get(5, TimeUnit.SECONDS);
    await().atMost(PATIENCE).until(() -> silent.closedByClient() == 1);
    assertThat(http.runner("interrupt").retryBudget().retriesGranted()).isZero();
  }

  @Test
  void aThreadInterruptedBeforeTheCallGetsInterruptedExceptionAndKeepsItsFlag() throws Exception {
    TestServer server = answering("early");
    CairnHttpClient http = clients.closing(CairnHttpClient.builder(clients.callers()).build());
    ready(http, "early", server.port());

    Thread.currentThread().interrupt();
    assertThatThrownBy(() -> http.send(get("early"), HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(InterruptedException.class);

    assertThat(Thread.interrupted()).isTrue();
    assertThat(http.runner("early").retryBudget().retriesGranted()).isZero();
    assertThat(server.hits()).isZero();
  }

  @Test
  void tenThousandFastCallsLeaveNoInterrupt() throws Exception {
    TestServer server = answering("fast");
    CairnHttpClient http = clients.closing(CairnHttpClient.builder(clients.callers()).build());
    ready(http, "fast", server.port());

    int ok = 0;
    for (int i = 0; i < 10_000; i++) {
      ok +=
          http.send(get("fast"), HttpResponse.BodyHandlers.ofString()).statusCode() == 200 ? 1 : 0;
      assertThat(Thread.currentThread().isInterrupted())
          .as("interrupted after call %d", i)
          .isFalse();
    }

    assertThat(ok).isEqualTo(10_000);
  }

  @Test
  void deadlinesThatRaceTheAnswersNeverLeaveAnInterrupt() throws Exception {
    TestServer server = answering("race");
    // nothing may stop the attempts: no breaker, no ejection
    CallPolicy keepTrying =
        CallPolicy.builder()
            .circuitBreakerWindow(100_000)
            .circuitBreakerMinimumCalls(100_000)
            .outlierDetection(OutlierDetection.disabled())
            .build();
    CairnHttpClient http =
        clients.closing(
            CairnHttpClient.builder(clients.callers()).policy("race", keepTrying).build());
    ready(http, "race", server.port());
    http.send(get("race"), HttpResponse.BodyHandlers.ofString()); // a connection ready

    int answered = 0;
    int timedOut = 0;
    int other = 0;
    for (int i = 0; i < 2_000; i++) {
      // deadlines from 50 µs to 2 ms, around a loopback call's latency
      Duration deadline = Duration.ofNanos(50_000 + (i % 40) * 50_000L);
      try {
        http.send(
            get("race"),
            HttpResponse.BodyHandlers.ofString(),
            CallOptions.idempotent().withDeadline(deadline));
        answered++;
      } catch (HttpTimeoutException e) {
        timedOut++;
      } catch (IOException | CairnException e) {
        other++; // e.g. DEADLINE_EXCEEDED before an attempt
      }
      assertThat(Thread.currentThread().isInterrupted())
          .as("interrupted after call %d", i)
          .isFalse();
    }
    System.out.printf(
        "REST, 2,000 calls with deadlines of 50 us..2 ms: %d answered, %d HttpTimeoutException,"
            + " %d other errors; no interrupt left%n",
        answered, timedOut, other);

    assertThat(http.send(get("race"), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(200);
  }

  @Test
  void asynchronousCallsStillTimeOutThroughTheJdkClient() throws Exception {
    silent("async");
    CairnHttpClient http = clients.closing(CairnHttpClient.builder(clients.callers()).build());
    HttpRequest request =
        HttpRequest.newBuilder(get("async"), (n, v) -> true)
            .timeout(Duration.ofMillis(300))
            .build();

    CompletableFuture<HttpResponse<String>> f =
        http.sendAsync(request, HttpResponse.BodyHandlers.ofString());

    assertThatThrownBy(() -> f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isExactlyInstanceOf(HttpTimeoutException.class);
  }

  @Test
  void closingTheClientEndsACallInFlightAtTheLatestAtItsDeadline() throws Exception {
    SilentServer silent = silent("closing");
    CairnHttpClient http = CairnHttpClient.builder(clients.callers()).build();
    ready(http, "closing", silent.port());
    HttpRequest request =
        HttpRequest.newBuilder(get("closing"), (n, v) -> true)
            .timeout(Duration.ofMillis(500))
            .build();
    CompletableFuture<Throwable> call =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                http.send(request, HttpResponse.BodyHandlers.ofString());
                return null;
              } catch (Exception e) {
                return e;
              }
            });
    silent.awaitRequest();

    http.close();

    assertThat(call.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(IOException.class);
    await().atMost(PATIENCE).until(() -> threads("cairn-rest-deadline-") == 0);
  }

  private static long threads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith(prefix))
        .count();
  }
}
