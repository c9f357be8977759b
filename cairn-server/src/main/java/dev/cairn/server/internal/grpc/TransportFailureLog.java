package dev.cairn.server.internal.grpc;

import dev.cairn.common.Ticker;
import java.util.concurrent.TimeUnit;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.slf4j.LoggerFactory;

/**
 * Summarises grpc-netty's "Transport failed" reports. grpc-netty logs each failed connection (a
 * port scanner, an HTTP/1 client, random bytes) at INFO with its whole stack trace, about 2.4 KB a
 * connection: anyone who can connect could flood the log. This filter on that logger (java.util
 * logging, {@value #LOGGER}) drops the records that carry an exception and writes instead one line
 * without stack trace at most every {@value #INTERVAL_SECONDS} s: how many connections failed since
 * the last line, and the latest cause. Records without an exception pass as they are.
 *
 * <p>Thread-safe: records come from every event loop.
 */
final class TransportFailureLog implements Filter {

  /** grpc-netty's logger for connection-level events. */
  static final String LOGGER = "io.grpc.netty.NettyServerTransport.connections";

  /** The shortest time between two summary lines. */
  static final long INTERVAL_SECONDS = 60;

  private static final int MAX_CAUSE_CHARS = 200;
  private static final org.slf4j.Logger log = LoggerFactory.getLogger(TransportFailureLog.class);

  /** Held so that the JUL logger, and with it the filter, is never collected. */
  private static Logger installedOn; // guarded by TransportFailureLog.class

  private static TransportFailureLog installed; // guarded by TransportFailureLog.class

  private final Ticker ticker;
  private final java.util.function.Consumer<String> out;
  // guarded by this
  private long failures;
  private long unreported;
  private long lastReportNanos;
  private boolean reportedOnce;

  TransportFailureLog(Ticker ticker, java.util.function.Consumer<String> out) {
    this.ticker = ticker;
    this.out = out;
  }

  /** Installs the filter on grpc-netty's logger, once per JVM; returns it. */
  static synchronized TransportFailureLog install() {
    if (installed == null) {
      installed = new TransportFailureLog(Ticker.system(), log::info);
      installedOn = Logger.getLogger(LOGGER);
      installedOn.setFilter(installed);
    }
    return installed;
  }

  /** Connection failures seen so far. */
  synchronized long failures() {
    return failures;
  }

  @Override
  public boolean isLoggable(LogRecord record) {
    Throwable cause = record.getThrown();
    if (cause == null) {
      return true;
    }
    String line = null;
    synchronized (this) {
      failures++;
      unreported++;
      long now = ticker.nanos();
      if (!reportedOnce || now - lastReportNanos >= TimeUnit.SECONDS.toNanos(INTERVAL_SECONDS)) {
        line =
            (reportedOnce
                    ? unreported + " gRPC connections failed in the last " + INTERVAL_SECONDS + " s"
                    : "A gRPC connection failed")
                + " (not a gRPC client?), the latest: "
                + describe(cause)
                + (reportedOnce
                    ? ""
                    : "; further failures are summarised at most every " + INTERVAL_SECONDS + " s");
        reportedOnce = true;
        lastReportNanos = now;
        unreported = 0;
      }
    }
    if (line != null) {
      out.accept(line);
    }
    return false;
  }

  private static String describe(Throwable cause) {
    String message = String.valueOf(cause.getMessage()).replaceAll("\\s+", " ");
    if (message.length() > MAX_CAUSE_CHARS) {
      message = message.substring(0, MAX_CAUSE_CHARS) + "...";
    }
    return cause.getClass().getSimpleName() + ": " + message;
  }
}
