package dev.cairn.loadgen.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.testing.CairnServerExtension;
import java.time.Duration;
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

  /** Three connections, each bounded by {@code reads}; the duration is only a safety net. */
  private ReadPlan plan(String pathAndQuery, long bodyBytes, long reads) {
    return new ReadPlan(
        target.http(pathAndQuery),
        3,
        bodyBytes,
        Duration.ofSeconds(30),
        reads,
        Duration.ofSeconds(10));
  }

  private static ReadResult run(HttpListWorkload.Client client, ReadPlan plan) throws Exception {
    return client == HttpListWorkload.Client.NETTY ? NettyReader.run(plan, 2) : JdkReader.run(plan);
  }
}
