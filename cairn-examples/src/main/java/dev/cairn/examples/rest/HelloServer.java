package dev.cairn.examples.rest;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cairn.client.CairnClient;
import dev.cairn.client.Registration;
import dev.cairn.http.HttpRegistration;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A REST service: {@code GET /hello} answers {@code {"message":"Hello, World!"}}. It listens on
 * loopback and registers itself in Cairn as an instance of {@code hello} (port {@code "http"}).
 *
 * <p>Run: {@code mvn -B -q -pl cairn-examples -am verify -DskipTests -Dexample=rest.server}
 * (options through {@code -Dexec.args}: {@code --registries 127.0.0.1:8501 --port 0
 * --session-ttl-seconds 10}). It stays up until killed; Ctrl-C deregisters it.
 */
public final class HelloServer implements AutoCloseable {

  /** The service name. */
  public static final String SERVICE = "hello";

  static final byte[] BODY = "{\"message\":\"Hello, World!\"}".getBytes(StandardCharsets.UTF_8);

  private final HttpServer server;
  private final ExecutorService executor;
  private final Registration registration;

  private HelloServer(HttpServer server, ExecutorService executor, Registration registration) {
    this.server = server;
    this.executor = executor;
    this.registration = registration;
  }

  /**
   * Starts serving on {@code 127.0.0.1:port} (0 picks a free port) and registers the instance on
   * {@code cairn}, which the caller keeps owning.
   */
  public static HelloServer start(CairnClient cairn, int port) throws IOException {
    requireNonNull(cairn, "cairn");
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 128);
    ExecutorService executor = Executors.newFixedThreadPool(8);
    server.setExecutor(executor);
    server.createContext("/hello", HelloServer::hello);
    server.start();
    Registration registration = HttpRegistration.of(SERVICE, server.getAddress()).register(cairn);
    return new HelloServer(server, executor, registration);
  }

  /** Where this instance listens. */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** This instance's registration. */
  public Registration registration() {
    return registration;
  }

  /** Deregisters, then stops serving. */
  @Override
  public void close() {
    registration.close();
    server.stop(0);
    executor.shutdownNow();
  }

  private static void hello(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!"GET".equals(exchange.getRequestMethod())) {
        exchange.getResponseHeaders().set("Allow", "GET");
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, BODY.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(BODY);
      }
    }
  }

  /** Runs one instance until the process ends. */
  public static void main(String[] argv) throws Exception {
    Args args =
        new Args(
            argv, Map.of("registries", "127.0.0.1:8501", "port", "0", "session-ttl-seconds", "10"));
    CairnClient cairn =
        CairnClient.builder()
            .registries(args.get("registries"))
            .clientName("hello-server")
            .sessionTtl(Duration.ofSeconds(args.integer("session-ttl-seconds")))
            .build();
    HelloServer hello = start(cairn, args.integer("port"));
    InetSocketAddress a = hello.address();
    System.out.printf(
        "hello: serving http://%s:%d/hello as instance %s%n",
        a.getHostString(), a.getPort(), hello.registration().instance().id());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  hello.close();
                  cairn.close();
                  stopped.countDown();
                }));
    stopped.await();
  }
}
