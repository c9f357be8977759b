package dev.cairn.loadgen.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * W1's SDK phase in processes of their own ({@code loadgen sdk-client}, {@link SdkClientCommand}):
 * each process one {@code CairnClient} and its share of the blocking callers, as applications
 * register from many processes. The processes warm up, then all start on one signal; the phase
 * lasts from the first process's start to the last one's end (one {@link System#nanoTime} clock on
 * Linux); the clients' CPU is every process's, and the server's its own, from the signal to the
 * last report. The processes follow the run's TLS (its CA, client certificate and key files) and
 * token.
 */
final class SdkProcesses {

  /**
   * The processes' JVM: the serial collector and C1 only, as the load generator is measured (the
   * processes live for one phase of seconds, and on 2 cores C2's compile threads would take the
   * cores from the server), and a heap a small application would have.
   */
  static final List<String> JVM_OPTIONS =
      List.of("-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

  /** What the processes did together. */
  record Outcome(Pipeline.Result result, Latency latency, long clientCpuNanos, CpuMeter server) {}

  /** One process's share: its member, instance range and callers. */
  record Share(Target member, int first, int instances, int warmup, int callers) {}

  private SdkProcesses() {}

  /**
   * Splits {@code instances} (and {@code warmup}) and {@code callers} over {@code processes}
   * processes as evenly as they go, the members taken round-robin; a process gets at least one
   * caller, so there are at most {@code callers} processes.
   */
  static List<Share> shares(
      List<Target> members, int processes, int instances, int warmup, int callers) {
    int n = Math.max(1, Math.min(processes, callers));
    List<Share> shares = new ArrayList<>(n);
    int first = 0;
    for (int p = 0; p < n; p++) {
      int count = instances / n + (p < instances % n ? 1 : 0);
      int warm = warmup / n + (p < warmup % n ? 1 : 0);
      int threads = callers / n + (p < callers % n ? 1 : 0);
      shares.add(new Share(members.get(p % members.size()), first, count, warm, threads));
      first += count;
    }
    return shares;
  }

  /**
   * Runs the processes: each warms up, then on one signal registers its share; returns once every
   * process has reported, or throws when one fails to start, to report or to finish within {@code
   * timeout}. The processes are ended before this returns; their instances go with their sessions.
   */
  static Outcome run(
      RunContext context,
      List<Share> shares,
      String servicePrefix,
      int services,
      String idPrefix,
      Duration timeout)
      throws Exception {
    List<Child> children = new ArrayList<>();
    try {
      for (int p = 0; p < shares.size(); p++) {
        children.add(
            Child.start(context, shares.get(p), servicePrefix, services, idPrefix + p, timeout));
      }
      long deadline = System.nanoTime() + timeout.toNanos();
      for (Child c : children) {
        c.ready.get(left(deadline), TimeUnit.NANOSECONDS);
      }
      long[] cpuBefore = new long[children.size()];
      for (int p = 0; p < children.size(); p++) {
        cpuBefore[p] = CpuTime.processNanos(children.get(p).process.pid());
      }
      CpuMeter server = CpuMeter.start(context.serverPids());
      for (Child c : children) {
        c.send(SdkClientCommand.GO);
      }
      Latency latency = new Latency();
      long succeeded = 0;
      long failed = 0;
      long start = Long.MAX_VALUE;
      long end = Long.MIN_VALUE;
      boolean finished = true;
      String firstError = null;
      long cpu = 0;
      for (int p = 0; p < children.size(); p++) {
        Child c = children.get(p);
        SdkClientCommand.Report done =
            SdkClientCommand.Report.parse(c.done.get(left(deadline), TimeUnit.NANOSECONDS));
        long after = CpuTime.processNanos(c.process.pid());
        cpu = cpu < 0 || after < 0 || cpuBefore[p] < 0 ? -1 : cpu + (after - cpuBefore[p]);
        succeeded += done.succeeded();
        failed += done.failed();
        start = Math.min(start, done.start());
        end = Math.max(end, done.end());
        latency.addEncoded(done.latencies());
        finished &= done.succeeded() + done.failed() == shares.get(p).instances();
        if (firstError == null) {
          firstError = done.firstError();
        }
      }
      server.stop();
      Pipeline.Result result =
          new Pipeline.Result(succeeded, failed, firstError, Math.max(0, end - start), finished);
      return new Outcome(result, latency, cpu, server);
    } finally {
      for (Child c : children) {
        c.stop();
      }
    }
  }

  private static long left(long deadline) {
    return Math.max(1, deadline - System.nanoTime());
  }

  /** One {@code loadgen sdk-client} process and its two lines. */
  private static final class Child {
    final Process process;
    final CompletableFuture<Void> ready;
    final CompletableFuture<String> done;

    private Child(Process process, CompletableFuture<Void> ready, CompletableFuture<String> done) {
      this.process = process;
      this.ready = ready;
      this.done = done;
    }

    static Child start(
        RunContext context,
        Share share,
        String servicePrefix,
        int services,
        String idPrefix,
        Duration timeout)
        throws IOException {
      List<String> args =
          new ArrayList<>(
              List.of(
                  "sdk-client",
                  "--grpc",
                  share.member().grpcAuthority(),
                  "--namespace",
                  context.namespace(),
                  "--service-prefix",
                  servicePrefix,
                  "--services",
                  Integer.toString(services),
                  "--id-prefix",
                  idPrefix,
                  "--first",
                  Integer.toString(share.first()),
                  "--instances",
                  Integer.toString(share.instances()),
                  "--warmup",
                  Integer.toString(share.warmup()),
                  "--callers",
                  Integer.toString(share.callers()),
                  "--max-seconds",
                  Long.toString(2 * timeout.toSeconds() + 30)));
      if (share.member().token() != null) {
        args.addAll(List.of("--token", share.member().token()));
      }
      Target.Tls tls = share.member().tls();
      if (tls != null) {
        args.addAll(List.of("--tls-ca", tls.ca().toString()));
        if (tls.cert() != null) {
          args.addAll(
              List.of("--tls-cert", tls.cert().toString(), "--tls-key", tls.key().toString()));
        }
      }
      CompletableFuture<Void> ready = new CompletableFuture<>();
      CompletableFuture<String> done = new CompletableFuture<>();
      Process process =
          LoadgenChild.start(
              JVM_OPTIONS,
              args,
              "loadgen-w1-" + idPrefix,
              line -> {
                if (line.equals(SdkClientCommand.READY)) {
                  ready.complete(null);
                } else if (SdkClientCommand.Report.isReport(line)) {
                  done.complete(line);
                }
              },
              () -> {
                IllegalStateException gone =
                    new IllegalStateException(
                        "sdk-client " + idPrefix + " exited before it reported");
                ready.completeExceptionally(gone);
                done.completeExceptionally(gone);
              });
      return new Child(process, ready, done);
    }

    void send(String line) throws IOException {
      OutputStream in = process.getOutputStream();
      in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      in.flush();
    }

    /** Closes its stdin (it closes its client and exits), then waits for it, at most 10 s. */
    void stop() throws InterruptedException {
      try {
        process.getOutputStream().close();
      } catch (IOException e) {
        // it is ending anyway
      }
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    }
  }
}
