package dev.cairn.server.core.internal;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Health;
import dev.cairn.common.HealthCheck;
import dev.cairn.common.Instance;
import dev.cairn.common.Ticker;
import dev.cairn.server.core.CheckStatus;
import dev.cairn.server.core.HealthCheckStats;
import dev.cairn.server.core.HealthProbe;
import dev.cairn.server.core.ProbeResult;
import dev.cairn.server.core.RegistryMonitor;
import dev.cairn.server.core.ServiceEvent;
import dev.cairn.server.core.ServiceSnapshot;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the health checks of the catalog's instances and submits a health change when an instance's
 * judged health ({@link CheckState}) differs from what the catalog holds.
 *
 * <p>Scheduling: one timer (a single thread, or a test's fake scheduler with its own ticker) holds
 * one delayed task per checked instance, at a fixed rate of the check's interval, the first run at
 * a random point of the first interval (no thundering herd); a TTL check's task falls at its
 * deadline instead (its last report plus its interval). Probes are asynchronous ({@link
 * HealthProbe}); at most {@code maxConcurrentProbes} run at once, the others wait in FIFO order.
 * Each probe has a hard timeout on the same timer. A run whose previous probe is still going is
 * skipped.
 *
 * <p>Threading: all state below is owned by the single health thread; the apply thread and the
 * transports hand work to it with {@link #onServiceChanged}, {@link #report}, and probes complete
 * onto it. {@link #stats()} reads a snapshot published by that thread; {@link #checks} asks it.
 *
 * <p>Each probe's output ({@link ProbeResult#output()}) is kept with its time in the instance's
 * entry, in memory only: it is never submitted as a command, so it costs no revision.
 */
final class HealthChecker implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);

  /** Submits a health change as a catalog command. */
  @FunctionalInterface
  interface Submitter {
    CompletableFuture<?> setHealth(String namespace, String service, String id, Health health);
  }

  private final HealthProbe probe;
  private final Ticker ticker;
  private final Submitter submitter;
  private final long halfLifeNanos;
  private final int maxConcurrent;
  private final ScheduledExecutorService timer;

  /** The timer's own time: the system's for the real timer, a fake scheduler's ticker in tests. */
  private final Ticker timerTicker;

  /**
   * Services that have (or had) a checked instance; apply thread only. Never shrinks: one entry per
   * such service.
   */
  private final java.util.HashSet<ServiceKey> checkedServices = new java.util.HashSet<>();

  // ---- health thread only ----
  private final HashMap<Key, Entry> entries = new HashMap<>();
  private final ArrayDeque<Entry> waiting = new ArrayDeque<>();

  /** How late timer runs start, in microseconds (3 significant digits, auto-resizing). */
  private final Histogram lateness = new Histogram(3);

  private int running;
  private int suppressed;
  private long started;
  private long timedOut;
  // Whether this member runs the checks (see lead); health thread only.
  private boolean leading = true;
  private long skipped;
  private long transitions;
  private boolean warnedNoProbe;
  private final RegistryMonitor monitor;

  private volatile HealthCheckStats stats = new HealthCheckStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  HealthChecker(
      HealthProbe probe,
      Ticker ticker,
      Submitter submitter,
      long halfLifeNanos,
      int maxConcurrent) {
    this(probe, ticker, submitter, halfLifeNanos, maxConcurrent, RegistryMonitor.NONE);
  }

  HealthChecker(
      HealthProbe probe,
      Ticker ticker,
      Submitter submitter,
      long halfLifeNanos,
      int maxConcurrent,
      RegistryMonitor monitor) {
    this(
        probe,
        ticker,
        submitter,
        halfLifeNanos,
        maxConcurrent,
        monitor,
        healthThread(),
        Ticker.system());
  }

  /**
   * A checker on {@code timer}, whose delays run on {@code timerTicker}'s time; the checker owns
   * the timer and shuts it down on {@link #close()}. Tests pass a fake ticker's scheduler and the
   * fake ticker as both {@code ticker} and {@code timerTicker}.
   */
  HealthChecker(
      HealthProbe probe,
      Ticker ticker,
      Submitter submitter,
      long halfLifeNanos,
      int maxConcurrent,
      RegistryMonitor monitor,
      ScheduledExecutorService timer,
      Ticker timerTicker) {
    this.monitor = monitor;
    this.probe = probe;
    this.ticker = ticker;
    this.submitter = submitter;
    this.halfLifeNanos = halfLifeNanos;
    this.maxConcurrent = maxConcurrent;
    this.timer = timer;
    this.timerTicker = timerTicker;
  }

  /** The single health thread. */
  private static ScheduledExecutorService healthThread() {
    AtomicInteger n = new AtomicInteger();
    ScheduledThreadPoolExecutor timer =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "cairn-health-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    timer.setRemoveOnCancelPolicy(true);
    timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    return timer;
  }

  /**
   * Takes a service's changes (apply thread); checks start, change or stop accordingly. Changes of
   * services that never had a checked instance cost one look-up and nothing on the health thread.
   */
  void onServiceChanged(String namespace, List<ServiceEvent> events) {
    if (!involvesChecks(namespace, events)) {
      return;
    }
    execute(
        () -> {
          for (ServiceEvent e : events) {
            Instance i = e.instance();
            Key key = new Key(namespace, i.service(), i.id());
            if (e.type() == ServiceEvent.Type.REMOVED || !i.hasCheck()) {
              remove(key);
            } else {
              upsert(key, i);
            }
          }
        });
  }

  /** Forgets every check and starts those of {@code services} (apply thread, after a restore). */
  void reset(List<ServiceSnapshot> services) {
    for (ServiceSnapshot s : services) {
      involvesChecks(s.namespace(), s.name(), s.instances());
    }
    execute(
        () -> {
          for (Key k : List.copyOf(entries.keySet())) {
            remove(k);
          }
          for (ServiceSnapshot s : services) {
            for (Instance i : s.instances()) {
              if (i.hasCheck()) {
                upsert(new Key(s.namespace(), i.service(), i.id()), i);
              }
            }
          }
        });
  }

  /**
   * Takes a TTL check's report. Completes with the health shown afterwards, or fails with {@code
   * NOT_FOUND} when the instance has no check, {@code FAILED_PRECONDITION} when its check is not a
   * TTL check.
   */
  CompletableFuture<Health> report(String namespace, String service, String id, Health health) {
    CompletableFuture<Health> done = new CompletableFuture<>();
    execute(
        () -> {
          Entry e = entries.get(new Key(namespace, service, id));
          if (e == null) {
            done.completeExceptionally(CairnException.notFound("id", id));
            return;
          }
          if (e.check.type() != HealthCheck.Type.TTL) {
            done.completeExceptionally(
                CairnException.of(
                    ErrorCode.FAILED_PRECONDITION,
                    "check",
                    "check: "
                        + e.check.type().label()
                        + " (expected: a ttl check; the registry probes this instance itself)"));
            return;
          }
          long now = ticker.nanos();
          e.lastReportNanos = now;
          record(e, ProbeResult.of(health, "reported " + lower(health)), now);
          publish(e, judge(e, () -> e.state.force(health, now)));
          done.complete(e.pending != null ? e.pending : e.instance.health());
        });
    return done;
  }

  /**
   * The check states of {@code ids} (instances of one service, in the given order), those without a
   * check left out. Any thread; answered by the health thread, with an empty list once closed.
   */
  CompletableFuture<List<CheckStatus>> checks(String namespace, String service, List<String> ids) {
    CompletableFuture<List<CheckStatus>> done = new CompletableFuture<>();
    Runnable read =
        () -> {
          long now = ticker.nanos();
          List<CheckStatus> out = new ArrayList<>();
          for (String id : ids) {
            Entry e = entries.get(new Key(namespace, service, id));
            if (e != null) {
              out.add(status(e, now));
            }
          }
          done.complete(List.copyOf(out));
        };
    try {
      timer.execute(read);
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      done.complete(List.of());
    }
    return done;
  }

  /** The counters as of the last change (any thread). */
  HealthCheckStats stats() {
    return stats;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }

  // ---- apply thread ----

  private boolean involvesChecks(String namespace, List<ServiceEvent> events) {
    if (events.isEmpty()) {
      return false;
    }
    String service = events.get(0).instance().service();
    if (checkedServices.contains(new ServiceKey(namespace, service))) {
      return true;
    }
    for (ServiceEvent e : events) {
      if (e.instance().hasCheck()) {
        checkedServices.add(new ServiceKey(namespace, service));
        return true;
      }
    }
    return false;
  }

  private void involvesChecks(String namespace, String service, List<Instance> instances) {
    for (Instance i : instances) {
      if (i.hasCheck()) {
        checkedServices.add(new ServiceKey(namespace, service));
        return;
      }
    }
  }

  // ---- health thread ----

  private void execute(Runnable r) {
    try {
      timer.execute(r);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed
    }
  }

  private void upsert(Key key, Instance i) {
    HealthCheck check = i.check().orElseThrow();
    Entry known = entries.get(key);
    if (known != null && known.check.equals(check)) {
      Entry e = known;
      e.instance = i;
      if (e.pending == i.health()) {
        e.pending = null;
      } else if (e.pending == null && i.health() != judge(e, () -> e.state.shown(ticker.nanos()))) {
        // Someone else set the health (e.g. a re-registration): count from there.
        e.state.reset(i.health());
      }
      return;
    }
    if (known != null) {
      remove(key);
    }
    Entry e = new Entry(key, i, check, new CheckState(i.health(), halfLifeNanos));
    long now = ticker.nanos();
    e.lastReportNanos = now;
    long interval = TimeUnit.MILLISECONDS.toNanos(check.intervalMillis());
    long first =
        check.type() == HealthCheck.Type.TTL
            ? interval
            : ThreadLocalRandom.current().nextLong(Math.max(1, interval));
    e.plannedNanos = timerTicker.nanos() + first;
    entries.put(key, e);
    schedule(e);
    publishStats();
  }

  private void remove(Key key) {
    Entry e = entries.remove(key);
    if (e == null) {
      return;
    }
    e.removed = true;
    if (e.state.suppressed()) {
      suppressed--;
    }
    if (e.next != null) {
      e.next.cancel(false);
    }
    if (e.probeFuture != null) {
      e.probeFuture.cancel(true);
    }
    publishStats();
  }

  private void schedule(Entry e) {
    long delay = e.plannedNanos - timerTicker.nanos();
    e.next = timer.schedule(() -> run(e), Math.max(0, delay), TimeUnit.NANOSECONDS);
  }

  /**
   * Whether this member runs the checks: always on a single node; in a cluster only on the leader
   * (decision 0104). A member that starts leading takes over each check from the last committed
   * health, with a TTL check's clock started afresh (its reports went to the old leader), so a
   * change of leader causes no flap; one that stops leading neither probes nor reports.
   */
  void lead(boolean leading) {
    execute(
        () -> {
          if (this.leading == leading) {
            return;
          }
          this.leading = leading;
          if (leading) {
            long now = ticker.nanos();
            for (Entry e : entries.values()) {
              e.lastReportNanos = now;
            }
          }
        });
  }

  private void run(Entry e) {
    if (e.removed) {
      return;
    }
    if (!leading) {
      // Keep the timer going so that a member that starts leading probes on the same plan.
      long interval = TimeUnit.MILLISECONDS.toNanos(e.check.intervalMillis());
      e.plannedNanos = timerTicker.nanos() + interval;
      schedule(e);
      return;
    }
    long nowSystem = timerTicker.nanos();
    lateness.recordValue(Math.max(0, (nowSystem - e.plannedNanos) / 1000));
    long interval = TimeUnit.MILLISECONDS.toNanos(e.check.intervalMillis());
    if (e.check.type() == HealthCheck.Type.TTL) {
      lookAtTtl(e, nowSystem, interval);
      return;
    }
    e.plannedNanos += interval;
    if (e.plannedNanos - nowSystem < 0) {
      // Far behind (e.g. a paused process): plan from now rather than running a burst.
      e.plannedNanos = nowSystem + interval;
    }
    schedule(e);
    if (probe == null) {
      if (!warnedNoProbe) {
        warnedNoProbe = true;
        log.warn("no health probe configured: {} checks are not run", e.check.type().label());
      }
      e.output = "not run: no health probe configured";
      return;
    }
    if (e.probeFuture != null || e.waiting) {
      skipped++;
      publishStats();
      return;
    }
    if (running >= maxConcurrent) {
      e.waiting = true;
      waiting.add(e);
      publishStats();
      return;
    }
    startProbe(e);
  }

  /**
   * One look at a TTL check: critical once its last report (or its registration, or this member's
   * taking the lead) is {@code interval} old. The next look falls at that deadline, so silence
   * takes effect when it runs out, not at the next tick of a fixed-rate plan (which could be up to
   * an interval later). A report only moves the deadline later: the look already planned comes
   * first and plans the next one at the new deadline. While silent, it looks again every interval.
   */
  private void lookAtTtl(Entry e, long nowSystem, long interval) {
    long now = ticker.nanos();
    long silence = now - e.lastReportNanos;
    if (silence >= interval) {
      e.plannedNanos = nowSystem + interval;
      schedule(e);
      record(
          e,
          ProbeResult.of(
              Health.CRITICAL,
              "TTL expired: no report for "
                  + TimeUnit.NANOSECONDS.toSeconds(silence)
                  + " s (ttl "
                  + e.check.intervalMillis()
                  + " ms)"),
          now);
      publish(e, judge(e, () -> e.state.force(Health.CRITICAL, now)));
    } else {
      e.plannedNanos = nowSystem + (interval - silence);
      schedule(e);
      publish(e, judge(e, () -> e.state.shown(now)));
    }
  }

  private void startProbe(Entry e) {
    running++;
    started++;
    long seq = ++e.probeSeq;
    e.probeStartNanos = ticker.nanos();
    CompletableFuture<ProbeResult> f;
    try {
      f = probe.check(e.instance, e.check);
    } catch (RuntimeException ex) {
      log.debug("probe of {} threw: {}", e.key, ex.toString());
      f = CompletableFuture.completedFuture(failed(ex));
    }
    e.probeFuture = f;
    CompletableFuture<ProbeResult> probed = f;
    ScheduledFuture<?> timeout =
        timer.schedule(
            () -> {
              if (e.probeSeq == seq && e.probeFuture == probed) {
                timedOut++;
                probed.cancel(true);
                finish(
                    e,
                    seq,
                    ProbeResult.of(
                        Health.CRITICAL, "timed out after " + e.check.timeoutMillis() + " ms"));
              }
            },
            e.check.timeoutMillis(),
            TimeUnit.MILLISECONDS);
    probed.whenComplete(
        (r, ex) -> {
          timeout.cancel(false);
          ProbeResult result =
              ex != null
                  ? failed(ex)
                  : r != null ? r : ProbeResult.of(Health.CRITICAL, "probe gave no result");
          execute(() -> finish(e, seq, result));
        });
    publishStats(); // the started probe is in flight from now on, as the stats say
  }

  private void finish(Entry e, long seq, ProbeResult probed) {
    Health result = probed.health();
    if (e.probeSeq != seq || e.probeFuture == null) {
      return; // already finished (timeout and completion race), or a later probe
    }
    e.probeFuture = null;
    running--;
    monitor.healthProbed(e.check.type().label(), result, ticker.nanos() - e.probeStartNanos);
    while (running < maxConcurrent && !waiting.isEmpty()) {
      Entry next = waiting.poll();
      next.waiting = false;
      if (!next.removed) {
        startProbe(next);
      }
    }
    if (!e.removed) {
      long now = ticker.nanos();
      record(e, probed, now);
      publish(e, judge(e, () -> e.state.onResult(result, e.check.rise(), e.check.fall(), now)));
    }
    publishStats();
  }

  /** Keeps a probe's or report's result and output in {@code e} (memory only). */
  private static void record(Entry e, ProbeResult r, long now) {
    if (r.health() == e.lastResult) {
      e.consecutive++;
    } else {
      e.lastResult = r.health();
      e.consecutive = 1;
    }
    e.output = r.output();
    e.checkedNanos = now;
  }

  private CheckStatus status(Entry e, long now) {
    Health shown = e.pending != null ? e.pending : e.instance.health();
    return new CheckStatus(
        e.key.id,
        e.check.type().label(),
        shown,
        e.lastResult,
        e.output,
        e.lastResult == null
            ? -1
            : TimeUnit.NANOSECONDS.toMillis(Math.max(0, now - e.checkedNanos)),
        e.consecutive,
        e.state.suppressed());
  }

  private static ProbeResult failed(Throwable t) {
    Throwable cause =
        t instanceof java.util.concurrent.CompletionException && t.getCause() != null
            ? t.getCause()
            : t;
    String message = cause.getMessage();
    return ProbeResult.of(
        Health.CRITICAL,
        "probe failed: " + (message == null ? cause.getClass().getSimpleName() : message));
  }

  private static String lower(Health h) {
    return h.name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Runs one judgement of {@code e}, keeping the count of suppressed instances. */
  private Health judge(Entry e, java.util.function.Supplier<Health> step) {
    boolean was = e.state.suppressed();
    Health shown = step.get();
    if (was != e.state.suppressed()) {
      suppressed += was ? -1 : 1;
      log.info(
          "{}: flap damping {} (penalty {})",
          e.key,
          was ? "released" : "holds it critical",
          String.format(java.util.Locale.ROOT, "%.2f", e.state.penalty(ticker.nanos())));
    }
    return shown;
  }

  private void publish(Entry e, Health shown) {
    Health known = e.pending != null ? e.pending : e.instance.health();
    if (shown == known) {
      return;
    }
    e.pending = shown;
    transitions++;
    log.debug("{}: {} -> {} ({})", e.key, known, shown, e.check);
    submitter
        .setHealth(e.key.namespace, e.key.service, e.key.id, shown)
        .whenComplete(
            (r, ex) -> {
              if (ex != null) {
                execute(
                    () -> {
                      if (e.pending == shown) {
                        e.pending = null; // retried on the next result
                      }
                    });
              }
            });
    publishStats();
  }

  private void publishStats() {
    stats =
        new HealthCheckStats(
            entries.size(),
            started,
            timedOut,
            skipped,
            running,
            waiting.size(),
            suppressed,
            transitions,
            lateness.getValueAtPercentile(50),
            lateness.getValueAtPercentile(99),
            lateness.getMaxValue());
  }

  private record ServiceKey(String namespace, String service) {}

  private record Key(String namespace, String service, String id) {
    @Override
    public String toString() {
      return namespace + "/" + service + "/" + id;
    }
  }

  /** One checked instance; health thread only. */
  private static final class Entry {
    final Key key;
    final HealthCheck check;
    final CheckState state;
    Instance instance;
    long plannedNanos;
    long lastReportNanos;
    ScheduledFuture<?> next;
    CompletableFuture<ProbeResult> probeFuture;
    long probeSeq;
    long probeStartNanos;
    boolean waiting;
    boolean removed;
    Health pending;
    // The last probe's or report's result and output, and when (ticker nanos).
    Health lastResult;
    int consecutive;
    String output = "";
    long checkedNanos;

    Entry(Key key, Instance instance, HealthCheck check, CheckState state) {
      this.key = key;
      this.instance = instance;
      this.check = check;
      this.state = state;
    }
  }
}
