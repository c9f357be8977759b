package dev.cairn.server.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Health;
import dev.cairn.common.HealthCheck;
import dev.cairn.common.Instance;
import dev.cairn.common.InstanceKind;
import dev.cairn.server.core.log.MemoryCommandLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Protection threshold, self-preservation and health reports through the registry's API. */
class RegistryHealthTest {

  private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
  private final Registry registry =
      start(
          RegistryOptions.builder()
              .ticker(now::get)
              .autoExpireSessions(false)
              .selfPreservationMinSessions(10)
              .selfPreservationThreshold(0.5)
              .build());

  private static Registry start(RegistryOptions options) {
    try {
      return Registry.start(new MemoryCommandLog(), options);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @AfterEach
  void close() {
    registry.close();
  }

  @Test
  void underTheThresholdHealthyReadsReturnEveryInstanceAndSaySo() {
    for (int i = 0; i < 4; i++) {
      register("web", "w" + i, i == 0 ? Health.PASSING : Health.CRITICAL);
    }
    List<Instance> all = registry.service("", "web").instances();

    HealthySelection off = registry.healthy("", "web", all);
    assertThat(off.protection()).isFalse();
    assertThat(off.instances()).extracting(Instance::id).containsExactly("w0");

    registry.setProtectionThreshold("", "web", 0.5).join();
    HealthySelection on = registry.healthy("", "web", all);

    assertThat(on.protection()).isTrue();
    assertThat(on.instances()).hasSize(4);
    assertThat(registry.serviceConfig("", "web")).isEqualTo(new ServiceConfig(0.5, false));
  }

  @Test
  void atTheThresholdOnlyHealthyOnesAreReturned() {
    register("web", "a", Health.PASSING);
    register("web", "b", Health.CRITICAL);
    registry.setProtectionThreshold("", "web", 0.5).join();

    HealthySelection s = registry.healthy("", "web", registry.service("", "web").instances());

    assertThat(s.protection()).isFalse();
    assertThat(s.instances()).extracting(Instance::id).containsExactly("a");
  }

  @Test
  void nullReturnsTheThresholdToTheDefault() {
    registry.setProtectionThreshold("", "web", 0.8).join();
    registry.setProtectionThreshold("", "web", null).join();

    assertThat(registry.serviceConfig("", "web")).isEqualTo(new ServiceConfig(0, true));
  }

  @Test
  void aThresholdOutsideZeroToOneIsRejected() {
    assertThatThrownBy(() -> registry.setProtectionThreshold("", "web", 1.5))
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.field()).isEqualTo("protectionThreshold"));
  }

  @Test
  void manySessionsRunningOutAtOnceArePreservedUntilKeepalivesComeBack() {
    List<String> sessions = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      SessionInfo s = registry.openSession(Duration.ofSeconds(5), "", "c" + i).join();
      sessions.add(s.id());
      registry
          .register(
              "",
              Instance.builder("api", "127.0.0.1")
                  .id("e" + i)
                  .port("http", 8080)
                  .sessionId(s.id())
                  .kind(InstanceKind.EPHEMERAL)
                  .build())
          .join();
    }

    now.addAndGet(Duration.ofSeconds(6).toNanos());
    registry.expireSessions();

    assertThat(registry.selfPreservation().active()).isTrue();
    assertThat(registry.selfPreservation().heldSessions()).isEqualTo(12);
    assertThat(registry.sessionCount()).isEqualTo(12);
    assertThat(registry.service("", "api").instances()).hasSize(12);

    // The network heals: ten clients renew, two are really gone.
    for (int i = 0; i < 10; i++) {
      registry.keepAlive(sessions.get(i));
    }
    registry.expireSessions();

    assertThat(registry.selfPreservation().active()).isFalse();
    assertThat(registry.selfPreservation().activations()).isEqualTo(1);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> registry.service("", "api").instances().size() == 10);
  }

  @Test
  void aFewSessionsExpireAsUsual() {
    for (int i = 0; i < 12; i++) {
      SessionInfo s = registry.openSession(Duration.ofSeconds(i < 2 ? 5 : 60), "", "c").join();
      assertThat(s.id()).isNotEmpty();
    }

    now.addAndGet(Duration.ofSeconds(6).toNanos());
    registry.expireSessions();

    assertThat(registry.selfPreservation().active()).isFalse();
    await().atMost(Duration.ofSeconds(5)).until(() -> registry.sessionCount() == 10);
  }

  @Test
  void anInstanceWithoutCheckTakesTheReportedHealth() {
    register("web", "a", Health.PASSING);

    assertThat(registry.reportHealth("", "web", "a", Health.WARNING).join())
        .isEqualTo(Health.WARNING);
    assertThat(registry.service("", "web").instances().get(0).health()).isEqualTo(Health.WARNING);
  }

  @Test
  void anInstanceTheRegistryProbesRefusesReports() {
    registry
        .register(
            "",
            Instance.builder("web", "127.0.0.1")
                .id("a")
                .port("http", 8080)
                .check(HealthCheck.builder(HealthCheck.Type.HTTP).build())
                .build())
        .join();

    assertThatThrownBy(() -> registry.reportHealth("", "web", "a", Health.PASSING).join())
        .isInstanceOf(CompletionException.class)
        .cause()
        .isInstanceOfSatisfying(
            CairnException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION));
  }

  @Test
  void reportsForUnknownInstancesAreNotFound() {
    assertThatThrownBy(() -> registry.reportHealth("", "web", "nope", Health.PASSING).join())
        .cause()
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
  }

  private void register(String service, String id, Health health) {
    registry
        .register(
            "",
            Instance.builder(service, "127.0.0.1").id(id).port("http", 8080).health(health).build())
        .join();
  }
}
