package dev.cairn.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An embedded server in a JVM without {@code -XX:+ExitOnOutOfMemoryError} (a child process with a
 * small heap): an OutOfMemoryError ends the process with exit code 3, whether it ends a thread or
 * is caught and ignored while the heap stays full.
 */
class OutOfMemoryGuardTest {

  @ParameterizedTest
  @CsvSource({
    "-XX:+UseParallelGC, swallowed",
    "-XX:+UseParallelGC, uncaught",
    "-XX:+UseSerialGC, swallowed",
    "-XX:+UseSerialGC, uncaught"
  })
  void anOutOfMemoryErrorEndsTheProcess(String collector, String how) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                java,
                "-Xmx48m",
                // The collector ./cairn runs the server on (serial) and the one operations.md
                // offers for a server on a machine of its own (parallel, decision 0006). G1 keeps
                // regions for its young generation: with every object live its old generation
                // stays near 94 % of its maximum, under the guard's 98 %, so only the
                // uncaught-error net would end it.
                collector,
                "-cp",
                System.getProperty("java.class.path"),
                OutOfMemoryMain.class.getName(),
                how)
            .redirectErrorStream(true)
            .start();
    List<String> output = new ArrayList<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  synchronized (output) {
                    output.add(line);
                  }
                }
              } catch (java.io.IOException e) {
                // the process ended
              }
            });
    reader.setDaemon(true);
    reader.start();
    try {
      assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("the child ended by itself").isTrue();
      reader.join(5_000);
      synchronized (output) {
        assertThat(output).anyMatch(l -> l.startsWith("ready "));
        assertThat(p.exitValue()).as(String.join("\n", output)).isEqualTo(3);
        assertThat(output).anyMatch(l -> l.startsWith("cairn: ") && l.contains("exit code 3"));
      }
    } finally {
      p.destroyForcibly();
    }
  }
}
