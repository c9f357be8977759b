package dev.cairn.loadgen.internal;

import static java.util.Objects.requireNonNull;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every workload of one run shares: the target, the namespace, a tag that makes this run's
 * service names unique, a progress log (stderr), a scheduler and the HTTP status probe. The caller
 * closes it.
 */
final class RunContext implements AutoCloseable {

  private final Target target;
  private final String namespace;
  private final String runTag;
  private final PrintStream log;
  private final ScheduledExecutorService scheduler;
  private final ServerApi server;

  RunContext(Target target, String namespace, String runTag, PrintStream log) {
    this.target = requireNonNull(target, "target");
    this.namespace = requireNonNull(namespace, "namespace");
    this.runTag = requireNonNull(runTag, "runTag");
    this.log = requireNonNull(log, "log");
    this.scheduler = Executors.newScheduledThreadPool(2, daemonThreads("loadgen-scheduler"));
    this.server = new ServerApi(target);
  }

  /** A tag unique to this run (base 36 of the start time), to keep service names apart. */
  static String newRunTag() {
    return Long.toString(System.currentTimeMillis() % 60_466_176L, 36);
  }

  Target target() {
    return target;
  }

  String namespace() {
    return namespace;
  }

  /** A service name unique to this run: {@code lg-<tag>-<suffix>}. */
  String service(String suffix) {
    return "lg-" + runTag + "-" + suffix;
  }

  ScheduledExecutorService scheduler() {
    return scheduler;
  }

  ServerApi server() {
    return server;
  }

  /** Prints a progress line to the log. */
  void progress(String format, Object... args) {
    log.println(String.format(Locale.ROOT, format, args));
    log.flush();
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }

  static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
