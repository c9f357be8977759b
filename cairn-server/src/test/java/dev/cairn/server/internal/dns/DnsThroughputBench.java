package dev.cairn.server.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import io.netty.handler.codec.dns.DnsRecordType;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * DNS queries per second over UDP: {@value #CLIENTS} clients, each asking for the SRV records of a
 * 10-instance service one query at a time, for {@value #MEASURE_MILLIS} ms after a warm-up, on a
 * server with metrics off, then on, twice (so both see the same machine); bounded in time and
 * count. Only on request (tag {@code bench}): {@code mvn -pl cairn-server -am verify -Pbench
 * -Dtest=DnsThroughputBench -Dsurefire.failIfNoSpecifiedTests=false}. Prints its figures; asserts
 * nothing about time.
 */
@Tag("bench")
class DnsThroughputBench {

  private static final int CLIENTS = 8;
  private static final long WARMUP_MILLIS = 2_000;
  private static final long MEASURE_MILLIS = 5_000;
  private static final int MAX_QUERIES_PER_CLIENT = 2_000_000;

  @Test
  void srvQueriesPerSecond() throws Exception {
    for (int round = 0; round < 2; round++) {
      measure(false);
      measure(true);
    }
  }

  private static void measure(boolean metrics) throws Exception {
    try (CairnServer server =
        CairnServer.builder()
            .inMemory()
            .httpPort(0)
            .grpcPort(0)
            .dnsPort(0)
            .metrics(metrics)
            .start()) {
      for (int i = 0; i < 10; i++) {
        server
            .registry()
            .register(
                "default",
                Instance.builder("web", "10.0.0." + i).id("w" + i).port("http", 8080).build())
            .join();
      }
      InetSocketAddress dns = server.dnsAddress().orElseThrow();
      byte[] query = DnsTestClient.query("web.service.cairn.", DnsRecordType.SRV, 1232);
      run(dns, query, WARMUP_MILLIS);
      long[] latencies = run(dns, query, MEASURE_MILLIS);
      Arrays.sort(latencies);
      int n = latencies.length;
      System.out.printf(
          "DNS SRV over UDP, metrics %s, %d clients, %d ms: %,d queries, %,.0f queries/s,"
              + " p50 %.3f ms, p99 %.3f ms%n",
          metrics ? "on" : "off",
          CLIENTS,
          MEASURE_MILLIS,
          n,
          n * 1000.0 / MEASURE_MILLIS,
          latencies[n / 2] / 1e6,
          latencies[(int) (n * 0.99)] / 1e6);
      assertThat(n).isPositive();
    }
  }

  /** Runs the clients for {@code millis}; returns every query's latency in nanoseconds. */
  private static long[] run(InetSocketAddress dns, byte[] query, long millis) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    try {
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
      List<Future<long[]>> results = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        results.add(
            pool.submit(
                () -> {
                  long[] lat = new long[1024];
                  int n = 0;
                  byte[] buf = new byte[4096];
                  try (DatagramSocket s = new DatagramSocket()) {
                    s.setSoTimeout(2_000);
                    s.connect(dns);
                    while (System.nanoTime() < end && n < MAX_QUERIES_PER_CLIENT) {
                      long t0 = System.nanoTime();
                      s.send(new DatagramPacket(query, query.length));
                      s.receive(new DatagramPacket(buf, buf.length));
                      if (n == lat.length) {
                        lat = Arrays.copyOf(lat, n * 2);
                      }
                      lat[n++] = System.nanoTime() - t0;
                    }
                  }
                  return Arrays.copyOf(lat, n);
                }));
      }
      long[] all = new long[0];
      for (Future<long[]> f : results) {
        long[] l = f.get(millis + 30_000, TimeUnit.MILLISECONDS);
        int at = all.length;
        all = Arrays.copyOf(all, at + l.length);
        System.arraycopy(l, 0, all, at, l.length);
      }
      return all;
    } finally {
      pool.shutdownNow();
    }
  }
}
