package dev.cairn.server.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Instance;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A registry whose command log fails stops writing, says why once, and tells its owner. */
class RegistryFailureTest {

  private final BreakableLog log = new BreakableLog();
  private final Registry registry = start(log);

  private static Registry start(BreakableLog log) {
    try {
      return Registry.start(log, RegistryOptions.builder().autoExpireSessions(false).build());
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @AfterEach
  void close() {
    registry.close();
  }

  private static Instance inst(String id) {
    return Instance.builder("web", "127.0.0.1").id(id).port("http", 8080).build();
  }

  @Test
  void aFailedLogFailsEveryWriteWithItsCauseAndIsReportedOnce() throws Exception {
    registry.register("", inst("a")).join();
    CompletableFuture<CairnException> failure = registry.failure();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    PrintStream original = System.err;
    System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
    CairnException reported;
    CompletableFuture<Instance> broken;
    try {
      log.breakWith(new StackOverflowError("deep"));
      broken = registry.register("", inst("b"));
      reported = failure.get(30, TimeUnit.SECONDS);
      assertThatThrownBy(() -> registry.register("", inst("c")).join()).cause().isSameAs(reported);
    } finally {
      System.setErr(original);
    }

    assertThat(reported.code()).isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(reported).hasMessageContaining("StackOverflowError: deep");
    assertThatThrownBy(broken::join).cause().isSameAs(reported);
    assertThat(stderr.toString(StandardCharsets.UTF_8).lines())
        .filteredOn(l -> l.contains("ERROR"))
        .singleElement()
        .satisfies(l -> assertThat(l).contains("can no longer write", "StackOverflowError: deep"));
    // Reads still answer from what was applied.
    assertThat(registry.service("", "web").instances())
        .extracting(Instance::id)
        .containsExactly("a");
  }

  @Test
  void closingFirstLeavesTheFailureIncomplete() {
    CompletableFuture<CairnException> failure = registry.failure();

    registry.close();

    assertThat(failure).isNotDone();
  }
}
