package dev.cairn.server.internal;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryNotificationInfo;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.management.NotificationEmitter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes an {@link OutOfMemoryError} end the process, so that a supervisor restarts it (decision
 * 0090). After an OOM some threads have died and others caught the error and went on (Ratis, Netty
 * and executors catch {@code Throwable}): a server in that state answers nothing yet looks alive.
 *
 * <p>{@code ./cairn} runs the JVM with {@code -XX:+ExitOnOutOfMemoryError}: the JVM itself exits
 * (code 3) at the first OOM, whichever thread it hits, and this guard does nothing. When the JVM
 * has no such flag (Cairn embedded in another program), {@link #install()} adds two safety nets,
 * both ending the process with {@link #EXIT_CODE} through {@link Runtime#halt} (no shutdown hooks:
 * they would need memory):
 *
 * <ul>
 *   <li>a default uncaught-exception handler: an {@code OutOfMemoryError} that ends any thread
 *       halts (other errors go to the handler that was there before, or are printed as usual);
 *   <li>a heap watch: when a collection leaves the old generation at least {@value #FULL_PERCENT} %
 *       full, the heap is exhausted (the next allocations fail, wherever their errors are caught)
 *       and the process halts. The JVM's notification of it needs memory to be delivered, which a
 *       thread that swallows its OOMs and keeps allocating can take first (seen under the parallel
 *       collector); so a thread of the guard's own also looks at the old generation every {@value
 *       #POLL_MILLIS} ms, and an {@code OutOfMemoryError} on that thread (the JVM collected and
 *       still had no room for a few bytes) halts too.
 * </ul>
 */
public final class OutOfMemoryGuard {

  /** The exit code, the same as the JVM's own with {@code -XX:+ExitOnOutOfMemoryError}. */
  public static final int EXIT_CODE = 3;

  /** How full the old generation may be after a collection before the heap counts as exhausted. */
  static final int FULL_PERCENT = 98;

  /** How often the guard's own thread looks at the old generation. */
  static final long POLL_MILLIS = 250;

  private static final Logger log = LoggerFactory.getLogger(OutOfMemoryGuard.class);
  private static boolean installed; // guarded by OutOfMemoryGuard.class

  private OutOfMemoryGuard() {}

  /**
   * Installs the safety nets unless the JVM already ends itself on an OOM ({@code
   * -XX:+ExitOnOutOfMemoryError}, {@code -XX:+CrashOnOutOfMemoryError} or {@code
   * -XX:OnOutOfMemoryError=...}). Idempotent; JVM-wide.
   *
   * @return whether the safety nets are installed (false: the JVM's flag does the job)
   */
  public static synchronized boolean install() {
    if (installed) {
      return true;
    }
    String flag = jvmFlag();
    if (flag != null) {
      log.debug("the JVM ends itself on an OutOfMemoryError ({})", flag);
      return false;
    }
    installed = true;
    Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler(
        (thread, error) -> {
          if (error instanceof OutOfMemoryError) {
            halt("an OutOfMemoryError ended thread ", thread.getName());
          }
          if (previous != null) {
            previous.uncaughtException(thread, error);
          } else {
            System.err.print("Exception in thread \"" + thread.getName() + "\" ");
            error.printStackTrace();
          }
        });
    List<String> watched = watchHeap();
    log.warn(
        "The JVM runs without -XX:+ExitOnOutOfMemoryError: Cairn ends the process (exit code {})"
            + " on an uncaught OutOfMemoryError or when a collection leaves {} ({}) at least {} %"
            + " full. Run the JVM with -XX:+ExitOnOutOfMemoryError to let the JVM do it.",
        EXIT_CODE,
        watched.isEmpty() ? "the heap" : String.join(", ", watched),
        watched.isEmpty() ? "no pool to watch" : "watched",
        FULL_PERCENT);
    return true;
  }

  /** The flag by which the JVM ends itself on an OOM, or null. */
  private static String jvmFlag() {
    try {
      HotSpotDiagnosticMXBean hotspot =
          ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      if (hotspot == null) {
        return null;
      }
      for (String name : List.of("ExitOnOutOfMemoryError", "CrashOnOutOfMemoryError")) {
        if ("true".equals(hotspot.getVMOption(name).getValue())) {
          return "-XX:+" + name;
        }
      }
      String command = hotspot.getVMOption("OnOutOfMemoryError").getValue();
      return command == null || command.isEmpty() ? null : "-XX:OnOutOfMemoryError";
    } catch (RuntimeException e) { // not HotSpot, or the option is unknown
      return null;
    }
  }

  /** Sets a collection-usage threshold on the old generation's pools; returns their names. */
  private static List<String> watchHeap() {
    List<MemoryPoolMXBean> old = new ArrayList<>();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      String name = pool.getName().toLowerCase(Locale.ROOT);
      if (pool.getType() == MemoryType.HEAP
          && pool.isCollectionUsageThresholdSupported()
          && pool.getUsage().getMax() > 0
          && (name.contains("old") || name.contains("tenured"))) {
        old.add(pool);
      }
    }
    List<String> names = new ArrayList<>();
    for (MemoryPoolMXBean pool : old) {
      pool.setCollectionUsageThreshold(pool.getUsage().getMax() / 100 * FULL_PERCENT);
      names.add(pool.getName());
    }
    if (!old.isEmpty()) {
      Thread poller =
          new Thread(() -> pollHeap(old.toArray(new MemoryPoolMXBean[0])), "cairn-heap-watch");
      poller.setDaemon(true);
      poller.start();
      ((NotificationEmitter) ManagementFactory.getMemoryMXBean())
          .addNotificationListener(
              (notification, handback) -> {
                if (MemoryNotificationInfo.MEMORY_COLLECTION_THRESHOLD_EXCEEDED.equals(
                    notification.getType())) {
                  halt(OLD_GENERATION_FULL, "");
                }
              },
              null,
              null);
    }
    return names;
  }

  /**
   * Looks at the watched pools' usage after their last collection every {@link #POLL_MILLIS} ms and
   * halts as the notification does; halts too when it cannot allocate the few bytes that takes.
   */
  private static void pollHeap(MemoryPoolMXBean[] pools) {
    while (true) {
      try {
        Thread.sleep(POLL_MILLIS);
        for (MemoryPoolMXBean pool : pools) {
          MemoryUsage after = pool.getCollectionUsage();
          if (after != null
              && after.getMax() > 0
              && after.getUsed() >= after.getMax() / 100 * FULL_PERCENT) {
            halt(OLD_GENERATION_FULL, "");
          }
        }
      } catch (OutOfMemoryError e) {
        halt("the heap is exhausted: the heap watch could not allocate", "");
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static final String OLD_GENERATION_FULL =
      "the heap is exhausted: a collection left the old generation full";

  private static final String PREFIX = "cairn: ";
  private static final String SUFFIX =
      "; ending the process (exit code " + EXIT_CODE + ") so that it can be restarted";

  /**
   * Prints why and halts. With the heap full, printing may throw an OutOfMemoryError (a handler
   * that threw it let the main thread die and the JVM exit with 1): the halt comes whatever happens
   * before it, and no string is built on the way (the parts are printed as they are).
   */
  private static void halt(String why, String detail) {
    try {
      java.io.PrintStream err = System.err;
      err.print(PREFIX);
      err.print(why);
      err.print(detail);
      err.println(SUFFIX);
      err.flush();
    } catch (Throwable e) { // NOPMD: nothing may stop the halt below
      // the message is lost; the exit code still says why
    } finally {
      Runtime.getRuntime().halt(EXIT_CODE);
    }
  }
}
