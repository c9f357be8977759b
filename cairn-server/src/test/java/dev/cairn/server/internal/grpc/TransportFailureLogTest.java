package dev.cairn.server.internal.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** Garbage connections to the gRPC port cost one log line a minute, never a stack trace each. */
class TransportFailureLogTest {

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final TransportFailureLog filter = new TransportFailureLog(now::get, lines::add);

  @Test
  void failuresAreSummarisedAtMostOnceAMinuteWithoutTheirTrace() {
    assertThat(filter.isLoggable(failure("preface missing"))).isFalse();
    assertThat(lines).singleElement().asString().startsWith("A gRPC connection failed");
    for (int i = 0; i < 10; i++) {
      now.addAndGet(TimeUnit.SECONDS.toNanos(5));
      assertThat(filter.isLoggable(failure("preface missing " + i))).isFalse();
    }
    assertThat(lines).hasSize(1);

    now.addAndGet(TimeUnit.SECONDS.toNanos(10));
    assertThat(filter.isLoggable(failure("GET / HTTP/1.1"))).isFalse();

    assertThat(lines).hasSize(2);
    assertThat(lines.get(1))
        .startsWith("11 gRPC connections failed in the last 60 s")
        .contains("IllegalStateException: GET / HTTP/1.1")
        .doesNotContain("\tat ");
    assertThat(filter.failures()).isEqualTo(12);
  }

  @Test
  void recordsWithoutAnExceptionPass() {
    assertThat(filter.isLoggable(new LogRecord(Level.INFO, "connection closed"))).isTrue();
    assertThat(lines).isEmpty();
  }

  @Test
  void aLongCauseIsCut() {
    filter.isLoggable(failure("x".repeat(5000)));
    assertThat(lines.get(0).length()).isLessThan(400);
  }

  @Test
  void garbageConnectionsToARealServerLeaveNoTrace() throws Exception {
    List<LogRecord> passed = new CopyOnWriteArrayList<>();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            passed.add(record);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    Logger grpcLog = Logger.getLogger(TransportFailureLog.LOGGER);
    grpcLog.addHandler(capture);
    try (TestServer server = TestServer.start()) {
      long before = TransportFailureLog.install().failures();
      InetSocketAddress address = server.server.grpcAddress();
      int connections = 20;
      for (int i = 0; i < connections; i++) {
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
          s.setSoTimeout(10_000);
          OutputStream out = s.getOutputStream();
          out.write(
              ("GET /" + i + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
          InputStream in = s.getInputStream();
          while (in.read() != -1) {
            // until the server closes it
          }
        }
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> TransportFailureLog.install().failures() - before >= connections);
      assertThat(passed).noneMatch(r -> r.getThrown() != null);
    } finally {
      grpcLog.removeHandler(capture);
    }
  }

  private static LogRecord failure(String message) {
    LogRecord r = new LogRecord(Level.INFO, "Transport failed");
    r.setThrown(new IllegalStateException(message));
    return r;
  }
}
