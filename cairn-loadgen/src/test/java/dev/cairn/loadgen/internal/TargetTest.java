package dev.cairn.loadgen.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TargetTest {

  @Test
  void acceptsLoopbackAddresses() {
    Target target = Target.of("127.0.0.1:8501", "http://127.0.0.1:8500/");

    assertThat(target.grpcHost()).isEqualTo("127.0.0.1");
    assertThat(target.grpcPort()).isEqualTo(8501);
    assertThat(target.grpcAuthority()).isEqualTo("127.0.0.1:8501");
    assertThat(target.http("/v1/status")).hasToString("http://127.0.0.1:8500/v1/status");
  }

  @Test
  void acceptsIpv6Loopback() {
    Target target = Target.of("[::1]:9000", "http://[::1]:9001");

    assertThat(target.grpcHost()).isEqualTo("::1");
    assertThat(target.grpcAuthority()).isEqualTo("[::1]:9000");
  }

  @Test
  void rejectsOtherAddresses() {
    assertThatThrownBy(() -> Target.of("10.1.2.3:8501", "http://127.0.0.1:8500"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("grpc: 10.1.2.3:8501 (expected: a loopback address)");
    assertThatThrownBy(() -> Target.of("127.0.0.1:8501", "http://192.168.0.1:8500"))
        .hasMessage("http: http://192.168.0.1:8500 (expected: a loopback address)");
  }

  @Test
  void rejectsMalformedAddresses() {
    assertThatThrownBy(() -> Target.of("8501", "http://127.0.0.1:8500"))
        .hasMessage("grpc: 8501 (expected: host:port)");
    assertThatThrownBy(() -> Target.of("127.0.0.1:99999", "http://127.0.0.1:8500"))
        .hasMessage("grpc: 127.0.0.1:99999 (expected: a port 1..65535)");
    assertThatThrownBy(() -> Target.of("127.0.0.1:8501", "ftp://127.0.0.1:8500"))
        .hasMessage("http: ftp://127.0.0.1:8500 (expected: http://host:port)");
  }

  @Test
  void grpcOnlyTargetHasNoHttp() {
    Target target = Target.ofGrpc("localhost:8501");

    assertThat(target.grpcPort()).isEqualTo(8501);
    assertThatThrownBy(target::http).isInstanceOf(IllegalStateException.class);
  }
}
