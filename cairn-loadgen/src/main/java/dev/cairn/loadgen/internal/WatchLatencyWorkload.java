package dev.cairn.loadgen.internal;

import dev.cairn.proto.v1.ServiceSnapshot;
import dev.cairn.proto.v1.WatchEvent;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * W2: watch delivery latency. {@code watchers} gRPC {@code Watch} streams (over {@code connections}
 * channels) on one service; a writer issues {@code events} alternating registrations and
 * deregistrations, one every {@code interval} (fixed rate). For every event and watcher: the time
 * from the write's response arriving to that watcher receiving the event, matched by instance id
 * and kind (added or removed). All times are {@link System#nanoTime} in this JVM.
 *
 * <p>Two writers in turn, over the same watchers: unary {@code Register} and {@code Deregister}
 * calls on a channel of their own, then (unless {@code sdkWriter} is off) a {@code CairnClient}
 * registering in its session and deregistering, as an application does, over the run's TLS when it
 * has TLS.
 *
 * <p>A warm-up of {@code warmupEvents} writes, one every {@code warmupInterval}, goes over the same
 * watchers first and is not measured: on fresh JVMs the first events took 10–300 ms (interpreted
 * code on both sides), which made the p99 and max of a 200-event run.
 */
final class WatchLatencyWorkload implements Workload {

  /** The workload's bounds. */
  record Settings(
      int watchers,
      int connections,
      int events,
      Duration interval,
      int warmupEvents,
      Duration warmupInterval,
      boolean sdkWriter) {

    static Settings defaults() {
      return new Settings(100, 4, 200, Duration.ofMillis(50), 400, Duration.ofMillis(5), true);
    }

    Settings withEvents(int n) {
      return new Settings(
          watchers, connections, n, interval, warmupEvents, warmupInterval, sdkWriter);
    }

    Settings withWatchers(int n) {
      return new Settings(
          n, connections, events, interval, warmupEvents, warmupInterval, sdkWriter);
    }

    Settings withWarmupEvents(int n) {
      return new Settings(watchers, connections, events, interval, n, warmupInterval, sdkWriter);
    }

    /** Whether a second writer, a {@code CairnClient}, writes after the unary one. */
    Settings withSdkWriter(boolean run) {
      return new Settings(
          watchers, connections, events, interval, warmupEvents, warmupInterval, run);
    }
  }

  private static final String NAME = "W2";
  private static final Duration SETTLE = Duration.ofSeconds(10);
  private static final Duration SDK_SESSION_TTL = Duration.ofSeconds(30);
  private static final String SDK_LABEL = " (writer: the SDK)";

  /** System property naming a file for the measured phase's raw times (see {@code writeTrace}). */
  static final String TRACE_PROPERTY = "loadgen.w2.trace";

  /** One write: when it was sent and when its response arrived, relative to the run's origin. */
  private record Write(long sentAt, long ackedAt) {}

  private final Settings settings;

  WatchLatencyWorkload(Settings settings) {
    this.settings = settings;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(RunContext context, ResultTable table) throws Exception {
    String service = context.service("w2");
    int watchers = settings.watchers();
    CountDownLatch snapshots = new CountDownLatch(watchers);
    AtomicInteger resyncs = new AtomicInteger();
    AtomicInteger brokenStreams = new AtomicInteger();
    AtomicReference<Phase> phase = new AtomicReference<>();

    // Against a cluster: the writer on the leader, the watchers on the followers.
    int leader = context.leaderIndex();
    List<Target> watched = new ArrayList<>();
    StringBuilder where = new StringBuilder();
    for (int i = 0; i < context.members().size(); i++) {
      if (i != leader || !context.cluster()) {
        watched.add(context.members().get(i));
        where.append(where.length() == 0 ? "" : ", ").append(context.memberName(i));
      }
    }
    if (context.cluster()) {
      context.progress(
          "%s: writer on the leader %s, watchers on the followers %s",
          NAME, context.memberName(leader), where);
    }
    int connections =
        (settings.connections() + watched.size() - 1) / watched.size() * watched.size();
    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      channels.add(watched.get(i % watched.size()).newChannel());
    }
    Target writerTarget = context.members().get(leader);
    WatchWriter.Unary unary = new WatchWriter.Unary(writerTarget.newChannel(), context.namespace());
    String placement =
        context.cluster()
            ? String.format(
                Locale.ROOT,
                ", writer on leader %s, watchers on followers %s",
                context.memberName(leader),
                where)
            : "";
    List<ServiceWatch> watches = new ArrayList<>();
    try {
      for (int w = 0; w < watchers; w++) {
        int watcher = w;
        watches.add(
            ServiceWatch.start(
                channels.get(w % channels.size()),
                context.namespace(),
                service,
                new ServiceWatch.Listener() {
                  private boolean first = true;

                  @Override
                  public void onSnapshot(long nanos, long revision, ServiceSnapshot snapshot) {
                    if (first) {
                      first = false;
                      snapshots.countDown();
                    } else {
                      resyncs.incrementAndGet();
                    }
                  }

                  @Override
                  public void onEvent(long nanos, WatchEvent event) {
                    Phase p = phase.get();
                    if (p != null) {
                      p.seen(watcher, nanos, event);
                    }
                  }

                  @Override
                  public void onEnd(Throwable error) {
                    if (error != null
                        && Status.fromThrowable(error).getCode() != Status.Code.CANCELLED) {
                      brokenStreams.incrementAndGet();
                    }
                  }
                }));
      }
      if (!snapshots.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException(
            "watchers: "
                + (watchers - snapshots.getCount())
                + " started (expected: "
                + watchers
                + ")");
      }
      measure(context, table, phase, unary, "", "v", "w", placement, service);
      if (settings.sdkWriter()) {
        long baseline = context.server().instanceCount();
        try (WatchWriter.Sdk sdk =
            new WatchWriter.Sdk(writerTarget, context.namespace(), SDK_SESSION_TTL)) {
          measure(context, table, phase, sdk, SDK_LABEL, "sv", "sw", placement, service);
        }
        boolean clean = context.server().awaitInstanceCount(baseline, SETTLE);
        table.add(
            NAME, "SDK writer clean-up (client closed)", clean ? "ok" : "instances left", "ok");
      }
      table.add(
          NAME,
          "resync snapshots / broken streams",
          resyncs.get() + " / " + brokenStreams.get(),
          "0 / 0");
    } finally {
      watches.forEach(ServiceWatch::cancel);
      unary.close(service);
      channels.forEach(Target::shutdown);
    }
  }

  /**
   * One writer's warm-up (unmeasured) and measured series over the watchers; its rows carry {@code
   * label} and its instance ids start with {@code warmupPrefix} and {@code prefix}.
   */
  private void measure(
      RunContext context,
      ResultTable table,
      AtomicReference<Phase> phase,
      WatchWriter writer,
      String label,
      String warmupPrefix,
      String prefix,
      String placement,
      String service)
      throws Exception {
    int watchers = settings.watchers();
    String who = label.isEmpty() ? "" : label.trim() + ": ";
    if (settings.warmupEvents() > 0) {
      context.progress(
          "%s: %s%d watchers ready; warm-up: %d events every %d ms...",
          NAME, who, watchers, settings.warmupEvents(), settings.warmupInterval().toMillis());
      Phase warmup =
          new Phase(warmupPrefix, watchers, settings.warmupEvents(), settings.warmupInterval());
      phase.set(warmup);
      warmup.run(writer, service);
      table.add(
          NAME,
          "warm-up (not measured): writes / deliveries" + label,
          ResultTable.count(warmup.acks.size()) + " / " + ResultTable.count(warmup.delivered()),
          ResultTable.count(settings.warmupEvents())
              + " / "
              + ResultTable.count((long) watchers * settings.warmupEvents()));
    }
    context.progress(
        "%s: %s%d watchers ready; %d events every %d ms...",
        NAME, who, watchers, settings.events(), settings.interval().toMillis());
    Phase measured = new Phase(prefix, watchers, settings.events(), settings.interval());
    phase.set(measured);
    boolean allSeen = measured.run(writer, service);
    measured.report(context, table, allSeen, placement, label);
  }

  /**
   * One series of writes and what the watchers saw of it. Its instance ids start with {@code
   * prefix}, so events of an earlier series that arrive late are told apart.
   */
  private static final class Phase {
    private final String prefix;
    private final int watchers;
    private final int events;
    private final Duration interval;
    private final long origin = System.nanoTime();
    // key "id+" (added) or "id-" (removed) -> per watcher: arrival time - origin + 1, or 0
    private final Map<String, AtomicLongArray> seen = new ConcurrentHashMap<>();
    // the same keys -> when the write was sent and when its response arrived (- origin + 1)
    private final Map<String, Write> acks = new ConcurrentHashMap<>();
    private final CountDownLatch sightings;
    private final CountDownLatch writes;
    private final AtomicInteger writeErrors = new AtomicInteger();

    Phase(String prefix, int watchers, int events, Duration interval) {
      this.prefix = prefix + "-";
      this.watchers = watchers;
      this.events = events;
      this.interval = interval;
      this.sightings = new CountDownLatch(watchers * events);
      this.writes = new CountDownLatch(events);
    }

    /** Records that {@code watcher} received {@code event} at {@code nanos}; transport thread. */
    void seen(int watcher, long nanos, WatchEvent event) {
      String id = event.getInstance().getId();
      if (!id.startsWith(prefix)) {
        return;
      }
      String key = key(id, event.getType() == WatchEvent.Type.REMOVED);
      AtomicLongArray times = seen.computeIfAbsent(key, k -> new AtomicLongArray(watchers));
      if (times.compareAndSet(watcher, 0, nanos - origin + 1)) {
        sightings.countDown();
      }
    }

    /**
     * Issues the writes at a fixed rate and waits for them and for every watcher to see them (each
     * bounded); true when everything was seen.
     */
    /**
     * The key of instance {@code id}'s event or write: each id is registered once and deregistered
     * once in a series, and its prefix tells the series apart.
     */
    private static String key(String id, boolean removed) {
      return id + (removed ? "-" : "+");
    }

    boolean run(WatchWriter writer, String service) throws InterruptedException {
      ScheduledExecutorService ticker =
          Executors.newSingleThreadScheduledExecutor(RunContext.daemonThreads("loadgen-w2-writer"));
      try {
        // written and read by the writer thread only
        List<CompletableFuture<Void>> registered = new ArrayList<>();
        AtomicInteger tick = new AtomicInteger();
        ticker.scheduleAtFixedRate(
            () -> {
              int k = tick.getAndIncrement();
              if (k < events) {
                write(k, writer, service, registered);
              }
            },
            0,
            interval.toNanos(),
            TimeUnit.NANOSECONDS);
        Duration writing = interval.multipliedBy(events).plus(SETTLE);
        boolean allWritten = writes.await(writing.toMillis(), TimeUnit.MILLISECONDS);
        return allWritten
            && writeErrors.get() == 0
            && sightings.await(SETTLE.toMillis(), TimeUnit.MILLISECONDS);
      } finally {
        ticker.shutdownNow();
      }
    }

    private void write(
        int k, WatchWriter writer, String service, List<CompletableFuture<Void>> registered) {
      int i = k / 2;
      String id = Instances.id(prefix.substring(0, prefix.length() - 1), i);
      CompletableFuture<Void> write;
      if (k % 2 == 0) {
        write = timed(key(id, false), () -> writer.register(service, id, i));
        registered.add(write);
      } else {
        write =
            registered
                .get(i)
                .thenCompose(x -> timed(key(id, true), () -> writer.deregister(service, id)));
      }
      write.whenComplete(
          (r, e) -> {
            if (e != null) {
              writeErrors.incrementAndGet();
            }
            writes.countDown();
          });
    }

    /** Starts {@code write} and records when it was sent and when it was acknowledged. */
    private CompletableFuture<Void> timed(
        String key, java.util.function.Supplier<CompletableFuture<Void>> write) {
      long sent = System.nanoTime() - origin + 1;
      return write
          .get()
          .thenAccept(
              r -> {
                long acked = System.nanoTime() - origin + 1;
                acks.put(key, new Write(sent, acked));
              });
    }

    /**
     * Writes one line per acknowledged write: {@code id+ sent acked t0 t1 ...} ({@code id-} for a
     * deregistration), the times in {@link System#nanoTime} nanoseconds (0: watcher {@code i} did
     * not see it). The first line is {@code # nanoTime-origin <origin>}: add it to get the JVM's
     * own {@code System.nanoTime}, which on Linux is the clock of {@code -Xlog:...:timenanos} in
     * any JVM on the machine.
     */
    private void writeTrace(Path file) throws IOException {
      try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file))) {
        out.println("# nanoTime-origin " + origin);
        for (Map.Entry<String, Write> ack : acks.entrySet()) {
          AtomicLongArray times = seen.get(ack.getKey());
          StringBuilder line = new StringBuilder(ack.getKey());
          line.append(' ').append(ack.getValue().sentAt() - 1);
          line.append(' ').append(ack.getValue().ackedAt() - 1);
          for (int w = 0; w < watchers; w++) {
            long at = times == null ? 0 : times.get(w);
            line.append(' ').append(at == 0 ? 0 : at - 1);
          }
          out.println(line);
        }
      }
    }

    /** Deliveries seen of acknowledged writes. */
    long delivered() {
      long n = 0;
      for (String key : acks.keySet()) {
        AtomicLongArray times = seen.get(key);
        for (int w = 0; times != null && w < watchers; w++) {
          if (times.get(w) != 0) {
            n++;
          }
        }
      }
      return n;
    }

    void report(
        RunContext context,
        ResultTable table,
        boolean allSeen,
        String placement,
        String writerLabel)
        throws IOException {
      String trace = System.getProperty(TRACE_PROPERTY);
      if (trace != null) {
        // the SDK writer's series beside the unary one's: w2.txt and w2.txt-sdk
        writeTrace(Path.of(writerLabel.isEmpty() ? trace : trace + "-sdk"));
      }
      Latency latency = new Latency();
      Latency sinceSent = new Latency();
      Latency writer = new Latency();
      long delivered = 0;
      long beforeAck = 0;
      for (Map.Entry<String, Write> ack : acks.entrySet()) {
        writer.recordNanos(ack.getValue().ackedAt() - ack.getValue().sentAt());
        AtomicLongArray times = seen.get(ack.getKey());
        if (times == null) {
          continue;
        }
        for (int w = 0; w < watchers; w++) {
          long at = times.get(w);
          if (at == 0) {
            continue;
          }
          delivered++;
          if (at < ack.getValue().ackedAt()) {
            beforeAck++;
          }
          latency.recordNanos(at - ack.getValue().ackedAt());
          sinceSent.recordNanos(at - ack.getValue().sentAt());
        }
      }
      String label =
          String.format(
              Locale.ROOT,
              "write-ack to watcher (%d watchers, %d events%s)%s",
              watchers,
              events,
              placement,
              writerLabel);
      table.add(
          NAME,
          "writes acknowledged" + writerLabel,
          ResultTable.count(acks.size()),
          ResultTable.count(events));
      table.add(
          NAME,
          "events delivered (event x watcher)" + writerLabel,
          ResultTable.count(delivered) + (allSeen ? "" : " (not all)"),
          ResultTable.count((long) watchers * events));
      latency.addRows(table, NAME, label);
      table.add(
          NAME,
          "seen before the write's ack (counted as 0)" + writerLabel,
          ResultTable.count(beforeAck),
          "—");
      sinceSent.addRows(table, NAME, "write sent to watcher" + placement + writerLabel);
      // Issue 14 item 5 compares the watchers' tail with the writer's own: same clock, same writes.
      writer.addRows(table, NAME, "write sent to its ack (the writer's own latency)" + writerLabel);
      long expected = (long) watchers * acks.size();
      if (delivered != expected) {
        context.progress("%s: %d of %d deliveries seen", NAME, delivered, expected);
      }
    }
  }
}
