package dev.cairn.loadgen.internal;

import dev.cairn.proto.v1.Instance;
import dev.cairn.proto.v1.ServiceSnapshot;
import dev.cairn.proto.v1.WatchEvent;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * W4: how fast a dead client's instances disappear. Two child processes ({@code loadgen client},
 * same classpath) each hold a session (TTL {@code ttl}) with {@code instancesPerChild} instances of
 * one service, which {@code watchers} watch streams follow. The first child is killed with SIGKILL
 * (the server sees its stream break), the second frozen with SIGSTOP (the server sees nothing until
 * the TTL passes). For each: the time from the signal to the slowest watcher seeing the child's
 * last instance removed.
 */
final class FailoverWorkload implements Workload {

  /** The workload's bounds. */
  record Settings(int instancesPerChild, Duration ttl, int watchers, Duration phaseTimeout) {

    static Settings defaults() {
      return new Settings(10, Duration.ofSeconds(5), 4, Duration.ofSeconds(20));
    }

    Settings withInstancesPerChild(int n) {
      return new Settings(n, ttl, watchers, phaseTimeout);
    }
  }

  private static final String NAME = "W4";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final Settings settings;

  FailoverWorkload(Settings settings) {
    this.settings = settings;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(RunContext context, ResultTable table) throws Exception {
    String service = context.service("w4");
    ManagedChannel channel = context.target().newChannel();
    List<Follower> followers = new ArrayList<>();
    List<ServiceWatch> watches = new ArrayList<>();
    List<Child> children = new CopyOnWriteArrayList<>();
    // a stopped child would outlive an interrupted run: kill what is left if the JVM exits early
    Thread reaper = new Thread(() -> children.forEach(c -> c.process.destroyForcibly()));
    Runtime.getRuntime().addShutdownHook(reaper);
    Child killed = null;
    Child frozen = null;
    try {
      for (int i = 0; i < settings.watchers(); i++) {
        Follower follower = new Follower();
        followers.add(follower);
        watches.add(ServiceWatch.start(channel, context.namespace(), service, follower));
      }
      List<CompletableFuture<Long>> allSeen = new ArrayList<>();
      int total = 2 * settings.instancesPerChild();
      for (Follower follower : followers) {
        allSeen.add(follower.when(live -> live.size() == total));
      }
      killed = Child.start(context, service, "a", settings);
      children.add(killed);
      frozen = Child.start(context, service, "b", settings);
      children.add(frozen);
      killed.ready.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      frozen.ready.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      CompletableFuture.allOf(allSeen.toArray(new CompletableFuture<?>[0]))
          .get(settings.phaseTimeout().toMillis(), TimeUnit.MILLISECONDS);
      context.progress(
          "%s: 2 clients ready with %d instances each, %d watchers follow them",
          NAME, settings.instancesPerChild(), settings.watchers());

      List<CompletableFuture<Long>> killedGone = gone(followers, "a-");
      long killedAt = System.nanoTime();
      killed.process.destroyForcibly();
      report(
          table,
          "kill -9 → instances removed",
          killedAt,
          killedGone,
          settings.phaseTimeout(),
          "< 500 ms");

      List<CompletableFuture<Long>> frozenGone = gone(followers, "b-");
      long frozenAt = System.nanoTime();
      signal(frozen.process, "-STOP");
      report(
          table,
          "kill -STOP → instances removed",
          frozenAt,
          frozenGone,
          settings.ttl().plus(settings.phaseTimeout()),
          "≤ " + ResultTable.count(settings.ttl().toMillis()) + " ms (TTL)");
    } finally {
      watches.forEach(ServiceWatch::cancel);
      if (frozen != null) {
        signal(frozen.process, "-CONT");
        frozen.stop();
      }
      if (killed != null) {
        killed.stop();
      }
      Target.shutdown(channel);
      Runtime.getRuntime().removeShutdownHook(reaper);
    }
  }

  private static List<CompletableFuture<Long>> gone(List<Follower> followers, String prefix) {
    List<CompletableFuture<Long>> gone = new ArrayList<>();
    for (Follower follower : followers) {
      gone.add(follower.when(live -> live.stream().noneMatch(id -> id.startsWith(prefix))));
    }
    return gone;
  }

  private void report(
      ResultTable table,
      String metric,
      long signalledAt,
      List<CompletableFuture<Long>> gone,
      Duration timeout,
      String target)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long slowest = 0;
    long fastest = Long.MAX_VALUE;
    int missing = 0;
    for (CompletableFuture<Long> watcher : gone) {
      try {
        long at = watcher.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        slowest = Math.max(slowest, at - signalledAt);
        fastest = Math.min(fastest, at - signalledAt);
      } catch (ExecutionException | TimeoutException e) {
        missing++;
      }
    }
    String label = metric + " (slowest of " + gone.size() + " watchers)";
    if (missing > 0) {
      table.add(
          NAME,
          label,
          missing + " watchers saw no removal within " + timeout.toMillis() + " ms",
          target);
      return;
    }
    table.add(NAME, label, Latency.millis(slowest / 1_000), target);
    table.add(NAME, metric + " (fastest watcher)", Latency.millis(fastest / 1_000), "—");
  }

  /** Sends a signal with the {@code kill} command; waits for the command, at most 5 s. */
  private static void signal(Process process, String signal)
      throws IOException, InterruptedException {
    if (!process.isAlive()) {
      return;
    }
    Process kill =
        new ProcessBuilder("kill", signal, Long.toString(process.pid()))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (!kill.waitFor(5, TimeUnit.SECONDS)) {
      kill.destroyForcibly();
    }
  }

  /**
   * Follows one watch stream: the ids it holds, and waits on them. Updated sequentially on the
   * transport thread; waits may be added from any thread.
   */
  private static final class Follower implements ServiceWatch.Listener {
    private final Set<String> live = ConcurrentHashMap.newKeySet();
    private final List<Wait> waits = new CopyOnWriteArrayList<>();

    private record Wait(Predicate<Set<String>> condition, CompletableFuture<Long> seenAt) {}

    /** Completes with the arrival time of the first update after which {@code condition} holds. */
    CompletableFuture<Long> when(Predicate<Set<String>> condition) {
      Wait wait = new Wait(condition, new CompletableFuture<>());
      waits.add(wait);
      return wait.seenAt;
    }

    @Override
    public void onSnapshot(long nanos, long revision, ServiceSnapshot snapshot) {
      live.clear();
      for (Instance instance : snapshot.getInstancesList()) {
        live.add(instance.getId());
      }
      check(nanos);
    }

    @Override
    public void onEvent(long nanos, WatchEvent event) {
      if (event.getType() == WatchEvent.Type.REMOVED) {
        live.remove(event.getInstance().getId());
      } else {
        live.add(event.getInstance().getId());
      }
      check(nanos);
    }

    private void check(long nanos) {
      for (Wait wait : waits) {
        if (!wait.seenAt.isDone() && wait.condition.test(live)) {
          wait.seenAt.complete(nanos);
          waits.remove(wait);
        }
      }
    }
  }

  /** A {@code loadgen client} child process and its "ready" line. */
  private static final class Child {
    final Process process;
    final CompletableFuture<String> ready;

    private Child(Process process, CompletableFuture<String> ready) {
      this.process = process;
      this.ready = ready;
    }

    static Child start(RunContext context, String service, String prefix, Settings settings)
        throws IOException {
      CompletableFuture<String> ready = new CompletableFuture<>();
      Process process =
          LoadgenChild.start(
              List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
              List.of(
                  "client",
                  "--grpc",
                  context.target().grpcAuthority(),
                  "--namespace",
                  context.namespace(),
                  "--service",
                  service,
                  "--instances",
                  Integer.toString(settings.instancesPerChild()),
                  "--id-prefix",
                  prefix,
                  "--ttl-ms",
                  Long.toString(settings.ttl().toMillis()),
                  "--max-seconds",
                  "300"),
              "loadgen-w4-" + prefix,
              line -> {
                if (line.startsWith("ready")) {
                  ready.complete(line);
                }
              },
              () ->
                  ready.completeExceptionally(
                      new IllegalStateException(
                          "client " + prefix + " exited before it was ready")));
      return new Child(process, ready);
    }

    /** Closes its stdin, kills it and waits for it, at most 5 s. */
    void stop() throws InterruptedException {
      try {
        process.getOutputStream().close();
      } catch (IOException e) {
        // it is being killed anyway
      }
      process.destroyForcibly();
      process.waitFor(5, TimeUnit.SECONDS);
    }
  }
}
