package dev.cairn.loadgen.internal;

import dev.cairn.proto.v1.ServiceSnapshot;
import dev.cairn.proto.v1.WatchEvent;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * W2: watch delivery latency. {@code watchers} gRPC {@code Watch} streams (over {@code connections}
 * channels) on one service; a writer on its own channel issues {@code events} alternating Register
 * and Deregister calls, one every {@code interval} (fixed rate). For every event and watcher: the
 * time from the write's response arriving to that watcher receiving the event, matched by instance
 * id and revision. All times are {@link System#nanoTime} in this JVM.
 */
final class WatchLatencyWorkload implements Workload {

  /** The workload's bounds. */
  record Settings(int watchers, int connections, int events, Duration interval) {

    static Settings defaults() {
      return new Settings(100, 4, 200, Duration.ofMillis(50));
    }

    Settings withEvents(int n) {
      return new Settings(watchers, connections, n, interval);
    }

    Settings withWatchers(int n) {
      return new Settings(n, connections, events, interval);
    }
  }

  private static final String NAME = "W2";
  private static final Duration SETTLE = Duration.ofSeconds(10);

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
    int events = settings.events();
    long origin = System.nanoTime();
    // key "id@revision" -> per watcher: arrival time - origin + 1, or 0 while not seen
    Map<String, AtomicLongArray> seen = new ConcurrentHashMap<>();
    // key "id@revision" -> when the write was sent and when its response arrived (- origin + 1)
    Map<String, Write> acks = new ConcurrentHashMap<>();
    Set<String> live = ConcurrentHashMap.newKeySet();
    CountDownLatch snapshots = new CountDownLatch(watchers);
    CountDownLatch sightings = new CountDownLatch(watchers * events);
    CountDownLatch writes = new CountDownLatch(events);
    AtomicInteger resyncs = new AtomicInteger();
    AtomicInteger brokenStreams = new AtomicInteger();
    AtomicInteger writeErrors = new AtomicInteger();

    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < settings.connections(); i++) {
      channels.add(context.target().newChannel());
    }
    ManagedChannel writer = context.target().newChannel();
    List<ServiceWatch> watches = new ArrayList<>();
    ScheduledExecutorService ticker =
        Executors.newSingleThreadScheduledExecutor(RunContext.daemonThreads("loadgen-w2-writer"));
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
                    String key = event.getInstance().getId() + "@" + event.getRevision();
                    AtomicLongArray times =
                        seen.computeIfAbsent(key, k -> new AtomicLongArray(watchers));
                    if (times.compareAndSet(watcher, 0, nanos - origin + 1)) {
                      sightings.countDown();
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
      context.progress(
          "%s: %d watchers ready; %d events every %d ms...",
          NAME, watchers, events, settings.interval().toMillis());

      // written and read by the writer thread only
      List<CompletableFuture<Void>> registered = new ArrayList<>();
      AtomicInteger tick = new AtomicInteger();
      ticker.scheduleAtFixedRate(
          () -> {
            int k = tick.getAndIncrement();
            if (k >= events) {
              return;
            }
            int i = k / 2;
            String id = Instances.id("w", i);
            CompletableFuture<Void> write;
            if (k % 2 == 0) {
              long sent = System.nanoTime() - origin + 1;
              write =
                  Calls.register(writer, context.namespace(), Instances.of(service, id, i))
                      .thenAccept(
                          r -> {
                            long acked = System.nanoTime() - origin + 1;
                            acks.put(id + "@" + r.getRevision(), new Write(sent, acked));
                            live.add(id);
                          });
              registered.add(write);
            } else {
              write =
                  registered
                      .get(i)
                      .thenCompose(
                          x -> {
                            long sent = System.nanoTime() - origin + 1;
                            return Calls.deregister(writer, context.namespace(), service, id)
                                .thenAccept(
                                    r -> {
                                      long acked = System.nanoTime() - origin + 1;
                                      acks.put(id + "@" + r.getRevision(), new Write(sent, acked));
                                      live.remove(id);
                                    });
                          });
            }
            write.whenComplete(
                (r, e) -> {
                  if (e != null) {
                    writeErrors.incrementAndGet();
                  }
                  writes.countDown();
                });
          },
          0,
          settings.interval().toNanos(),
          TimeUnit.NANOSECONDS);

      Duration writing = settings.interval().multipliedBy(events).plus(SETTLE);
      boolean allWritten = writes.await(writing.toMillis(), TimeUnit.MILLISECONDS);
      ticker.shutdownNow();
      long expected = (long) watchers * acks.size();
      boolean allSeen =
          allWritten
              && writeErrors.get() == 0
              && sightings.await(SETTLE.toMillis(), TimeUnit.MILLISECONDS);

      Latency latency = new Latency();
      Latency sinceSent = new Latency();
      long delivered = 0;
      long beforeAck = 0;
      for (Map.Entry<String, Write> ack : acks.entrySet()) {
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
              Locale.ROOT, "write-ack to watcher (%d watchers, %d events)", watchers, events);
      table.add(
          NAME, "writes acknowledged", ResultTable.count(acks.size()), ResultTable.count(events));
      table.add(
          NAME,
          "events delivered (event x watcher)",
          ResultTable.count(delivered) + (allSeen ? "" : " (not all)"),
          ResultTable.count((long) watchers * events));
      latency.addRows(table, NAME, label);
      table.add(
          NAME, "seen before the write's ack (counted as 0)", ResultTable.count(beforeAck), "—");
      sinceSent.addRows(table, NAME, "write sent to watcher");
      table.add(
          NAME,
          "resync snapshots / broken streams",
          resyncs.get() + " / " + brokenStreams.get(),
          "0 / 0");
      if (delivered != expected) {
        context.progress("%s: %d of %d deliveries seen", NAME, delivered, expected);
      }
    } finally {
      ticker.shutdownNow();
      watches.forEach(ServiceWatch::cancel);
      for (String id : live) {
        Calls.deregister(writer, context.namespace(), service, id)
            .handle((r, e) -> null)
            .get(10, TimeUnit.SECONDS);
      }
      channels.forEach(Target::shutdown);
      Target.shutdown(writer);
    }
  }
}
