package dev.cairn.loadgen.internal;

import java.util.Locale;
import java.util.OptionalLong;

/**
 * The CPU time this process and the server spent over one measured phase: what an operation costs
 * each side, a figure that other work on the machine disturbs far less than throughput. The server
 * is measured only when it is another process on this machine (an embedded server, in tests, shares
 * this process and cannot be told apart). Not thread-safe: start, stop, then read.
 */
final class CpuMeter {

  private final long serverPid;
  private final long selfStart;
  private final long serverStart;
  private long self = -1;
  private long server = -1;

  private CpuMeter(OptionalLong serverPid) {
    this.serverPid =
        serverPid.isPresent() && serverPid.getAsLong() != ProcessHandle.current().pid()
            ? serverPid.getAsLong()
            : -1;
    this.selfStart = CpuTime.selfNanos();
    this.serverStart = this.serverPid < 0 ? -1 : CpuTime.processNanos(this.serverPid);
  }

  /** Starts measuring; {@code serverPid} as the server reports it (empty when it does not). */
  static CpuMeter start(OptionalLong serverPid) {
    return new CpuMeter(serverPid);
  }

  /** Ends the phase. */
  void stop() {
    self = elapsed(selfStart, CpuTime.selfNanos());
    server = serverStart < 0 ? -1 : elapsed(serverStart, CpuTime.processNanos(serverPid));
  }

  /** This process's CPU per operation over the phase, e.g. {@code "12.5 µs"}, or {@code "n/a"}. */
  String selfPerOp(long ops) {
    return perOp(self, ops);
  }

  /** The server's CPU per operation over the phase, or {@code "n/a"}. */
  String serverPerOp(long ops) {
    return perOp(server, ops);
  }

  private static long elapsed(long start, long end) {
    return start < 0 || end < 0 ? -1 : end - start;
  }

  private static String perOp(long nanos, long ops) {
    return nanos < 0 || ops <= 0
        ? "n/a"
        : String.format(Locale.ROOT, "%,.1f µs", nanos / 1_000.0 / ops);
  }
}
