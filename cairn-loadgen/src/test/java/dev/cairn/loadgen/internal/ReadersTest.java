package dev.cairn.loadgen.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.testing.CairnServerExtension;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Both W3 clients against a real server: what they count as a read and an error, and bounds. */
class ReadersTest {

  @RegisterExtension static CairnServerExtension server = CairnServerExtension.inMemory();

  private static final String SERVICES = "/v1/services";

  private Target target;
  private int servicesBodyBytes;

  @BeforeEach
  void target() throws Exception {
    target = Target.of(server.grpcTarget(), server.httpUri().toString());
    servicesBodyBytes = new ServerApi(target).get(SERVICES).length;
  }

  @ParameterizedTest
  @EnumSource(HttpListWorkload.Client.class)
  void countsGoodReadsUpToTheBoundPerConnection(HttpListWorkload.Client client) throws Exception {
    ReadResult result = run(client, plan(SERVICES, servicesBodyBytes, 50));

    assertThat(result.ok()).isEqualTo(3 * 50);
    assertThat(result.errors()).isZero();
    assertThat(result.latency().count()).isEqualTo(result.ok());
  }

  @ParameterizedTest
  @EnumSource(HttpListWorkload.Client.class)
  void countsABodyOfTheWrongLengthAsAnError(HttpListWorkload.Client client) throws Exception {
    ReadResult result = run(client, plan(SERVICES, servicesBodyBytes + 1, 20));

    assertThat(result.ok()).isZero();
    assertThat(result.errors()).isEqualTo(3 * 20);
    assertThat(result.latency().count()).isZero();
  }

  @ParameterizedTest
  @EnumSource(HttpListWorkload.Client.class)
  void countsAnErrorStatusAsAnError(HttpListWorkload.Client client) throws Exception {
    ReadResult result = run(client, plan("/v1/no-such-resource", servicesBodyBytes, 20));

    assertThat(result.ok()).isZero();
    assertThat(result.errors()).isEqualTo(3 * 20);
  }

  @ParameterizedTest
  @EnumSource(HttpListWorkload.Client.class)
  void withGzipCountsGzippedAnswersThatInflateToTheBody(HttpListWorkload.Client client)
      throws Exception {
    String list = listOfTwentyInstances();
    int bodyBytes = new ServerApi(target).get(list).length;
    int gzippedBytes = new ServerApi(target).get(list, true).length;

    ReadResult right = run(client, plan(list, bodyBytes, 20, true));
    ReadResult wrongLength = run(client, plan(list, bodyBytes + 1, 20, true));

    assertThat(gzippedBytes).isLessThan(bodyBytes / 2);
    assertThat(right.ok()).isEqualTo(3 * 20);
    assertThat(right.errors()).isZero();
    assertThat(wrongLength.ok()).isZero();
    assertThat(wrongLength.errors()).isEqualTo(3 * 20);
  }

  @ParameterizedTest
  @EnumSource(HttpListWorkload.Client.class)
  void withGzipCountsAPlainAnswerAsAnError(HttpListWorkload.Client client) throws Exception {
    // The server sends a body under 1 KiB as it is, whatever the request asks for.
    String small = "/v1/services/readers-small/instances";
    put("readers-small", "s-1");
    int bodyBytes = new ServerApi(target).get(small).length;

    ReadResult result = run(client, plan(small, bodyBytes, 20, true));

    assertThat(bodyBytes).isLessThan(1024);
    assertThat(result.ok()).isZero();
    assertThat(result.errors()).isEqualTo(3 * 20);
  }

  /** A list of 20 instances (a few KB), registered over the HTTP API; its path. */
  private String listOfTwentyInstances() throws Exception {
    for (int i = 0; i < 20; i++) {
      put("readers-gzip", "g-" + i);
    }
    return "/v1/services/readers-gzip/instances";
  }

  private void put(String service, String id) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(target.http("/v1/services/" + service + "/instances/" + id))
                    .header("Content-Type", "application/json")
                    .PUT(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"address\":\"10.0.0.1\",\"ports\":{\"http\":8080},"
                                + "\"metadata\":{\"version\":\"1.0.0\"}}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  /** Three connections, each bounded by {@code reads}; the duration is only a safety net. */
  private ReadPlan plan(String pathAndQuery, long bodyBytes, long reads) {
    return plan(pathAndQuery, bodyBytes, reads, false);
  }

  private ReadPlan plan(String pathAndQuery, long bodyBytes, long reads, boolean gzip) {
    return new ReadPlan(
        List.of(target.http(pathAndQuery)),
        3,
        bodyBytes,
        Duration.ofSeconds(30),
        reads,
        Duration.ofSeconds(10),
        null,
        gzip);
  }

  private static ReadResult run(HttpListWorkload.Client client, ReadPlan plan) throws Exception {
    return client == HttpListWorkload.Client.NETTY ? NettyReader.run(plan, 2) : JdkReader.run(plan);
  }
}
