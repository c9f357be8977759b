package dev.cairn.loadgen.internal;

import dev.cairn.loadgen.LoadgenMain;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A child JVM running one of the load generator's own commands from this classpath ({@code loadgen
 * client}, {@code loadgen sdk-client}): its stderr goes to this process's, each line of its stdout
 * to a listener on a daemon thread of its own, and {@code ended} runs on that thread once its
 * stdout closes (it exited).
 */
final class LoadgenChild {

  private LoadgenChild() {}

  static Process start(
      List<String> jvmOptions,
      List<String> commandLine,
      String threadName,
      Consumer<String> lines,
      Runnable ended)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path")));
    command.add(LoadgenMain.class.getName());
    command.addAll(commandLine);
    Process process =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader out =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                  lines.accept(line);
                }
              } catch (IOException e) {
                // the process is gone
              }
              ended.run();
            },
            threadName);
    reader.setDaemon(true);
    reader.start();
    return process;
  }
}
