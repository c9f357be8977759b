package dev.cairn.amqp;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A RabbitMQ node of the test's own (a JUnit extension): its own node name, AMQP and distribution
 * ports, data directory and logs under a temporary directory, started before each test and deleted
 * after it. A test that stops or restarts a broker does it to this one, never to the shared broker
 * on 127.0.0.1:5672 that other test runs on the machine use.
 *
 * <p>{@link #stop()} ends the node with SIGTERM (RabbitMQ's orderly shutdown; durable queues and
 * persistent messages stay in the data directory) and {@link #start()} boots it again on the same
 * port and data. Needs the RabbitMQ server scripts ({@code /usr/lib/rabbitmq/bin/rabbitmq-server}
 * as Debian installs them, or {@code rabbitmq-server} on the PATH); fails without them.
 */
final class PrivateBroker implements BeforeEachCallback, AfterEachCallback {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

  private Path dir;
  private String nodeName;
  private int port;
  private int distributionPort;
  private Process server;

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    dir = Files.createTempDirectory("cairn-rabbit-");
    nodeName = "cairn-test-" + UUID.randomUUID().toString().substring(0, 8) + "@localhost";
    port = freePort();
    distributionPort = freePort();
    Files.writeString(
        dir.resolve("rabbitmq.conf"),
        "listeners.tcp.local = 127.0.0.1:" + port + "\n" + "log.console = false\n");
    Files.writeString(dir.resolve("enabled_plugins"), "[].\n");
    Files.writeString(dir.resolve("rabbitmq-env.conf"), "");
    start();
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    try {
      stop();
    } finally {
      deleteTree(dir);
    }
  }

  /** The broker's {@code host:port}. */
  String address() {
    return "127.0.0.1:" + port;
  }

  /** Boots the node and waits until it accepts AMQP connections. */
  void start() throws IOException, InterruptedException {
    if (server != null && server.isAlive()) {
      throw new IllegalStateException("the private broker is running");
    }
    ProcessBuilder pb =
        new ProcessBuilder(serverScript())
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("server.out").toFile());
    Map<String, String> env = pb.environment();
    env.put("HOME", dir.toString()); // its own Erlang cookie
    env.put("RABBITMQ_CONF_ENV_FILE", dir.resolve("rabbitmq-env.conf").toString());
    env.put("RABBITMQ_CONFIG_FILE", dir.resolve("rabbitmq.conf").toString());
    env.put("RABBITMQ_ENABLED_PLUGINS_FILE", dir.resolve("enabled_plugins").toString());
    env.put("RABBITMQ_NODENAME", nodeName);
    env.put("RABBITMQ_MNESIA_BASE", dir.resolve("mnesia").toString());
    env.put("RABBITMQ_LOG_BASE", dir.resolve("log").toString());
    env.put("RABBITMQ_PID_FILE", dir.resolve("pid").toString());
    env.put("RABBITMQ_DIST_PORT", Integer.toString(distributionPort));
    env.put("ERL_EPMD_ADDRESS", "127.0.0.1");
    env.put("ERL_FLAGS", "-kernel inet_dist_use_interface {127,0,0,1}");
    server = pb.start();
    try {
      await()
          .atMost(START_TIMEOUT)
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                if (!server.isAlive()) {
                  throw new IllegalStateException(
                      "the private broker exited at start:\n" + output());
                }
                return accepts();
              });
    } catch (ConditionTimeoutException e) {
      stop();
      throw new IllegalStateException(
          "the private broker did not listen within " + START_TIMEOUT + ":\n" + output(), e);
    }
  }

  /** Shuts the node down in order (SIGTERM) and waits for it to exit. */
  void stop() throws IOException, InterruptedException {
    if (server == null || !server.isAlive()) {
      return;
    }
    // The script runs the Erlang VM as a child; the VM's pid is in the pid file once it is up.
    Path pidFile = dir.resolve("pid");
    if (Files.exists(pidFile)) {
      long pid = Long.parseLong(Files.readString(pidFile).trim());
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
    }
    server.descendants().forEach(ProcessHandle::destroy);
    server.destroy();
    if (!server.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      server.descendants().forEach(ProcessHandle::destroyForcibly);
      server.destroyForcibly().waitFor();
    }
    // The VM may close its listener a moment after the script exits.
    await().atMost(STOP_TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> !accepts());
  }

  private boolean accepts() {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private String output() {
    try {
      Path out = dir.resolve("server.out");
      return Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static String serverScript() {
    Path debian = Path.of("/usr/lib/rabbitmq/bin/rabbitmq-server");
    return Files.isExecutable(debian) ? debian.toString() : "rabbitmq-server";
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths
          .sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    }
  }
}
