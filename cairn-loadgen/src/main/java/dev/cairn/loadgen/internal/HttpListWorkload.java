package dev.cairn.loadgen.internal;

import io.grpc.ManagedChannel;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * W3: HTTP read throughput. A service of {@code instances} persistent instances is listed with
 * {@code GET /v1/services/{s}/instances} from {@code threads} threads, each sending one request at
 * a time, for {@code duration}. Two short calibration runs first compare one shared {@link
 * HttpClient} against one client per thread (both HTTP/1.1); the measured run uses the faster.
 */
final class HttpListWorkload implements Workload {

  /** The workload's bounds; every thread also stops after {@link #MAX_READS_PER_THREAD}. */
  record Settings(int threads, int instances, Duration duration) {

    static Settings defaults() {
      return new Settings(16, 100, Duration.ofSeconds(20));
    }

    Settings withDuration(Duration d) {
      return new Settings(threads, instances, d);
    }
  }

  /** How the threads get their HTTP clients. */
  enum ClientMode {
    SHARED("one shared client"),
    PER_THREAD("one client per thread");

    final String label;

    ClientMode(String label) {
      this.label = label;
    }
  }

  private static final String NAME = "W3";
  private static final long MAX_READS_PER_THREAD = 10_000_000;
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  private final Settings settings;

  HttpListWorkload(Settings settings) {
    this.settings = settings;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(RunContext context, ResultTable table) throws Exception {
    String service = context.service("w3");
    ManagedChannel channel = context.target().newChannel();
    try {
      Pipeline.Result populated =
          Pipeline.run(
              settings.instances(),
              4,
              4,
              k ->
                  Calls.register(
                      channel, context.namespace(), Instances.of(service, Instances.id("r", k), k)),
              new Latency(),
              Duration.ofSeconds(30));
      if (populated.failed() > 0) {
        throw new IllegalStateException("populating " + service + ": " + populated.firstError());
      }
      int listed =
          context.server().instances(context.namespace(), service).path("instances").size();
      table.add(
          NAME,
          "instances in each list response",
          ResultTable.count(listed),
          ResultTable.count(settings.instances()));

      HttpRequest request =
          HttpRequest.newBuilder(
                  context
                      .target()
                      .http(
                          "/v1/services/"
                              + service
                              + "/instances?namespace="
                              + context.namespace()))
              .timeout(REQUEST_TIMEOUT)
              .GET()
              .build();
      Duration calibration = calibration(settings.duration());
      context.progress(
          "%s: warming up, then calibrating HTTP clients, %d ms each...",
          NAME, calibration.toMillis());
      measure(ClientMode.PER_THREAD, request, calibration);
      Reads shared = measure(ClientMode.SHARED, request, calibration);
      Reads perThread = measure(ClientMode.PER_THREAD, request, calibration);
      for (Reads calibrated : List.of(shared, perThread)) {
        table.add(
            NAME,
            "calibration: " + calibrated.mode.label + " (" + calibration.toMillis() + " ms)",
            ResultTable.rate(calibrated.perSecond(), "reads/s"),
            "—");
      }
      ClientMode mode =
          shared.perSecond() >= perThread.perSecond() ? ClientMode.SHARED : ClientMode.PER_THREAD;
      context.progress(
          "%s: %d threads, %s, %d s...",
          NAME, settings.threads(), mode.label, settings.duration().toSeconds());
      Reads reads = measure(mode, request, settings.duration());
      String label =
          String.format(
              Locale.ROOT,
              "list %d instances (%d threads, %s, %.1f s)",
              settings.instances(),
              settings.threads(),
              mode.label,
              reads.elapsedNanos / 1e9);
      table.add(NAME, label + " throughput", ResultTable.rate(reads.perSecond(), "reads/s"), "—");
      table.add(
          NAME,
          "reads / errors",
          ResultTable.count(reads.ok) + " / " + ResultTable.count(reads.errors),
          "errors: 0");
      reads.latency.addRows(table, NAME, "read latency");
    } finally {
      Pipeline.run(
          settings.instances(),
          4,
          4,
          k -> Calls.deregister(channel, context.namespace(), service, Instances.id("r", k)),
          new Latency(),
          Duration.ofSeconds(30));
      Target.shutdown(channel);
    }
  }

  /** What one measured run read. */
  private record Reads(ClientMode mode, long ok, long errors, long elapsedNanos, Latency latency) {
    double perSecond() {
      return elapsedNanos == 0 ? 0 : ok * 1e9 / elapsedNanos;
    }
  }

  private Reads measure(ClientMode mode, HttpRequest request, Duration duration)
      throws InterruptedException {
    int threads = settings.threads();
    List<HttpClient> clients = new ArrayList<>();
    for (int i = 0; i < (mode == ClientMode.SHARED ? 1 : threads); i++) {
      clients.add(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build());
    }
    Latency latency = new Latency();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool =
        Executors.newFixedThreadPool(threads, RunContext.daemonThreads("loadgen-w3"));
    List<Future<long[]>> counts = new ArrayList<>();
    long begin;
    long end;
    try {
      for (int t = 0; t < threads; t++) {
        HttpClient client = clients.get(t % clients.size());
        counts.add(pool.submit(() -> readLoop(client, request, start, duration, latency)));
      }
      begin = System.nanoTime();
      start.countDown();
      long ok = 0;
      long errors = 0;
      for (Future<long[]> count : counts) {
        long[] okAndErrors;
        try {
          okAndErrors =
              count.get(
                  duration.toMillis() + REQUEST_TIMEOUT.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
          okAndErrors = new long[] {0, 1};
        }
        ok += okAndErrors[0];
        errors += okAndErrors[1];
      }
      end = System.nanoTime();
      return new Reads(mode, ok, errors, end - begin, latency);
    } finally {
      pool.shutdownNow();
    }
  }

  private static long[] readLoop(
      HttpClient client,
      HttpRequest request,
      CountDownLatch start,
      Duration duration,
      Latency latency)
      throws InterruptedException {
    start.await();
    long deadline = System.nanoTime() + duration.toNanos();
    long ok = 0;
    long errors = 0;
    for (long n = 0; n < MAX_READS_PER_THREAD && System.nanoTime() < deadline; n++) {
      long sent = System.nanoTime();
      try {
        HttpResponse<byte[]> response =
            client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() == 200) {
          latency.recordNanos(System.nanoTime() - sent);
          ok++;
        } else {
          errors++;
        }
      } catch (IOException e) {
        errors++;
      }
    }
    return new long[] {ok, errors};
  }

  /** A fifth of the run, between 0.5 and 3 s. */
  private static Duration calibration(Duration duration) {
    long millis = Math.max(500, Math.min(3_000, duration.toMillis() / 5));
    return Duration.ofMillis(millis);
  }
}
