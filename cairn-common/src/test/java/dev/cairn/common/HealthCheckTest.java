package dev.cairn.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class HealthCheckTest {

  @Test
  void defaults() {
    HealthCheck c = HealthCheck.builder(HealthCheck.Type.HTTP).build();

    assertThat(c.path()).isEqualTo("/");
    assertThat(c.interval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.rise()).isEqualTo(2);
    assertThat(c.fall()).isEqualTo(3);
  }

  @Test
  void theDefaultTimeoutNeverPassesTheInterval() {
    HealthCheck c =
        HealthCheck.builder(HealthCheck.Type.TCP).interval(Duration.ofMillis(500)).build();

    assertThat(c.timeout()).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void impossibleDefinitionsNameTheirField() {
    assertInvalid(
        HealthCheck.builder(HealthCheck.Type.HTTP).interval(Duration.ZERO), "check.interval");
    assertInvalid(
        HealthCheck.builder(HealthCheck.Type.HTTP).interval(Duration.ofDays(2)), "check.interval");
    assertInvalid(
        HealthCheck.builder(HealthCheck.Type.HTTP)
            .interval(Duration.ofSeconds(1))
            .timeout(Duration.ofSeconds(2)),
        "check.timeout");
    assertInvalid(
        HealthCheck.builder(HealthCheck.Type.HTTP).timeout(Duration.ofMillis(1)), "check.timeout");
    assertInvalid(HealthCheck.builder(HealthCheck.Type.HTTP).rise(0), "check.rise");
    assertInvalid(HealthCheck.builder(HealthCheck.Type.HTTP).fall(11), "check.fall");
    assertInvalid(HealthCheck.builder(HealthCheck.Type.HTTP).path("health"), "check.path");
    assertInvalid(HealthCheck.builder(HealthCheck.Type.HTTP).path("/a b"), "check.path");
    assertInvalid(HealthCheck.builder(HealthCheck.Type.TCP).path("/x"), "check.path");
    assertInvalid(HealthCheck.builder(HealthCheck.Type.TTL).port("http"), "check.port");
    assertInvalid(HealthCheck.builder(HealthCheck.Type.TCP).port("Bad_Name!"), "check.port");
  }

  @Test
  void theCheckedPortMustBeOneOfTheInstances() {
    HealthCheck named = HealthCheck.builder(HealthCheck.Type.TCP).port("admin").build();
    HealthCheck unnamed = HealthCheck.builder(HealthCheck.Type.TCP).build();

    assertThatThrownBy(
            () -> Instance.builder("web", "127.0.0.1").port("http", 80).check(named).build())
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.field()).isEqualTo("check.port"));
    assertThatThrownBy(
            () ->
                Instance.builder("web", "127.0.0.1")
                    .port("http", 80)
                    .port("grpc", 90)
                    .check(unnamed)
                    .build())
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.field()).isEqualTo("check.port"));
    assertThat(Instance.builder("web", "127.0.0.1").port("http", 80).check(unnamed).build().check())
        .contains(unnamed);
  }

  @Test
  void aChangedCheckIsAChangedRegistration() {
    Instance a = Instance.builder("web", "127.0.0.1").id("a").port("http", 80).build();
    Instance b = a.toBuilder().check(HealthCheck.builder(HealthCheck.Type.TCP).build()).build();

    assertThat(a.sameRegistration(b)).isFalse();
    assertThat(b.sameRegistration(b.toBuilder().build())).isTrue();
  }

  private static void assertInvalid(HealthCheck.Builder b, String field) {
    assertThatThrownBy(b::build)
        .isInstanceOfSatisfying(
            CairnException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
              assertThat(e.field()).isEqualTo(field);
            });
  }
}
