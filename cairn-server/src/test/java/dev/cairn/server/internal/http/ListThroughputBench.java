package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Measures unfiltered list reads of a 100-instance service from 16 client threads; bounded in time
 * and count. Only on request (tag {@code bench}): {@code mvn -pl cairn-server -am verify -Pbench
 * -Dtest=ListThroughputBench -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("bench")
class ListThroughputBench {

  private static final int THREADS = 16;
  private static final long WARMUP_MILLIS = 3_000;
  private static final long MEASURE_MILLIS = 10_000;
  private static final long MAX_REQUESTS = 5_000_000;

  @RegisterExtension final HttpApiFixture api = new HttpApiFixture();

  @Test
  void rawKeepAliveConnections() throws Exception {
    seed();
    int port = api.server().localAddress().getPort();
    String request = "GET /v1/services/web/instances HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    report(
        "raw keep-alive sockets",
        () -> {
          RawHttp http = new RawHttp(port);
          return () -> {
            http.write(request);
            return http.read().status();
          };
        });
  }

  @Test
  void jdkHttpClient() throws Exception {
    seed();
    HttpRequest request = api.request("/v1/services/web/instances").GET().build();
    report(
        "java.net.http.HttpClient",
        () ->
            () -> api.client().send(request, HttpResponse.BodyHandlers.ofByteArray()).statusCode());
  }

  private void seed() {
    for (int i = 0; i < 100; i++) {
      assertThat(
              api.register(
                      "web",
                      String.format("web-%03d", i),
                      "{\"address\":\"10.0.0."
                          + i
                          + "\",\"ports\":{\"http\":8080},\"tags\":[\"v1\"],\"zone\":\"z1\"}")
                  .status())
          .isEqualTo(200);
    }
  }

  interface Call {
    int call() throws Exception;
  }

  interface CallFactory {
    Call open() throws Exception;
  }

  private void report(String name, CallFactory factory) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    LongAdder done = new LongAdder();
    LongAdder errors = new LongAdder();
    long start = System.nanoTime();
    long warmEnd = start + TimeUnit.MILLISECONDS.toNanos(WARMUP_MILLIS);
    long end = warmEnd + TimeUnit.MILLISECONDS.toNanos(MEASURE_MILLIS);
    List<CompletableFuture<Void>> workers = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      workers.add(
          CompletableFuture.runAsync(
              () -> {
                try {
                  Call call = factory.open();
                  long n = 0;
                  while (n++ < MAX_REQUESTS / THREADS) {
                    long now = System.nanoTime();
                    if (now > end) {
                      break;
                    }
                    int status = call.call();
                    if (now > warmEnd) {
                      (status == 200 ? done : errors).increment();
                    }
                  }
                } catch (Exception e) {
                  errors.increment();
                }
              },
              pool));
    }
    CompletableFuture.allOf(workers.toArray(new CompletableFuture<?>[0]))
        .get(WARMUP_MILLIS + MEASURE_MILLIS + 30_000, TimeUnit.MILLISECONDS);
    pool.shutdownNow();
    double perSecond = done.sum() * 1000.0 / MEASURE_MILLIS;
    System.out.printf(
        "%s: %,.0f list reads/s (%d threads, %d errors)%n", name, perSecond, THREADS, errors.sum());
    assertThat(errors.sum()).isZero();
  }
}
