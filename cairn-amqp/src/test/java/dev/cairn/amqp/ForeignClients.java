package dev.cairn.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The plain AMQP clients of other languages the interop tests run: Node.js with {@code amqplib}
 * (installed by {@code npm ci} into {@code target/interop-node}, pinned by {@code
 * src/test/interop/package-lock.json}) and Python 3 with {@code pika} (Debian's {@code
 * python3-pika}; {@code .ci/run} installs it). A test skips, saying so, only when the interpreter
 * itself is missing; a missing library fails it with what to install.
 */
final class ForeignClients {

  static final Path SOURCES = Path.of("src/test/interop");
  static final Path NODE_DIR = Path.of("target/interop-node");

  private ForeignClients() {}

  /** The node binary, with amqplib installed next to the scripts; skips without Node.js. */
  static synchronized Path node() throws Exception {
    Optional<Path> node = onPath("node");
    assumeTrue(node.isPresent(), "skipped: Node.js is not installed (node not on the PATH)");
    Files.createDirectories(NODE_DIR);
    for (String f : List.of("package.json", "package-lock.json", "producer.js")) {
      Files.copy(SOURCES.resolve(f), NODE_DIR.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    if (!Files.exists(NODE_DIR.resolve("node_modules/amqplib/package.json"))) {
      Path npm =
          onPath("npm").orElseGet(() -> fail("npm is missing (it comes with Node.js): install it"));
      Process p =
          new ProcessBuilder(npm.toString(), "ci", "--no-audit", "--no-fund")
              .directory(NODE_DIR.toFile())
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("npm ci finished in 180 s").isTrue();
      assertThat(p.exitValue()).as("npm ci exit code; output:\n%s", out).isZero();
    }
    return node.get();
  }

  /**
   * A Python 3 that can import pika ({@code python3} on the PATH, else the system one); skips
   * without Python 3, fails when none has pika.
   */
  static synchronized Path python() throws Exception {
    List<Path> candidates = new ArrayList<>();
    onPath("python3").ifPresent(candidates::add);
    Path system = Path.of("/usr/bin/python3");
    if (Files.isExecutable(system)) {
      candidates.add(system);
    }
    assumeTrue(!candidates.isEmpty(), "skipped: Python 3 is not installed (no python3)");
    for (Path python : candidates) {
      Process p =
          new ProcessBuilder(python.toString(), "-c", "import pika")
              .redirectErrorStream(true)
              .start();
      p.getInputStream().readAllBytes();
      if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
        return python;
      }
    }
    return fail(
        "no Python 3 among %s can import pika: apt-get install python3-pika (.ci/run does)",
        candidates);
  }

  /** Runs a script to completion (at most 60 s) and returns its standard output lines. */
  static List<String> run(List<String> command) throws Exception {
    Running r = start(command);
    assertThat(r.process.waitFor(60, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
    r.drained.join(5_000);
    assertThat(r.process.exitValue()).as("%s exit code; stderr:\n%s", command, r.stderr()).isZero();
    return new ArrayList<>(r.lines);
  }

  /** Starts a script; its output lines arrive in {@link Running#next}. */
  static Running start(List<String> command) throws IOException {
    Process p =
        new ProcessBuilder(command)
            .directory(command.get(1).endsWith(".js") ? NODE_DIR.toFile() : SOURCES.toFile())
            .start();
    return new Running(p);
  }

  /** A running script. */
  static final class Running implements AutoCloseable {
    final Process process;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final Thread drained;
    private final StringBuilder stderr = new StringBuilder();
    private final Thread errors;

    Running(Process process) {
      this.process = process;
      this.drained = reader(process.getInputStream(), lines::add);
      this.errors =
          reader(
              process.getErrorStream(),
              line -> {
                synchronized (stderr) {
                  stderr.append(line).append('\n');
                }
              });
    }

    /** The next line of output, waiting at most {@code seconds}; fails with stderr otherwise. */
    String next(int seconds) throws InterruptedException {
      String line = lines.poll(seconds, TimeUnit.SECONDS);
      if (line == null) {
        fail("no output within %d s; stderr:\n%s", seconds, stderr());
      }
      return line;
    }

    String stderr() {
      synchronized (stderr) {
        return stderr.toString();
      }
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }

    private static Thread reader(java.io.InputStream in, java.util.function.Consumer<String> sink) {
      Thread t =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = r.readLine()) != null) {
                    sink.accept(line);
                  }
                } catch (IOException e) {
                  // the process ended
                }
              },
              "interop-output");
      t.setDaemon(true);
      t.start();
      return t;
    }
  }

  private static Optional<Path> onPath(String name) {
    String path = System.getenv().getOrDefault("PATH", "");
    return Stream.of(path.split(java.io.File.pathSeparator))
        .filter(dir -> !dir.isEmpty())
        .map(dir -> Path.of(dir, name))
        .filter(Files::isExecutable)
        .findFirst();
  }
}
