package dev.cairn.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.client.CairnClient;
import dev.cairn.testing.CairnServerExtension;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 15's surprise, on the real clock: two equal real instances and one caller making calls one
 * at a time through the default policy (P2C-EWMA). The instance whose first (cold) call was slower
 * used to get almost nothing for seconds (3 of 204 calls); now an instance passed over for a while
 * is probed and its fresh answer counts, so both share the calls. The split is printed (figures in
 * docs/benchmarks.md).
 */
class EqualInstancesTest {

  @RegisterExtension static final CairnServerExtension registry = CairnServerExtension.inMemory();

  private static final int CALLS = 400;

  @Test
  void twoEqualInstancesShareASequentialCallersCalls() throws Exception {
    try (CairnClient servers =
            CairnClient.builder().registries(registry.grpcTarget()).shutdownHook(false).build();
        CairnClient callers =
            CairnClient.builder().registries(registry.grpcTarget()).shutdownHook(false).build();
        TestServer a = TestServer.start(servers, "equal", "equal-a");
        TestServer b = TestServer.start(servers, "equal", "equal-b")) {
      await().until(() -> callers.view("equal").instances().size() == 2);
      try (CairnHttpClient http = CairnHttpClient.builder(callers).build()) {
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://equal/hello")).build();
        for (int n = 0; n < CALLS; n++) {
          assertThat(http.send(get, HttpResponse.BodyHandlers.ofString()).statusCode())
              .isEqualTo(200);
        }
      }
      List<Integer> hits = List.of(a.hits(), b.hits());
      System.out.printf(
          "two equal instances, %d sequential calls (p2c_ewma): %d / %d%n",
          CALLS, hits.get(0), hits.get(1));
      assertThat(hits.get(0) + hits.get(1)).isEqualTo(CALLS);
      // Before decision 0081 the passed-over instance got ~1.5 % (it was shut out). With probes
      // alone, a quiet machine once gave 71 / 329: the two answer within microseconds of each
      // other, and a probe finding the passed-over one slower by noise doubled the wait before the
      // next. Costs within the tie band are now a coin toss: runs gave 169-231 of 400 each. But
      // the two servers share this JVM and two cores with the registry and the caller, so one is
      // at times slower than the other by more than the tie band, and P2C then rightly prefers the
      // other: clean CI runs gave 100 / 300 once. They gave 22 / 378 once with two other builds on
      // the machine: each server's pool then started a thread for each of its first 16 requests,
      // so every probe of the passed-over instance was such a slower request, the probes found it
      // slower and backed off; TestServer now starts its threads first, as real servers keep
      // theirs ready. What this guards is the shut-out: each instance gets more than a tenth.
      assertThat(hits).allSatisfy(h -> assertThat(h).isGreaterThan(CALLS / 10));
    }
  }
}
