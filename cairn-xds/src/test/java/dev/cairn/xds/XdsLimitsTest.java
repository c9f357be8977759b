package dev.cairn.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.server.CairnServer;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The xDS front door under the server's abuse limits (decision 0170): a discovery stream is a watch
 * ({@code --max-watches-per-client}), and opening one is a call counted by the request rate.
 */
class XdsLimitsTest {

  @Test
  void streamsBeyondThePerClientWatchLimitEndResourceExhausted() throws Exception {
    try (CairnServer server = start(CairnServer.builder().maxWatchesPerClient(1));
        XdsTestClient client = new XdsTestClient(port(server))) {
      XdsTestClient.Stream held = client.stream();
      assertThat(first(held)).isInstanceOf(DiscoveryResponse.class);
      assertThat(first(client.stream()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                assertThat(e.getStatus().getDescription()).contains("per client address");
              });
      held.requests.onCompleted();
    }
  }

  @Test
  void streamsOverTheRequestRateEndResourceExhaustedWithRetryAfter() throws Exception {
    // A burst of 1 and a refill of one call every 100 s: the second stream is over.
    try (CairnServer server = start(CairnServer.builder().rateLimit(0.01, 1));
        XdsTestClient client = new XdsTestClient(port(server))) {
      assertThat(first(client.stream())).isInstanceOf(DiscoveryResponse.class);
      assertThat(first(client.stream()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                assertThat(
                        e.getTrailers()
                            .get(
                                io.grpc.Metadata.Key.of(
                                    "retry-after", io.grpc.Metadata.ASCII_STRING_MARSHALLER)))
                    .isNotNull();
              });
    }
  }

  private static CairnServer start(CairnServer.Builder b) throws Exception {
    return b.inMemory()
        .httpPort(0)
        .grpcPort(0)
        .frontDoor(XdsFrontDoor.factory(XdsOptions.builder().port(0).build()))
        .start();
  }

  private static int port(CairnServer server) {
    return server.frontDoors().get(0).address().getPort();
  }

  private static Object first(XdsTestClient.Stream s) throws InterruptedException {
    s.send(
        DiscoveryRequest.newBuilder()
            .setNode(XdsTestClient.NODE)
            .setTypeUrl(XdsTestClient.CDS)
            .build());
    return s.received.poll(30, TimeUnit.SECONDS);
  }
}
