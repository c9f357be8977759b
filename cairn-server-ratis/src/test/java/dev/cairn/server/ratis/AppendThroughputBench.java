package dev.cairn.server.ratis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.server.core.log.LogStateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Append throughput and latency: appender threads, each keeping a fixed number of appends in
 * flight. Prints numbers and asserts no threshold. Excluded from the default build; run with {@code
 * mvn -pl cairn-server-ratis test -Pbench}.
 */
@Tag("bench")
class AppendThroughputBench {

  private static final long WARMUP_MILLIS = 3_000;
  private static final long MEASURE_MILLIS = 10_000;
  private static final int MAX_APPENDS_PER_THREAD = 1_000_000;

  @TempDir Path dataDir;

  @ParameterizedTest(
      name = "{0} appenders, {1} in flight each, {2} commands of {3} bytes per entry")
  @CsvSource({
    "32, 1, 1, 200",
    "32, 8, 1, 200",
    "32, 1, 100, 200",
    "1, 1, 1, 200",
    "1, 1, 100, 200",
    "1, 1, 512, 200"
  })
  void appendThroughput(int appenders, int inFlight, int commandsPerEntry, int commandBytes)
      throws Exception {
    CountingMachine machine = new CountingMachine();
    try (RatisCommandLog log = RatisCommandLog.builder(dataDir).build()) {
      log.start(machine);
      byte[] entry = new byte[commandBytes * commandsPerEntry];
      run(log, entry, appenders, inFlight, WARMUP_MILLIS);
      long start = System.nanoTime();
      Result result = run(log, entry, appenders, inFlight, MEASURE_MILLIS);
      double seconds = (System.nanoTime() - start) / 1e9;
      double entriesPerSecond = result.appends / seconds;
      System.out.printf(
          "bench appenders=%d inFlight=%d entryBytes=%d commandsPerEntry=%d: %.0f entries/s,"
              + " %.0f commands/s, %.1f MB/s, mean latency %.2f ms (%d appends in %.1f s)%n",
          appenders,
          inFlight,
          entry.length,
          commandsPerEntry,
          entriesPerSecond,
          entriesPerSecond * commandsPerEntry,
          entriesPerSecond * entry.length / 1e6,
          result.latencyNanos / 1e6 / result.appends,
          result.appends,
          seconds);
      assertThat(result.appends).isPositive();
    }
  }

  private static Result run(
      RatisCommandLog log, byte[] entry, int appenders, int inFlight, long millis)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(appenders);
    AtomicLong appends = new AtomicLong();
    AtomicLong latency = new AtomicLong();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < appenders; t++) {
        workers.add(
            pool.submit(
                () -> {
                  Semaphore slots = new Semaphore(inFlight);
                  for (int i = 0; i < MAX_APPENDS_PER_THREAD && System.nanoTime() < deadline; i++) {
                    if (!slots.tryAcquire(30, TimeUnit.SECONDS)) {
                      throw new TimeoutException("append took over 30 s");
                    }
                    long begin = System.nanoTime();
                    log.append(entry)
                        .whenComplete(
                            (r, e) -> {
                              if (e == null) {
                                latency.addAndGet(System.nanoTime() - begin);
                                appends.incrementAndGet();
                              }
                              slots.release();
                            });
                  }
                  if (!slots.tryAcquire(inFlight, 30, TimeUnit.SECONDS)) {
                    throw new TimeoutException("appends took over 30 s");
                  }
                  return null;
                }));
      }
      for (Future<?> w : workers) {
        w.get(millis + 60_000, TimeUnit.MILLISECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    return new Result(appends.get(), latency.get());
  }

  private record Result(long appends, long latencyNanos) {}

  /** Counts entries and bytes; replies with the count. Called from the apply thread only. */
  private static final class CountingMachine implements LogStateMachine {
    private long entries;
    private long bytes;

    @Override
    public byte[] apply(byte[] entry) {
      entries++;
      bytes += entry.length;
      return ByteBuffer.allocate(8).putLong(entries).array();
    }

    @Override
    public void writeSnapshot(OutputStream out) throws IOException {
      DataOutputStream data = new DataOutputStream(out);
      data.writeLong(entries);
      data.writeLong(bytes);
      data.flush();
    }

    @Override
    public void readSnapshot(InputStream in) throws IOException {
      DataInputStream data = new DataInputStream(in);
      entries = data.readLong();
      bytes = data.readLong();
    }
  }
}
