package dev.cairn.loadgen.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.GZIPInputStream;

/**
 * Runs a {@link ReadPlan} with {@code java.net.http.HttpClient} (HTTP/1.1): one thread and one
 * client (so one keep-alive connection) per worker, blocking {@code send}. Costs the load generator
 * roughly ten times the CPU per read of {@link NettyReader}; kept for comparison.
 */
final class JdkReader {

  private JdkReader() {}

  /** Runs {@code plan}; returns once every worker has stopped or the plan's bound has passed. */
  static ReadResult run(ReadPlan plan) throws InterruptedException {
    return run(plan, null);
  }

  /** Like {@link #run(ReadPlan)}, over TLS with {@code tls} unless it is null. */
  static ReadResult run(ReadPlan plan, javax.net.ssl.SSLContext tls) throws InterruptedException {
    int threads = plan.connections();
    Latency latency = new Latency();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool =
        Executors.newFixedThreadPool(threads, RunContext.daemonThreads("loadgen-w3-jdk"));
    try {
      List<Future<long[]>> counts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1);
        if (tls != null) {
          b.sslContext(tls);
        }
        HttpClient client = b.build();
        HttpRequest.Builder rb =
            HttpRequest.newBuilder(plan.uri(t)).timeout(plan.requestTimeout()).GET();
        if (plan.token() != null) {
          rb.header("X-Cairn-Token", plan.token());
        }
        if (plan.gzip()) {
          rb.header("Accept-Encoding", "gzip");
        }
        HttpRequest request = rb.build();
        counts.add(pool.submit(() -> readLoop(client, request, plan, start, latency)));
      }
      long deadline = System.nanoTime() + plan.bound().toNanos();
      long begin = System.nanoTime();
      start.countDown();
      long ok = 0;
      long errors = 0;
      for (Future<long[]> count : counts) {
        long[] okAndErrors;
        try {
          okAndErrors = count.get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException e) {
          okAndErrors = new long[] {0, 1};
        }
        ok += okAndErrors[0];
        errors += okAndErrors[1];
      }
      return new ReadResult(ok, errors, System.nanoTime() - begin, latency);
    } finally {
      pool.shutdownNow();
    }
  }

  private static long[] readLoop(
      HttpClient client, HttpRequest request, ReadPlan plan, CountDownLatch start, Latency latency)
      throws InterruptedException {
    start.await();
    long deadline = System.nanoTime() + plan.duration().toNanos();
    long ok = 0;
    long errors = 0;
    for (long n = 0; n < plan.maxReadsPerConnection() && System.nanoTime() < deadline; n++) {
      long sent = System.nanoTime();
      try {
        HttpResponse<byte[]> response =
            client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() == 200 && bodyLength(response, plan) == plan.bodyBytes()) {
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

  /**
   * The answer's body length, inflated when the plan asked for gzip; -1 (an error) when it did and
   * the answer is not gzipped.
   */
  private static long bodyLength(HttpResponse<byte[]> response, ReadPlan plan) throws IOException {
    if (!plan.gzip()) {
      return response.body().length;
    }
    if (!response.headers().firstValue("Content-Encoding").orElse("").equalsIgnoreCase("gzip")) {
      return -1;
    }
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(response.body()))) {
      return in.transferTo(OutputStream.nullOutputStream());
    }
  }
}
