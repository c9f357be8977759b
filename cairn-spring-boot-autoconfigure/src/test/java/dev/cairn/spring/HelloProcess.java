package dev.cairn.spring;

import com.sun.net.httpserver.HttpServer;
import dev.cairn.client.CairnClient;
import dev.cairn.common.Instance;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A {@code hello} instance in its own JVM, to be killed with {@code kill -9}: a JDK HTTP server
 * answering {@code GET /hello} and registered in Cairn. Prints {@code READY <id>} once registered.
 */
final class HelloProcess implements AutoCloseable {

  private final Process process;
  final String id;

  private HelloProcess(Process process, String id) {
    this.process = process;
    this.id = id;
  }

  /** Starts one in a child JVM and waits until it is registered. */
  static HelloProcess start(String registries, String id) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(System.getProperty("java.home") + "/bin/java");
    command.add("-Xmx64m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(HelloProcess.class.getName());
    command.add(registries);
    command.add(id);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      if (line.equals("READY " + id)) {
        Thread drain = new Thread(() -> drainQuietly(out), "hello-process-out");
        drain.setDaemon(true);
        drain.start();
        return new HelloProcess(p, id);
      }
    }
    throw new IOException("hello process " + id + " ended before it was ready: " + p.exitValue());
  }

  /** {@code kill -9}: no deregistration, no goodbye. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    kill();
  }

  private static void drainQuietly(BufferedReader out) {
    try {
      while (out.readLine() != null) {
        // discard
      }
    } catch (IOException e) {
      // the process ended
    }
  }

  public static void main(String[] args) throws Exception {
    String registries = args[0];
    String id = args[1];
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    byte[] body = ("{\"message\":\"Hello, World!\",\"instance\":\"" + id + "\"}").getBytes();
    server.createContext(
        "/hello",
        exchange -> {
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream o = exchange.getResponseBody()) {
            o.write(body);
          }
        });
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
    CairnClient client =
        CairnClient.builder().registries(registries).sessionTtl(Duration.ofSeconds(10)).build();
    client
        .register(
            Instance.builder("hello", "127.0.0.1")
                .id(id)
                .port("http", server.getAddress().getPort())
                .build())
        .registered()
        .get(30, TimeUnit.SECONDS);
    System.out.println("READY " + id);
    System.out.flush();
    Thread.currentThread().join();
  }
}
