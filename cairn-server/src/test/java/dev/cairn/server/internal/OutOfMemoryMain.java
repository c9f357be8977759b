package dev.cairn.server.internal;

import dev.cairn.server.CairnServer;
import java.util.ArrayList;
import java.util.List;

/**
 * A child process for {@link OutOfMemoryGuardTest}: starts an embedded server, prints {@code
 * ready}, then runs out of memory the way the argument says. Halts with 0 when nothing ended it
 * within 60 s (the test then fails): a halt, not a return, since closing the server with the heap
 * full would throw an OutOfMemoryError on the main thread, which the guard would end with 3.
 *
 * <ul>
 *   <li>{@code swallowed}: fills the heap on a thread that catches every {@link OutOfMemoryError}
 *       and goes on, as libraries and executors do;
 *   <li>{@code uncaught}: one thread ends with an {@link OutOfMemoryError} (an array larger than
 *       the VM allows), the heap staying nearly empty.
 * </ul>
 */
public final class OutOfMemoryMain {

  private OutOfMemoryMain() {}

  public static void main(String[] args) throws Exception {
    CairnServer server = CairnServer.builder().inMemory().httpPort(0).grpcPort(0).start();
    System.out.println("ready " + server.httpAddress().getPort());
    System.out.flush();
    Thread t;
    if (args[0].equals("swallowed")) {
      t = new Thread(OutOfMemoryMain::fillAndSwallow, "filler");
    } else {
      t =
          new Thread(
              () -> {
                long[] tooLarge = new long[Integer.MAX_VALUE];
                System.out.println(tooLarge.length);
              },
              "too-large");
    }
    t.setDaemon(true);
    t.start();
    long end = System.nanoTime() + 60_000_000_000L;
    while (System.nanoTime() < end) {
      Thread.sleep(100); // NOPMD: a child process waiting to be ended, not a test
    }
    Runtime.getRuntime().halt(0);
  }

  private static void fillAndSwallow() {
    List<byte[]> kept = new ArrayList<>();
    while (kept != null) { // until the process ends
      try {
        kept.add(new byte[16 * 1024]);
      } catch (OutOfMemoryError e) {
        // swallowed, like a library that catches Throwable; the heap stays full
      }
    }
  }
}
