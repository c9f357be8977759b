package dev.cairn.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cairn.client.CairnClient;
import dev.cairn.client.Registration;
import dev.cairn.testing.clock.FakeTicker;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on loopback (the JDK's) answering {@code /hello} with its id, that a test can
 * make fail (500), refuse work (429) or slow down; it counts the requests it got.
 */
final class TestServer implements AutoCloseable {

  enum Mode {
    OK,
    FAIL,
    OVERLOADED
  }

  private final HttpServer server;
  private final ThreadPoolExecutor executor = (ThreadPoolExecutor) Executors.newFixedThreadPool(16);
  private final String id;
  private final AtomicInteger hits = new AtomicInteger();
  private volatile Mode mode = Mode.OK;
  private volatile long delayMillis;
  private volatile FakeTicker slowTicker;
  private volatile Duration slowBy;
  private Registration registration;

  private TestServer(String id) throws IOException {
    this.id = id;
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
    // Its threads start now, as a real server's pool keeps threads ready: a fixed pool otherwise
    // starts one per request for its first 16, each such request measurably slower (about 1.6x on
    // loopback, more on a loaded machine). An instance that P2C passes over then answers each
    // probe that slowly, so the probes find it slower than its busy twin and back off (16, 32,
    // 64... picks), and EqualInstancesTest saw one of two equal instances get 22 of 400 calls.
    executor.prestartAllCoreThreads();
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Starts a server and registers it as instance {@code id} of {@code service}. */
  static TestServer start(CairnClient cairn, String service, String id) throws IOException {
    TestServer s = new TestServer(id);
    s.registration = HttpRegistration.of(service, s.server.getAddress()).id(id).register(cairn);
    s.registration.registered().join();
    return s;
  }

  TestServer mode(Mode mode) {
    this.mode = mode;
    return this;
  }

  TestServer delay(Duration delay) {
    this.delayMillis = delay.toMillis();
    return this;
  }

  /**
   * Makes this instance {@code by} slower on {@code ticker}'s time: each request moves the fake
   * ticker instead of sleeping, so that a client measuring latency on that ticker sees exactly
   * {@code by} more, whatever the machine's load.
   */
  TestServer slowOn(FakeTicker ticker, Duration by) {
    this.slowTicker = ticker;
    this.slowBy = by;
    return this;
  }

  String id() {
    return id;
  }

  int port() {
    return server.getAddress().getPort();
  }

  int hits() {
    return hits.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      hits.incrementAndGet();
      exchange.getRequestBody().readAllBytes();
      FakeTicker ticker = slowTicker;
      if (ticker != null) {
        ticker.advance(slowBy);
      }
      long delay = delayMillis;
      if (delay > 0) {
        TimeUnit.MILLISECONDS.sleep(delay); // the simulated slowness of this instance
      }
      int status = mode == Mode.FAIL ? 500 : mode == Mode.OVERLOADED ? 429 : 200;
      byte[] body = id.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (registration != null) {
      registration.close();
    }
    server.stop(0);
    executor.shutdownNow();
  }
}
