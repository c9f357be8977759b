package dev.cairn.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.testing.CairnServerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class LoadgenMainTest {

  @RegisterExtension static CairnServerExtension server = CairnServerExtension.inMemory();

  @Test
  void runsSelectedWorkloadsAgainstAServer() {
    int exit =
        LoadgenMain.execute(
            "run",
            "--grpc",
            server.grpcTarget(),
            "--http",
            server.httpUri().toString(),
            "--only",
            "W1,W2",
            "--w1-instances",
            "50",
            "--w2-watchers",
            "3",
            "--w2-events",
            "4",
            "--w2-warmup-events",
            "6");

    assertThat(exit).isZero();
    assertThat(server.registry().instanceCount()).isZero();
  }

  @Test
  void refusesNonLoopbackTargets() {
    assertThat(LoadgenMain.execute("run", "--grpc", "10.1.2.3:8501")).isEqualTo(2);
    assertThat(LoadgenMain.execute("run", "--http", "http://192.168.1.1:8500")).isEqualTo(2);
  }

  @Test
  void refusesBadOptions() {
    assertThat(LoadgenMain.execute("run", "--only", "W9")).isEqualTo(2);
    assertThat(LoadgenMain.execute("run", "--w2-events", "0")).isEqualTo(2);
    assertThat(LoadgenMain.execute("run", "--w2-warmup-events", "-1")).isEqualTo(2);
    assertThat(LoadgenMain.execute("run", "--w3-client", "curl")).isEqualTo(2);
    assertThat(LoadgenMain.execute("run", "--w3-io-threads", "0")).isEqualTo(2);
    assertThat(LoadgenMain.execute("run", "--no-such-option")).isEqualTo(2);
  }

  @Test
  void sdkClientRefusesHalfATlsSetting() {
    String[] base = {
      "sdk-client",
      "--grpc",
      "127.0.0.1:1",
      "--service-prefix",
      "s",
      "--id-prefix",
      "i",
      "--instances",
      "1"
    };
    assertThat(LoadgenMain.execute(with(base, "--tls-cert", "client.pem"))).isEqualTo(2);
    assertThat(
            LoadgenMain.execute(with(base, "--tls-cert", "client.pem", "--tls-key", "client.key")))
        .isEqualTo(2);
    assertThat(LoadgenMain.execute(with(base, "--tls-ca", "ca.pem", "--tls-key", "client.key")))
        .isEqualTo(2);
  }

  private static String[] with(String[] base, String... more) {
    String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }

  @Test
  void failsWhenNoServerAnswers() {
    assertThat(LoadgenMain.execute("run", "--grpc", "127.0.0.1:1", "--http", "http://127.0.0.1:1"))
        .isEqualTo(1);
  }
}
