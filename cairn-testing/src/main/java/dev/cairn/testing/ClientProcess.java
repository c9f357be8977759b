package dev.cairn.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bench's clients in a JVM of their own (same class path), so that their work does not run in the
 * server's JVM: the child ({@code main}) prints {@code <version> <System.nanoTime()>} per arrival,
 * which is comparable across processes on one Linux machine (both read the monotonic clock). Ends
 * the child by closing its standard input. Used by the front doors' fan-out benches.
 */
public final class ClientProcess implements AutoCloseable {

  // Arrival times by version.
  private final ConcurrentHashMap<Long, ConcurrentLinkedQueue<Long>> arrivals =
      new ConcurrentHashMap<>();

  private final Process process;
  private final Thread reader;

  /**
   * Starts {@code main} with {@code args} in a new JVM (at most 256 MiB of heap) on this JVM's
   * class path.
   *
   * @throws IOException when the process cannot start
   */
  public ClientProcess(Class<?> main, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-Xmx256m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(List.of(args));
    process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    reader = new Thread(this::read, "client-process-reader");
    reader.setDaemon(true);
    reader.start();
  }

  private void read() {
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        int space = line.indexOf(' ');
        if (space < 0) {
          continue;
        }
        long version = Long.parseLong(line.substring(0, space));
        long at = Long.parseLong(line.substring(space + 1));
        arrivals.computeIfAbsent(version, v -> new ConcurrentLinkedQueue<>()).add(at);
      }
    } catch (IOException | NumberFormatException e) {
      System.err.println("client process output: " + e);
    }
  }

  /** How many arrivals of {@code version} were reported. */
  public int count(long version) {
    ConcurrentLinkedQueue<Long> q = arrivals.get(version);
    return q == null ? 0 : q.size();
  }

  /** The reported arrival times ({@link System#nanoTime()}) of {@code version}; empty if none. */
  public List<Long> arrivals(long version) {
    ConcurrentLinkedQueue<Long> q = arrivals.get(version);
    return q == null ? List.of() : List.copyOf(q);
  }

  /** How many arrivals were reported, of every version. */
  public int total() {
    int n = 0;
    for (ConcurrentLinkedQueue<Long> q : arrivals.values()) {
      n += q.size();
    }
    return n;
  }

  @Override
  public void close() throws Exception {
    process.getOutputStream().close();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    reader.join(1_000);
  }
}
