package dev.cairn.server.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Health;
import dev.cairn.common.HealthCheck;
import dev.cairn.common.Instance;
import dev.cairn.server.core.CheckStatus;
import dev.cairn.server.core.HealthProbe;
import dev.cairn.server.core.ProbeResult;
import dev.cairn.server.core.RegistryMonitor;
import dev.cairn.server.core.ServiceEvent;
import dev.cairn.testing.clock.FakeTicker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduler with a scripted probe, on a fake ticker and its scheduler: every timer (probe runs,
 * timeouts, TTLs) fires when the test advances time, on the test's thread; submissions are recorded
 * instead of logged.
 */
class HealthCheckerTest {

  private final FakeTicker ticker = FakeTicker.create();
  private final Map<String, Health> submitted = new ConcurrentHashMap<>();
  private final List<String> submissions = new CopyOnWriteArrayList<>();
  private HealthChecker checker;

  @AfterEach
  void close() {
    if (checker != null) {
      checker.close();
    }
  }

  @Test
  void aProbeThatNeverAnswersIsCriticalAfterItsTimeoutAndTheCheckerGoesOn() {
    AtomicInteger started = new AtomicInteger();
    List<CompletableFuture<Health>> hanging = new CopyOnWriteArrayList<>();
    start(
        (i, c) -> {
          started.incrementAndGet();
          CompletableFuture<Health> f = new CompletableFuture<>();
          hanging.add(f);
          return f;
        },
        16);

    add("a", check(HealthCheck.Type.TCP, 100, 50, 1, 2));

    ticker.advance(Duration.ofMillis(1_000));

    assertThat(submitted.get("a")).isEqualTo(Health.CRITICAL);
    // A run every 100 ms from a random point of the first interval: each probe timed out but the
    // last, which may still be running; none was skipped.
    assertThat(started.get()).isBetween(10, 11);
    assertThat(checker.stats().probesTimedOut() + checker.stats().probesInFlight())
        .isEqualTo(started.get());
    assertThat(checker.stats().probesInFlight()).isBetween(0, 1);
    assertThat(checker.stats().probesSkipped()).isZero();
    assertThat(hanging.get(0)).isCancelled();
  }

  @Test
  void probesBeyondTheLimitWaitInsteadOfRunning() {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    start(
        (i, c) -> {
          most.accumulateAndGet(running.incrementAndGet(), Math::max);
          CompletableFuture<Health> f = new CompletableFuture<>();
          f.whenComplete((h, e) -> running.decrementAndGet());
          return f; // hangs until the timeout cancels it
        },
        2);

    for (int n = 0; n < 10; n++) {
      add("i" + n, check(HealthCheck.Type.HTTP, 200, 150, 1, 1));
    }

    ticker.advance(Duration.ofSeconds(5));

    assertThat(checker.stats().probesStarted()).isGreaterThanOrEqualTo(10);
    assertThat(most.get()).isEqualTo(2);
  }

  @Test
  void aThrowingProbeCountsAsCritical() {
    start(
        (i, c) -> {
          throw new IllegalStateException("boom");
        },
        4);

    add("a", check(HealthCheck.Type.HTTP, 100, 50, 1, 1));

    ticker.advance(Duration.ofMillis(100));

    assertThat(submitted.get("a")).isEqualTo(Health.CRITICAL);
  }

  @Test
  void ttlSilenceTurnsCriticalAndAReportPassingAgain() throws Exception {
    start((i, c) -> CompletableFuture.completedFuture(Health.PASSING), 4);

    add("t", check(HealthCheck.Type.TTL, 150, 100, 1, 1));
    ticker.advance(Duration.ofMillis(149));
    assertThat(submitted).doesNotContainKey("t");
    ticker.advance(Duration.ofMillis(200));
    assertThat(submitted.get("t")).isEqualTo(Health.CRITICAL);

    Health shown = run(checker.report("default", "web", "t", Health.PASSING)).get();

    assertThat(shown).isEqualTo(Health.PASSING);
    assertThat(submitted.get("t")).isEqualTo(Health.PASSING);
  }

  @Test
  void ttlSilenceIsCriticalWhenItsIntervalRunsOutNotAtALaterTick() throws Exception {
    start((i, c) -> CompletableFuture.completedFuture(Health.PASSING), 4);

    // Silent from its registration: critical once the interval has passed, not a tick later.
    add("r", check(HealthCheck.Type.TTL, 2_000, 1_000, 1, 1));
    ticker.advance(Duration.ofMillis(1_999));
    assertThat(submitted).doesNotContainKey("r");
    ticker.advance(Duration.ofMillis(1));
    assertThat(submitted.get("r")).isEqualTo(Health.CRITICAL);

    // Silent from a report in the middle of an interval: critical at that report + the interval.
    add("t", check(HealthCheck.Type.TTL, 2_000, 1_000, 1, 1));
    ticker.advance(Duration.ofMillis(500));
    run(checker.report("default", "web", "t", Health.PASSING)).get();
    ticker.advance(Duration.ofMillis(1_999));
    assertThat(submitted).doesNotContainKey("t");
    ticker.advance(Duration.ofMillis(1));
    assertThat(submitted.get("t")).isEqualTo(Health.CRITICAL);
    assertThat(checks("t").orElseThrow().output())
        .isEqualTo("TTL expired: no report for 2 s (ttl 2000 ms)");

    // Back to passing; each report moves the deadline, the silence after the last one counts.
    ticker.advance(Duration.ofMillis(300));
    assertThat(run(checker.report("default", "web", "t", Health.PASSING)).get())
        .isEqualTo(Health.PASSING);
    for (int n = 0; n < 5; n++) {
      ticker.advance(Duration.ofMillis(1_500));
      run(checker.report("default", "web", "t", Health.PASSING)).get();
    }
    ticker.advance(Duration.ofMillis(1_999));
    assertThat(submissions).containsExactly("r=CRITICAL", "t=CRITICAL", "t=PASSING");
    ticker.advance(Duration.ofMillis(1));
    assertThat(submissions).containsExactly("r=CRITICAL", "t=CRITICAL", "t=PASSING", "t=CRITICAL");
  }

  @Test
  void flapDampingHoldsATtlInstanceCriticalUntilItsPenaltyDecays() throws Exception {
    start((i, c) -> CompletableFuture.completedFuture(Health.PASSING), 4, Duration.ofSeconds(60));
    add("t", check(HealthCheck.Type.TTL, 2_000, 1_000, 1, 1));

    // Four quick changes: silence, a report, silence, a report. The fourth is held critical.
    ticker.advance(Duration.ofMillis(2_000));
    run(checker.report("default", "web", "t", Health.PASSING)).get();
    ticker.advance(Duration.ofMillis(2_000));
    Health shown = run(checker.report("default", "web", "t", Health.PASSING)).get();
    assertThat(shown).isEqualTo(Health.CRITICAL);
    assertThat(checks("t").orElseThrow().suppressed()).isTrue();
    assertThat(submissions).containsExactly("t=CRITICAL", "t=PASSING", "t=CRITICAL");

    // Reporting every second, it is released once the penalty (3.95, halving every 60 s) is
    // below 1.5: 83.9 s later.
    for (int n = 0; n < 83; n++) {
      ticker.advance(Duration.ofSeconds(1));
      assertThat(run(checker.report("default", "web", "t", Health.PASSING)).get())
          .isEqualTo(Health.CRITICAL);
    }
    ticker.advance(Duration.ofSeconds(1));
    assertThat(run(checker.report("default", "web", "t", Health.PASSING)).get())
        .isEqualTo(Health.PASSING);
    assertThat(checks("t").orElseThrow().suppressed()).isFalse();
    assertThat(submissions).containsExactly("t=CRITICAL", "t=PASSING", "t=CRITICAL", "t=PASSING");
  }

  @Test
  void eachProbesOutputIsKeptInMemoryWithItsStreakAndNotSubmitted() {
    AtomicInteger n = new AtomicInteger();
    start(
        new HealthProbe() {
          @Override
          public CompletableFuture<Health> probe(Instance i, HealthCheck c) {
            throw new AssertionError("the checker asks for results with output");
          }

          @Override
          public CompletableFuture<ProbeResult> check(Instance i, HealthCheck c) {
            return CompletableFuture.completedFuture(
                ProbeResult.of(
                    Health.CRITICAL, "HTTP 503 Service Unavailable #" + n.incrementAndGet()));
          }
        },
        4);
    add("h", check(HealthCheck.Type.HTTP, 100, 100, 1, 1));

    ticker.advance(Duration.ofMillis(250));

    CheckStatus s = checks("h").orElseThrow();
    assertThat(s.consecutive()).isEqualTo(n.get()).isBetween(2, 3);
    assertThat(s.type()).isEqualTo("http");
    assertThat(s.lastResult()).isEqualTo(Health.CRITICAL);
    assertThat(s.output()).startsWith("HTTP 503 Service Unavailable #");
    assertThat(s.checkedAgoMillis()).isGreaterThanOrEqualTo(0);
    // The health changed once; the outputs that followed are no commands.
    assertThat(submissions).containsExactly("h=CRITICAL");
  }

  @Test
  void aTimedOutProbeAndATtlReportSayWhatHappened() throws Exception {
    start((i, c) -> new CompletableFuture<>(), 4);
    add("slow", check(HealthCheck.Type.TCP, 100, 50, 1, 1));
    add("t", check(HealthCheck.Type.TTL, 60_000, 1000, 1, 1));
    assertThat(checks("t").orElseThrow().checkedAgoMillis()).isEqualTo(-1);

    run(checker.report("default", "web", "t", Health.WARNING)).get();

    assertThat(checks("t").orElseThrow().output()).isEqualTo("reported warning");
    assertThat(checks("slow").orElseThrow().output()).isEmpty();
    ticker.advance(Duration.ofMillis(150));
    assertThat(checks("slow").orElseThrow().output()).isEqualTo("timed out after 50 ms");
  }

  @Test
  void theDefaultOutputNamesTheHealthAndCancellingReachesTheProbe() {
    CompletableFuture<Health> inner = new CompletableFuture<>();
    HealthProbe probe = (i, c) -> inner;
    CompletableFuture<ProbeResult> outer =
        probe.check(null, check(HealthCheck.Type.GRPC, 1000, 100, 1, 1));
    outer.cancel(true);
    assertThat(inner).isCancelled();

    HealthProbe passing = (i, c) -> CompletableFuture.completedFuture(Health.PASSING);
    assertThat(passing.check(null, check(HealthCheck.Type.TCP, 1000, 100, 1, 1)).join().output())
        .isEqualTo("tcp probe: passing");
  }

  @Test
  void reportsForOtherCheckTypesAreRefused() {
    start((i, c) -> CompletableFuture.completedFuture(Health.PASSING), 4);
    add("h", check(HealthCheck.Type.HTTP, 1000, 100, 1, 1));

    CompletableFuture<Health> r = run(checker.report("default", "web", "h", Health.PASSING));

    assertThat(r)
        .failsWithin(Duration.ofSeconds(5))
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .isInstanceOfSatisfying(
            CairnException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION));
  }

  @Test
  void aRemovedInstanceIsNoLongerProbed() {
    AtomicInteger started = new AtomicInteger();
    start(
        (i, c) -> {
          started.incrementAndGet();
          return CompletableFuture.completedFuture(Health.PASSING);
        },
        4);
    Instance a = add("a", check(HealthCheck.Type.TCP, 100, 50, 1, 1));
    ticker.advance(Duration.ofMillis(200));
    int before = started.get();
    assertThat(before).isBetween(2, 3);

    checker.onServiceChanged("default", List.of(ServiceEvent.of(ServiceEvent.Type.REMOVED, 9, a)));
    ticker.runDueTasks();
    assertThat(checker.stats().checkedInstances()).isZero();

    ticker.advance(Duration.ofSeconds(10));
    assertThat(started.get()).isEqualTo(before);
    assertThat(ticker.pendingTasks()).isZero();
  }

  @Test
  void lateRunsAreMeasured() {
    start((i, c) -> CompletableFuture.completedFuture(Health.PASSING), 4);
    add("a", check(HealthCheck.Type.TCP, 100, 50, 1, 1));

    ticker.advance(Duration.ofSeconds(1));

    // On a fake timer every run starts on time.
    assertThat(checker.stats().probesStarted()).isBetween(10L, 11L);
    assertThat(checker.stats().latenessMaxMicros()).isZero();
  }

  private java.util.Optional<CheckStatus> checks(String id) {
    return run(checker.checks("default", "web", List.of(id))).join().stream().findFirst();
  }

  /** Lets the health thread (the fake scheduler) answer {@code f}. */
  private <T> CompletableFuture<T> run(CompletableFuture<T> f) {
    ticker.runDueTasks();
    return f;
  }

  private void start(HealthProbe probe, int maxConcurrent) {
    start(probe, maxConcurrent, Duration.ZERO);
  }

  private void start(HealthProbe probe, int maxConcurrent, Duration flapHalfLife) {
    checker =
        new HealthChecker(
            probe,
            ticker,
            (ns, svc, id, h) -> {
              submitted.put(id, h);
              submissions.add(id + "=" + h);
              // Applied: the catalog tells the checker, as the registry does.
              return CompletableFuture.completedFuture(null);
            },
            flapHalfLife.toNanos(),
            maxConcurrent,
            RegistryMonitor.NONE,
            ticker.scheduler(),
            ticker);
  }

  private Instance add(String id, HealthCheck check) {
    Instance i =
        Instance.builder("web", "127.0.0.1")
            .id(id)
            .port("http", 1)
            .check(check)
            .revisions(1, 1)
            .build();
    checker.onServiceChanged("default", List.of(ServiceEvent.of(ServiceEvent.Type.ADDED, 1, i)));
    ticker.runDueTasks();
    return i;
  }

  private static HealthCheck check(
      HealthCheck.Type type, long intervalMillis, long timeoutMillis, int rise, int fall) {
    HealthCheck.Builder b =
        HealthCheck.builder(type)
            .interval(Duration.ofMillis(intervalMillis))
            .timeout(Duration.ofMillis(timeoutMillis))
            .rise(rise)
            .fall(fall);
    return b.build();
  }
}
