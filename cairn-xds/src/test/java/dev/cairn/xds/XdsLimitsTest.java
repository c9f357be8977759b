package dev.cairn.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.server.CairnServer;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
  void aStreamHoldsOneOfItsTokensWatchesSharedWithTheApi() throws Exception {
    // One watch per token, counted once across the server's API and its front doors.
    try (CairnServer server = start(CairnServer.builder().acl(true).maxPerToken(1, 0))) {
      String token = server.registry().acls().bootstrap().join().secret();
      int api = server.httpAddress().getPort();
      try (XdsTestClient client = client(server, token)) {
        // The API's event stream holds the token's one watch: a discovery stream with the same
        // token ends RESOURCE_EXHAUSTED, as gRPC clients expect of a limit.
        try (Socket apiWatch = new Socket("127.0.0.1", api)) {
          apiWatch.setSoTimeout(30_000);
          assertThat(apiWatch(apiWatch, token)).startsWith("HTTP/1.1 200");
          assertThat(first(client.stream()))
              .isInstanceOfSatisfying(
                  StatusRuntimeException.class,
                  e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                    assertThat(e.getStatus().getDescription())
                        .contains("open with token")
                        .contains("per token");
                  });
        }
        // The event stream's connection closed: its watch is given back.
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> {
                  XdsTestClient.Stream probe = client.stream();
                  boolean served = first(probe) instanceof DiscoveryResponse;
                  if (served) {
                    probe.requests.onCompleted();
                  }
                  return served;
                });
      }
      // The probe's stream ended with its client. A discovery stream holds the watch now: the
      // API's event stream is refused until the xDS client goes away without a word.
      try (XdsTestClient held = client(server, token)) {
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> first(held.stream()) instanceof DiscoveryResponse);
        assertThat(apiWatchStatus(api, token)).isEqualTo(429);
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> apiWatchStatus(api, token) == 200);
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

  private static XdsTestClient client(CairnServer server, String token) {
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    return new XdsTestClient(
        NettyChannelBuilder.forAddress("127.0.0.1", port(server))
            .usePlaintext()
            .intercept(MetadataUtils.newAttachHeadersInterceptor(headers))
            .build());
  }

  /** Opens the API's event stream of every service on {@code s}; its answer's status line. */
  private static String apiWatch(Socket s, String token) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(
        ("GET /v1/watch/services HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Cairn-Token: "
                + token
                + "\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return new BufferedReader(
            new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1))
        .readLine();
  }

  /** The status of the API's event stream opened on a new connection, which is then closed. */
  private static int apiWatchStatus(int port, String token) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(30_000);
      return Integer.parseInt(apiWatch(s, token).substring(9, 12));
    }
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
