package dev.cairn.loadgen.internal;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time (user + system) used so far by this process or by another one on this machine. */
final class CpuTime {

  /** Linux reports {@code /proc/<pid>/stat} times in USER_HZ ticks, 100 per second. */
  private static final long NANOS_PER_TICK = 10_000_000L;

  private CpuTime() {}

  /** This process's CPU time in nanoseconds; -1 when the JVM does not say. */
  static long selfNanos() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun
        ? sun.getProcessCpuTime()
        : -1;
  }

  /**
   * The CPU time of process {@code pid} in nanoseconds (10 ms resolution), from {@code
   * /proc/<pid>/stat}; -1 when it cannot be read (not Linux, not this machine, not ours).
   */
  static long processNanos(long pid) {
    try {
      String stat =
          Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
      // Fields after the command name, which is in parentheses and may contain spaces:
      // state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime(14)
      // stime(15).
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * NANOS_PER_TICK;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
