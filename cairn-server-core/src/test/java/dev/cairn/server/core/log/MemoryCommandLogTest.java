package dev.cairn.server.core.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MemoryCommandLogTest {

  private final MemoryCommandLog log = new MemoryCommandLog();

  /** Echoes entries; {@code error} throws a StackOverflowError, {@code bug} an ISE. */
  private final LogStateMachine machine =
      new LogStateMachine() {
        @Override
        public byte[] apply(byte[] entry) {
          String s = new String(entry, StandardCharsets.UTF_8);
          if (s.equals("error")) {
            throw new StackOverflowError("deep");
          }
          if (s.equals("bug")) {
            throw new IllegalStateException("bug");
          }
          return entry;
        }

        @Override
        public void writeSnapshot(OutputStream out) {}

        @Override
        public void readSnapshot(InputStream in) {}
      };

  @AfterEach
  void close() {
    log.close();
  }

  @Test
  void anErrorStopsTheLogAndIsReported() throws Exception {
    log.start(machine);
    CompletableFuture<CairnException> failure = log.failure();

    CompletableFuture<byte[]> error = log.append(bytes("error"));

    CairnException reported = failure.get(30, TimeUnit.SECONDS);
    assertThat(reported.code()).isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(reported).hasMessageContaining("StackOverflowError: deep");
    assertThat(reported.getCause()).isInstanceOf(StackOverflowError.class);
    assertThatThrownBy(error::join).cause().isSameAs(reported);
    assertThatThrownBy(() -> log.append(bytes("later")).join()).cause().isSameAs(reported);
  }

  @Test
  void aRuntimeExceptionFailsThatAppendOnly() {
    log.start(machine);

    assertThatThrownBy(() -> log.append(bytes("bug")).join())
        .isInstanceOf(CompletionException.class)
        .cause()
        .isInstanceOf(IllegalStateException.class);
    assertThat(log.append(bytes("ok")).join()).isEqualTo(bytes("ok"));
    assertThat(log.failure()).isNotDone();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
