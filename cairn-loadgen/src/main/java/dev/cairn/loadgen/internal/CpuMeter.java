package dev.cairn.loadgen.internal;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The CPU time this process and the server spent over one measured phase: what an operation costs
 * each side, a figure that other work on the machine disturbs far less than throughput. The server
 * is measured only when it is another process on this machine (an embedded server, in tests, shares
 * this process and cannot be told apart). For a cluster, the server is every member process
 * (summed). Not thread-safe: start, stop, then read.
 */
final class CpuMeter {

  private final long[] serverPids;
  private final long selfStart;
  private final long serverStart;
  private long self = -1;
  private long server = -1;

  private CpuMeter(List<OptionalLong> serverPids) {
    Set<Long> pids = new LinkedHashSet<>();
    boolean all = true;
    for (OptionalLong pid : serverPids) {
      if (pid.isPresent() && pid.getAsLong() != ProcessHandle.current().pid()) {
        pids.add(pid.getAsLong());
      } else {
        all = false;
      }
    }
    this.serverPids = all ? pids.stream().mapToLong(Long::longValue).toArray() : new long[0];
    this.selfStart = CpuTime.selfNanos();
    this.serverStart = serverNanos();
  }

  /** Starts measuring; {@code serverPid} as the server reports it (empty when it does not). */
  static CpuMeter start(OptionalLong serverPid) {
    return new CpuMeter(List.of(serverPid));
  }

  /** Starts measuring the CPU of every member process (empty pids: not measured). */
  static CpuMeter start(List<OptionalLong> serverPids) {
    return new CpuMeter(serverPids);
  }

  /** Ends the phase. */
  void stop() {
    self = elapsed(selfStart, CpuTime.selfNanos());
    server = serverStart < 0 ? -1 : elapsed(serverStart, serverNanos());
  }

  /** The server processes' CPU time so far, summed; -1 when it cannot be read. */
  private long serverNanos() {
    if (serverPids.length == 0) {
      return -1;
    }
    long sum = 0;
    for (long pid : serverPids) {
      long n = CpuTime.processNanos(pid);
      if (n < 0) {
        return -1;
      }
      sum += n;
    }
    return sum;
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

  /** {@code nanos} of CPU per operation, e.g. {@code "12.5 µs"}; {@code "n/a"} when unknown. */
  static String perOp(long nanos, long ops) {
    return nanos < 0 || ops <= 0
        ? "n/a"
        : String.format(Locale.ROOT, "%,.1f µs", nanos / 1_000.0 / ops);
  }
}
