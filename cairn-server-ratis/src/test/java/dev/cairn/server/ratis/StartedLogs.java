package dev.cairn.server.ratis;

import dev.cairn.server.core.log.LogStateMachine;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** The logs a test started (or handed over with {@link #add}), closed after it. */
final class StartedLogs implements AfterEachCallback {

  private final List<RatisCommandLog> logs = new ArrayList<>();

  /**
   * Builds a log from {@code builder}, starts it on {@code machine} and closes it after the test.
   */
  RatisCommandLog start(RatisCommandLog.Builder builder, LogStateMachine machine)
      throws IOException {
    RatisCommandLog log = add(builder.build());
    log.start(machine);
    return log;
  }

  /** Closes {@code log} after the test. */
  RatisCommandLog add(RatisCommandLog log) {
    logs.add(log);
    return log;
  }

  /** An append's reply, waiting at most 30 s. */
  static byte[] join(CompletableFuture<byte[]> append) {
    return append.orTimeout(30, TimeUnit.SECONDS).join();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    logs.forEach(RatisCommandLog::close);
    logs.clear();
  }
}
