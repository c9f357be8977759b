package dev.cairn.loadgen.internal;

import dev.cairn.proto.v1.Instance;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * W5: the server's memory per instance. Registers ephemeral instances (over session streams, like
 * W1) up to each of {@code steps}; at zero and after each step: a full GC ({@code jcmd <pid>
 * GC.run}), the used heap ({@code jcmd <pid> GC.heap_info}) and the resident set ({@code VmRSS} in
 * {@code /proc/<pid>/status}). The server's pid comes from {@code GET /v1/status}; it must run on
 * this machine as this user. The sessions are closed at the end.
 */
final class MemoryWorkload implements Workload {

  /** The workload's bounds. */
  record Settings(
      List<Integer> steps,
      int services,
      int connections,
      int callers,
      int depth,
      Duration timeout) {

    static Settings defaults() {
      return new Settings(List.of(10_000, 100_000), 1_000, 4, 32, 8, Duration.ofSeconds(300));
    }
  }

  private static final String NAME = "W5";
  private static final Pattern USED = Pattern.compile("used (\\d+)([KMG])");
  private static final Pattern VM_RSS = Pattern.compile("VmRSS:\\s+(\\d+) kB");

  private final Settings settings;

  MemoryWorkload(Settings settings) {
    this.settings = settings;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(RunContext context, ResultTable table) throws Exception {
    OptionalLong pid = context.server().pid();
    if (pid.isEmpty()) {
      table.add(NAME, "skipped", "GET /v1/status has no pid", "—");
      return;
    }
    Path procStatus = Path.of("/proc", Long.toString(pid.getAsLong()), "status");
    if (!Files.isReadable(procStatus)) {
      table.add(NAME, "skipped", "server pid " + pid.getAsLong() + " is not on this machine", "—");
      return;
    }
    long baselineInstances = context.server().instanceCount();
    Memory zero = measure(pid.getAsLong());
    table.add(
        NAME,
        "instances registered",
        "ephemeral, over 4 session streams, " + settings.services() + " services",
        "—");
    addRows(table, 0, zero);

    List<ManagedChannel> channels = new ArrayList<>();
    List<SessionStream> sessions = new ArrayList<>();
    try {
      for (int i = 0; i < settings.connections(); i++) {
        ManagedChannel channel = context.target().newChannel();
        channels.add(channel);
        sessions.add(
            SessionStream.open(
                    channel, Duration.ofSeconds(60), "loadgen-w5-" + i, context.scheduler())
                .get(10, TimeUnit.SECONDS));
      }
      int registered = 0;
      Memory last = zero;
      for (int step : settings.steps()) {
        int from = registered;
        context.progress("%s: registering up to %,d instances...", NAME, step);
        Pipeline.Result result =
            Pipeline.run(
                step - from,
                settings.callers(),
                settings.depth(),
                k -> {
                  int index = from + k;
                  SessionStream session = sessions.get((k % settings.callers()) % sessions.size());
                  Instance instance =
                      Instances.of(
                          context.service(
                              String.format(Locale.ROOT, "w5-%04d", index % settings.services())),
                          Instances.id("m", index),
                          index);
                  return session.register(context.namespace(), instance);
                },
                new Latency(),
                settings.timeout());
        registered += (int) result.succeeded();
        if (result.failed() > 0 || !result.finished()) {
          table.add(
              NAME,
              "registration errors",
              result.failed() + " (first: " + result.firstError() + ")",
              "0");
          break;
        }
        last = measure(pid.getAsLong());
        addRows(table, registered, last);
      }
      if (registered > 0) {
        table.add(
            NAME,
            "heap per instance ((heap@"
                + ResultTable.count(registered)
                + " - heap@0) / "
                + ResultTable.count(registered)
                + ")",
            ResultTable.count((last.heapBytes - zero.heapBytes) / registered) + " B",
            "—");
        table.add(
            NAME,
            "RSS per instance",
            ResultTable.count((last.rssBytes - zero.rssBytes) / registered) + " B",
            "—");
      }
    } finally {
      for (SessionStream session : sessions) {
        session.close(Duration.ofSeconds(10));
      }
      channels.forEach(Target::shutdown);
    }
    boolean clean = context.server().awaitInstanceCount(baselineInstances, Duration.ofSeconds(60));
    table.add(NAME, "clean-up (sessions closed)", clean ? "ok" : "instances left", "ok");
  }

  private static void addRows(ResultTable table, long instances, Memory memory) {
    String at = "@ " + ResultTable.count(instances) + " instances";
    table.add(NAME, "heap used after full GC " + at, mib(memory.heapBytes), "—");
    table.add(NAME, "RSS " + at, mib(memory.rssBytes), "—");
  }

  /** Heap used after a full GC, and the resident set, both in bytes. */
  private record Memory(long heapBytes, long rssBytes) {}

  private static Memory measure(long pid) throws IOException, InterruptedException {
    jcmd(pid, "GC.run");
    long heap = heapUsed(jcmd(pid, "GC.heap_info"));
    String status =
        Files.readString(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.UTF_8);
    Matcher rss = VM_RSS.matcher(status);
    if (!rss.find()) {
      throw new IOException("/proc/" + pid + "/status: no VmRSS line");
    }
    return new Memory(heap, Long.parseLong(rss.group(1)) * 1024);
  }

  /**
   * The used heap from {@code GC.heap_info}: the sum of the "used" figures on the lines that
   * describe the heap or its generations (those with a "total", or ZGC's "ZHeap"), leaving out
   * Metaspace and class space.
   */
  static long heapUsed(String heapInfo) throws IOException {
    long used = 0;
    boolean found = false;
    for (String line : heapInfo.split("\n")) {
      String trimmed = line.trim();
      if (trimmed.startsWith("Metaspace") || trimmed.startsWith("class space")) {
        continue;
      }
      if (!trimmed.contains(" total ") && !trimmed.startsWith("ZHeap")) {
        continue;
      }
      Matcher m = USED.matcher(trimmed);
      if (m.find()) {
        long value = Long.parseLong(m.group(1));
        used +=
            switch (m.group(2)) {
              case "K" -> value << 10;
              case "M" -> value << 20;
              default -> value << 30;
            };
        found = true;
      }
    }
    if (!found) {
      throw new IOException("GC.heap_info: no used heap figure in: " + heapInfo.strip());
    }
    return used;
  }

  private static String jcmd(long pid, String command) throws IOException, InterruptedException {
    Path jdkJcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    String executable = Files.isExecutable(jdkJcmd) ? jdkJcmd.toString() : "jcmd";
    Process process =
        new ProcessBuilder(executable, Long.toString(pid), command)
            .redirectErrorStream(true)
            .start();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IOException(
          "jcmd "
              + pid
              + " "
              + command
              + " failed: "
              + new String(output, StandardCharsets.UTF_8).strip());
    }
    return new String(output, StandardCharsets.UTF_8);
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
  }
}
