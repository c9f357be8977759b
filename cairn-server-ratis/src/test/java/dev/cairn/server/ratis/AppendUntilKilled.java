package dev.cairn.server.ratis;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The child process of {@link KillNineTest} and {@link PauseTest}: appends numbered entries with
 * many in flight and prints {@code acked <entry>} for each append whose future completed, and
 * {@code failed <entry> <error>} for each that failed, until it is killed. Bounded in count and
 * time so a lost parent cannot leave it running.
 *
 * <p>Arguments: the data directory.
 */
public final class AppendUntilKilled {

  static final int MAX_ENTRIES = 200_000;
  static final long MAX_MILLIS = 60_000;
  private static final int IN_FLIGHT = 64;

  private AppendUntilKilled() {}

  /**
   * Starts this class in a child JVM on {@code dataDir}, its standard error sent to {@code err}.
   */
  static Process start(Path dataDir, ProcessBuilder.Redirect err) throws java.io.IOException {
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    return new ProcessBuilder(
            java.toString(),
            "-cp",
            classpath,
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            AppendUntilKilled.class.getName(),
            dataDir.toString())
        .redirectError(err)
        .start();
  }

  public static void main(String[] args) throws Exception {
    PrintStream out = System.out;
    RatisCommandLog log =
        RatisCommandLog.builder(Path.of(args[0]))
            .snapshotEvery(1_000)
            .snapshotOnClose(false)
            .build();
    log.start(new RecordingMachine());
    out.println("started");
    out.flush();
    Semaphore slots = new Semaphore(IN_FLIGHT);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_MILLIS);
    for (int i = 0; i < MAX_ENTRIES && System.nanoTime() < deadline; i++) {
      slots.acquire();
      String entry = "e" + i;
      CompletableFuture<byte[]> reply = log.append(RecordingMachine.bytes(entry));
      reply.whenComplete(
          (r, e) -> {
            synchronized (out) {
              out.println(e == null ? "acked " + entry : "failed " + entry + " " + e);
              out.flush();
            }
            slots.release();
          });
    }
    log.close();
  }
}
