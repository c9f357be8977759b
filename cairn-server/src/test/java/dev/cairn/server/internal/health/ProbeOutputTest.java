package dev.cairn.server.internal.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Health;
import dev.cairn.common.HealthCheck;
import dev.cairn.common.Instance;
import dev.cairn.server.core.ProbeResult;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The outputs the network probes build, without a network where none is needed. */
class ProbeOutputTest {

  @Test
  void httpNamesTheStatusAndDecidesOnIt() {
    ProbeResult r = NetworkProbe.ofResponse(HttpResponseStatus.SERVICE_UNAVAILABLE, 3);
    assertThat(r.output()).isEqualTo("HTTP 503 Service Unavailable in 3 ms");
    assertThat(r.health()).isEqualTo(Health.CRITICAL);
    assertThat(NetworkProbe.ofResponse(HttpResponseStatus.OK, 0).output())
        .isEqualTo("HTTP 200 OK in 0 ms");
    assertThat(NetworkProbe.ofResponse(HttpResponseStatus.TOO_MANY_REQUESTS, 1).health())
        .isEqualTo(Health.WARNING);
  }

  @Test
  void grpcNamesTheServingStatus() {
    ProbeResult r = GrpcHealthProbe.ofResponse(ServingStatus.NOT_SERVING, System.nanoTime());
    assertThat(r.output()).startsWith("gRPC NOT_SERVING in ").endsWith(" ms");
    assertThat(r.health()).isEqualTo(Health.CRITICAL);
    assertThat(GrpcHealthProbe.ofResponse(ServingStatus.SERVING, System.nanoTime()).health())
        .isEqualTo(Health.PASSING);
  }

  @Test
  void targetsAndFailuresAreDescribed() {
    assertThat(NetworkProbe.hostPort("::1", 80)).isEqualTo("[::1]:80");
    assertThat(NetworkProbe.hostPort("127.0.0.1", 80)).isEqualTo("127.0.0.1:80");
    assertThat(NetworkProbe.describe(new java.io.IOException())).isEqualTo("IOException");
    assertThat(NetworkProbe.describe(new java.io.IOException("reset"))).isEqualTo("reset");
  }

  @Test
  void anInstanceWithoutTheNamedPortSaysSo() {
    Instance i = Instance.builder("web", "127.0.0.1").id("a").port("http", 8080).build();
    HealthCheck check =
        HealthCheck.builder(HealthCheck.Type.TCP)
            .port("admin")
            .interval(Duration.ofSeconds(1))
            .timeout(Duration.ofMillis(100))
            .build();
    try (NetworkProbe probe = new NetworkProbe()) {
      ProbeResult r = probe.check(i, check).join();
      assertThat(r.health()).isEqualTo(Health.CRITICAL);
      assertThat(r.output()).isEqualTo("no port to probe: the instance has no port named admin");
    }
  }
}
