package dev.cairn.examples.walkthroughs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A walk-through's script run by its real interpreter, its output lines collected. Finds the
 * interpreters: a test skips, saying so, only when the interpreter is not installed; a missing
 * library fails it with what to install ({@code .ci/run} installs them).
 */
final class Script implements AutoCloseable {

  private final Process process;
  private final List<String> lines = new ArrayList<>();
  private final StringBuilder stderr = new StringBuilder();

  private Script(Process process) {
    this.process = process;
    reader(process.getInputStream(), true);
    reader(process.getErrorStream(), false);
  }

  static Script start(Path dir, List<String> command) throws IOException {
    return new Script(new ProcessBuilder(command).directory(dir.toFile()).start());
  }

  /** Waits (at most {@code seconds}) for an output line matching {@code test}; returns it. */
  String await(int seconds, Predicate<String> test) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    synchronized (lines) {
      while (true) {
        for (String line : lines) {
          if (test.test(line)) {
            return line;
          }
        }
        long left = end - System.nanoTime();
        if (left <= 0) {
          return fail("no such line within %d s; output:%n%s%nstderr:%n%s", seconds, lines, err());
        }
        TimeUnit.NANOSECONDS.timedWait(lines, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
      }
    }
  }

  /** Sends SIGTERM and waits (at most 20 s) for the exit code. */
  int stop() throws InterruptedException {
    // Through the handle: Process.destroy() would also close the pipes, losing the last output.
    process.toHandle().destroy();
    assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
    return process.exitValue();
  }

  /** Waits (at most 60 s) for the script to end; fails with its stderr unless it exits with 0. */
  void finish() throws InterruptedException {
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("finished within 60 s").isTrue();
    assertThat(process.exitValue()).as("exit code; stderr:%n%s", err()).isZero();
  }

  String err() {
    synchronized (stderr) {
      return stderr.toString();
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }

  private void reader(java.io.InputStream in, boolean out) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  if (out) {
                    synchronized (lines) {
                      lines.add(line);
                      lines.notifyAll();
                    }
                  } else {
                    synchronized (stderr) {
                      stderr.append(line).append('\n');
                    }
                  }
                }
              } catch (IOException e) {
                // the process ended
              }
            },
            "walkthrough-output");
    t.setDaemon(true);
    t.start();
  }

  /** {@code node}; skips without Node.js. */
  static String node() {
    Optional<Path> node = onPath("node");
    assumeTrue(node.isPresent(), "skipped: Node.js is not installed (node not on the PATH)");
    return node.get().toString();
  }

  /**
   * A Python 3 that can import {@code module} ({@code python3} on the PATH, else the system one);
   * skips without Python 3, fails when none has the module.
   */
  static String python(String module, String debianPackage) throws Exception {
    List<Path> candidates = new ArrayList<>();
    onPath("python3").ifPresent(candidates::add);
    Path system = Path.of("/usr/bin/python3");
    if (Files.isExecutable(system) && !candidates.contains(system)) {
      candidates.add(system);
    }
    assumeTrue(!candidates.isEmpty(), "skipped: Python 3 is not installed (no python3)");
    for (Path python : candidates) {
      Process p =
          new ProcessBuilder(python.toString(), "-c", "import " + module)
              .redirectErrorStream(true)
              .start();
      p.getInputStream().readAllBytes();
      if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
        return python.toString();
      }
    }
    return fail(
        "no Python 3 among %s can import %s: apt-get install %s (.ci/run does)",
        candidates, module, debianPackage);
  }

  /** Copies a walk-through's Node package into {@code target} and runs {@code npm ci} there. */
  static Path npmInstalled(Path source, Path target, String module) throws Exception {
    Files.createDirectories(target);
    try (Stream<Path> files = Files.list(source)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Files.copy(
            f, target.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
    if (!Files.exists(target.resolve("node_modules/" + module + "/package.json"))) {
      Path npm = onPath("npm").orElseGet(() -> fail("npm is missing (it comes with Node.js)"));
      Process p =
          new ProcessBuilder(npm.toString(), "ci", "--no-audit", "--no-fund")
              .directory(target.toFile())
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("npm ci finished in 180 s").isTrue();
      assertThat(p.exitValue()).as("npm ci exit code; output:%n%s", out).isZero();
    }
    return target;
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
