package dev.cairn.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Smoke test of the runnable {@code cairn.jar}; runs in the {@code package} phase, right after the
 * shade plugin built the jar (see the module POM).
 */
class ShadedJarIT {

  private static final Path JAR = Path.of(System.getProperty("cairn.jar", "target/cairn.jar"));

  @Test
  void runsHelp() throws Exception {
    Process p =
        new ProcessBuilder(javaBinary(), "-jar", JAR.toString(), "--help")
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    assertThat(output).startsWith("Usage: cairn").contains("server", "watch");
  }

  @Test
  void readsTheServerFromTheEnvironment(@TempDir Path dir) throws Exception {
    // Held by this JVM, the port refuses the child process's connection too.
    try (Socket refused = ClientCommandsTest.refusedPort()) {
      String closed = "http://127.0.0.1:" + refused.getLocalPort();
      ProcessBuilder pb = new ProcessBuilder(javaBinary(), "-jar", JAR.toString(), "services");
      pb.environment().put("CAIRN_SERVER", closed);
      Process p = pb.directory(dir.toFile()).start();
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);

      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(err).isEqualTo(ExitCode.UNREACHABLE);
      assertThat(err).isEqualTo("error: cannot reach " + closed + ": connection refused\n");
    }
  }

  @Test
  void theLauncherRunsTheJarFromAnyDirectory(@TempDir Path dir) throws Exception {
    Path launcher = Path.of(System.getProperty("cairn.launcher", "../cairn")).toAbsolutePath();
    Path link = Files.createSymbolicLink(dir.resolve("cairn"), launcher);
    ProcessBuilder pb = new ProcessBuilder("bash", link.toString(), "--version");
    pb.environment().put("CAIRN_SKIP_BUILD", "1"); // the jar was just built
    Process p = pb.directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    assertThat(output).isEqualTo("cairn " + VersionProvider.version() + "\n");
  }

  @Test
  void theLauncherRunsASingleNodeOnC2AloneWithItsNativeHeapTrimmed(@TempDir Path dir)
      throws Exception {
    List<String> options = launcherJavaOptions(dir, true, "server", "--http-port", "0");

    assertThat(options)
        .contains("-XX:-TieredCompilation", "-XX:TrimNativeHeapInterval=1000", "-XX:+UseSerialGC")
        .doesNotContain("-XX:TieredStopAtLevel=1");
  }

  @Test
  void theLauncherKeepsC1ForAClusterMember(@TempDir Path dir) throws Exception {
    assertThat(launcherJavaOptions(dir, true, "server", "--node-id", "n1", "--peers", "n1=h:1"))
        .contains("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
        .doesNotContain("-XX:-TieredCompilation", "-XX:TrimNativeHeapInterval=1000");
    assertThat(launcherJavaOptions(dir, true, "server", "--peers=n1=h:1"))
        .contains("-XX:TieredStopAtLevel=1")
        .doesNotContain("-XX:-TieredCompilation");
  }

  @Test
  void theLauncherKeepsC1OnAJvmThatCannotTrimItsNativeHeap(@TempDir Path dir) throws Exception {
    assertThat(launcherJavaOptions(dir, false, "server"))
        .contains("-XX:TieredStopAtLevel=1")
        .doesNotContain("-XX:-TieredCompilation", "-XX:TrimNativeHeapInterval=1000");
  }

  /**
   * The options the launcher gives {@code java}, read from a stand-in {@code java} (in a JAVA_HOME
   * of its own) that prints its arguments, and answers the launcher's question whether it takes
   * {@code -XX:TrimNativeHeapInterval} with {@code trims}.
   */
  private static List<String> launcherJavaOptions(Path dir, boolean trims, String... args)
      throws Exception {
    Path bin = Files.createDirectories(dir.resolve("jdk/bin"));
    Path java = bin.resolve("java");
    Files.writeString(
        java,
        "#!/usr/bin/env bash\n"
            + "if [[ \" $* \" == *\" -version\"* ]]; then exit "
            + (trims ? 0 : 1)
            + "; fi\n"
            + "printf '%s\\n' \"$@\"\n");
    assertThat(java.toFile().setExecutable(true)).isTrue();
    Path launcher = Path.of(System.getProperty("cairn.launcher", "../cairn")).toAbsolutePath();
    List<String> command = new ArrayList<>(List.of("bash", launcher.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("CAIRN_SKIP_BUILD", "1");
    pb.environment().put("JAVA_HOME", dir.resolve("jdk").toString());
    pb.environment().remove("CAIRN_JAVA_OPTS");
    Process p = pb.directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    return output.lines().collect(Collectors.toList());
  }

  @Test
  void mergesServiceFilesAndDropsSignatures() throws IOException {
    try (JarFile jar = new JarFile(JAR.toFile())) {
      assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
          .isEqualTo("dev.cairn.cli.Cairn");
      assertThat(
              jar.stream()
                  .map(e -> e.getName())
                  .filter(n -> n.matches("META-INF/[^/]+\\.(SF|DSA|RSA|EC)")))
          .isEmpty();
      // Providers from grpc-core and grpc-util share one service file; both must survive.
      List<String> providers = lines(jar, "META-INF/services/io.grpc.LoadBalancerProvider");
      assertThat(providers)
          .contains(
              "io.grpc.internal.PickFirstLoadBalancerProvider",
              "io.grpc.util.OutlierDetectionLoadBalancerProvider");
      assertThat(lines(jar, "META-INF/services/io.grpc.ServerProvider"))
          .contains("io.grpc.netty.NettyServerProvider");
    }
  }

  private static List<String> lines(JarFile jar, String name) throws IOException {
    try (InputStream in = jar.getInputStream(jar.getEntry(name))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .lines()
          .map(String::strip)
          .filter(l -> !l.isEmpty() && !l.startsWith("#"))
          .collect(Collectors.toList());
    }
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
