package dev.cairn.client;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Bad settings fail at build(), naming the field; nothing is started then. */
class CairnClientBuilderTest {

  private static void rejects(UnaryOperator<CairnClient.Builder> setting, String message) {
    long before = Servers.clientThreads();
    assertThatThrownBy(
            () ->
                setting
                    .apply(CairnClient.builder().registries("127.0.0.1:8501").shutdownHook(false))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(message);
    org.assertj.core.api.Assertions.assertThat(Servers.clientThreads()).isEqualTo(before);
  }

  @Test
  void registriesAreRequiredAndChecked() {
    assertThatThrownBy(() -> CairnClient.builder().build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("registries: null");
    rejects(b -> b.registries("127.0.0.1:8501,nohost"), "registries: \"nohost\"");
    rejects(b -> b.registries("bad host:1"), "registries: \"bad host:1\"");
    rejects(b -> b.registries("127.0.0.1:99999"), "registries: \"127.0.0.1:99999\"");
  }

  @Test
  void otherSettingsAreChecked() {
    rejects(b -> b.namespace("Bad_NS"), "namespace: \"Bad_NS\"");
    rejects(
        b -> b.sessionTtl(Duration.ofMillis(999)), "sessionTtl: PT0.999S (expected: PT1S..PT5M)");
    rejects(b -> b.sessionTtl(Duration.ofMinutes(6)), "sessionTtl: PT6M");
    rejects(b -> b.maxRemovalShare(1.5), "maxRemovalShare: 1.5 (expected: 0.0..1.0)");
    rejects(b -> b.maxRemovalShare(Double.NaN), "maxRemovalShare: NaN");
    rejects(b -> b.reconcileInterval(Duration.ZERO), "reconcileInterval: PT0S");
    rejects(b -> b.removalConfirmDelay(Duration.ofSeconds(-1)), "removalConfirmDelay: PT-1S");
    rejects(
        b -> b.reconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)),
        "reconnectBackoff.initial: PT2S");
    rejects(b -> b.requestTimeout(Duration.ZERO), "requestTimeout: PT0S");
  }

  @Test
  void badServiceNamesAreRejectedByView() {
    try (CairnClient client =
        CairnClient.builder().registries("127.0.0.1:1").shutdownHook(false).build()) {
      assertThatThrownBy(() -> client.view("Hello World"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("service: \"Hello World\" (expected: a DNS label");
    }
  }
}
