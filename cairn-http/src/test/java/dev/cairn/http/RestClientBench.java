package dev.cairn.http;

import dev.cairn.client.CairnClient;
import dev.cairn.server.CairnServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Throughput of GET calls to one local HTTP server (the JDK's, 8 handler threads) through {@link
 * CairnHttpClient} ({@code http://hello/hello}, resolved, balanced, with the default policy)
 * against a bare {@link HttpClient} to the same server's address ({@code bare}, the baseline), same
 * JVM, same run. Run by {@link RestClientBenchTest}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RestClientBench {

  private CairnServer registry;
  private CairnClient cairn;
  private TestServer server;
  private CairnHttpClient cairnHttp;
  private HttpClient bare;
  private ExecutorService bareExecutor;
  private HttpRequest byName;
  private HttpRequest byAddress;
  private HttpRequest byAddressWithTimeout;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    registry = CairnServer.builder().inMemory().httpPort(0).grpcPort(0).build().start();
    InetSocketAddress grpc = registry.grpcAddress();
    cairn =
        CairnClient.builder()
            .registries(grpc.getHostString() + ":" + grpc.getPort())
            .shutdownHook(false)
            .build();
    server = TestServer.start(cairn, "hello", "hello-0");
    cairn.view("hello").awaitInstances(Duration.ofSeconds(10)).join();
    cairnHttp = CairnHttpClient.builder(cairn).build();
    bareExecutor = Executors.newCachedThreadPool();
    bare =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .executor(bareExecutor)
            .build();
    byName = HttpRequest.newBuilder(URI.create("http://hello/hello")).build();
    byAddress =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/hello")).build();
    byAddressWithTimeout =
        HttpRequest.newBuilder(byAddress, (n, v) -> true).timeout(Duration.ofSeconds(10)).build();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    cairnHttp.close();
    bareExecutor.shutdownNow();
    server.close();
    cairn.close();
    registry.close();
  }

  @Benchmark
  public int bare() throws Exception {
    return bare.send(byAddress, HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  /** The bare client with the deadline the Cairn client gives every attempt (10 s by default). */
  @Benchmark
  public int bareWithTimeout() throws Exception {
    return bare.send(byAddressWithTimeout, HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  @Benchmark
  public int cairn() throws Exception {
    return cairnHttp.send(byName, HttpResponse.BodyHandlers.ofString()).statusCode();
  }
}
