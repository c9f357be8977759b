package dev.cairn.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.client.CairnClient;
import dev.cairn.client.resilience.CallPolicy;
import dev.cairn.testing.CairnServerExtension;
import dev.cairn.testing.clock.FakeTicker;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Five real instances behind the real client stack, one of them 50 ms slower. The client measures
 * latency on a fake ticker that the slow instance moves by 50 ms per request (the others by
 * nothing), so the policy sees exactly that difference whatever the machine's load: round robin
 * sends the slow one its fifth, P2C-EWMA far less. (Shares measured on the real clock: {@code
 * P2cVersusRoundRobinTest} and docs/benchmarks.md.)
 */
class SlowInstanceTest {

  @RegisterExtension static final CairnServerExtension registry = CairnServerExtension.inMemory();

  private static final int INSTANCES = 5;
  private static final int CALLS = 200;

  private final FakeTicker ticker = FakeTicker.create();

  @Test
  void p2cEwmaSendsTheSlowInstanceFarLessThanRoundRobin() throws Exception {
    try (CairnClient servers =
            CairnClient.builder().registries(registry.grpcTarget()).shutdownHook(false).build();
        CairnClient callers =
            CairnClient.builder().registries(registry.grpcTarget()).shutdownHook(false).build()) {
      List<TestServer> svc = new ArrayList<>();
      try {
        for (int i = 0; i < INSTANCES; i++) {
          svc.add(TestServer.start(servers, "slow", "slow-" + i));
        }
        svc.get(0).slowOn(ticker, Duration.ofMillis(50));
        await().until(() -> callers.view("slow").instances().size() == INSTANCES);

        double rr = slowShare(callers, svc, "round_robin");
        double p2c = slowShare(callers, svc, "p2c_ewma");

        assertThat(rr).isEqualTo(1.0 / INSTANCES);
        assertThat(p2c).isLessThan(rr / 4);
      } finally {
        svc.forEach(TestServer::close);
      }
    }
  }

  /** The share of {@link #CALLS} calls, one at a time, that reached the slow instance. */
  private double slowShare(CairnClient callers, List<TestServer> svc, String policy)
      throws Exception {
    int slowBefore = svc.get(0).hits();
    int allBefore = svc.stream().mapToInt(TestServer::hits).sum();
    try (CairnHttpClient http =
        CairnHttpClient.builder(callers)
            .ticker(ticker)
            .policy("slow", CallPolicy.builder().loadBalancing(policy).build())
            .build()) {
      HttpRequest get = HttpRequest.newBuilder(URI.create("http://slow/hello")).build();
      for (int n = 0; n < CALLS; n++) {
        assertThat(http.send(get, HttpResponse.BodyHandlers.ofString()).statusCode())
            .isEqualTo(200);
      }
    }
    int slow = svc.get(0).hits() - slowBefore;
    int total = svc.stream().mapToInt(TestServer::hits).sum() - allBefore;
    assertThat(total).isEqualTo(CALLS);
    return (double) slow / total;
  }
}
