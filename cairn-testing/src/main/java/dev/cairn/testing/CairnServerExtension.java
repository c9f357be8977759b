package dev.cairn.testing;

import static java.util.Objects.requireNonNull;

import dev.cairn.server.CairnServer;
import dev.cairn.server.core.Registry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a real {@link CairnServer} on ephemeral loopback ports for JUnit 5 tests.
 *
 * <pre>{@code
 * @RegisterExtension
 * static CairnServerExtension server = CairnServerExtension.inMemory();
 *
 * @Test
 * void registers() {
 *   ManagedChannel channel = ManagedChannelBuilder.forTarget(server.grpcTarget()).usePlaintext().build();
 *   ...
 * }
 * }</pre>
 *
 * <p>Registered on a {@code static} field, one server runs for all the tests of the class; on an
 * instance field, one per test. The accessors may be called while the server runs; they are
 * thread-safe.
 */
public final class CairnServerExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

  private final Path dataDir;
  private final boolean ownsDataDir;
  private final Consumer<CairnServer.Builder> configure;
  // Written by the JUnit callbacks and restart(); read by any thread.
  private volatile CairnServer server;
  private volatile Path tempDir;
  private boolean startedForEach;

  private CairnServerExtension(
      Path dataDir, boolean ownsDataDir, Consumer<CairnServer.Builder> configure) {
    this.dataDir = dataDir;
    this.ownsDataDir = ownsDataDir;
    this.configure = configure;
  }

  /** A server keeping its registry in memory. */
  public static CairnServerExtension inMemory() {
    return new CairnServerExtension(null, false, b -> {});
  }

  /** A durable server in a fresh temporary directory, deleted when the server stops. */
  public static CairnServerExtension durable() {
    return new CairnServerExtension(null, true, b -> {});
  }

  /** A durable server in {@code dataDir}, which the caller owns (and may reuse across runs). */
  public static CairnServerExtension durable(Path dataDir) {
    return new CairnServerExtension(requireNonNull(dataDir, "dataDir"), false, b -> {});
  }

  /**
   * This extension, with {@code configure} applied to the server's builder after the extension's
   * own settings (storage, ephemeral ports), e.g. {@code b -> b.registryOptions(options)}.
   */
  public CairnServerExtension configure(Consumer<CairnServer.Builder> configure) {
    requireNonNull(configure, "configure");
    return new CairnServerExtension(dataDir, ownsDataDir, this.configure.andThen(configure));
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stop();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (server == null) {
      startedForEach = true;
      start();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (startedForEach) {
      startedForEach = false;
      stop();
    }
  }

  /** The running server. */
  public CairnServer server() {
    CairnServer s = server;
    if (s == null) {
      throw new IllegalStateException("server: not running (expected: inside a test)");
    }
    return s;
  }

  /** The server's registry, to arrange or check state directly. */
  public Registry registry() {
    return server().registry();
  }

  /** The HTTP API's base URI, e.g. {@code http://127.0.0.1:41234} ({@code https://} over TLS). */
  public URI httpUri() {
    CairnServer s = server();
    boolean tls = s.listenerLines().get(0).contains("https://");
    return URI.create((tls ? "https://" : "http://") + hostPort(s.httpAddress()));
  }

  /** The gRPC target for a channel builder, e.g. {@code 127.0.0.1:41235}. */
  public String grpcTarget() {
    return hostPort(server().grpcAddress());
  }

  /** The gRPC listener's address. */
  public InetSocketAddress grpcAddress() {
    return server().grpcAddress();
  }

  /**
   * Stops the server and starts a new one on the same storage and ports, as an operator's restart
   * would: a durable server keeps its catalog and sessions, an in-memory one starts empty.
   */
  public void restart() {
    CairnServer old = server();
    int http = old.httpAddress().getPort();
    int grpc = old.grpcAddress().getPort();
    old.close();
    server = null;
    server = newServer(b -> b.httpPort(http).grpcPort(grpc));
  }

  private void start() {
    if (server != null) {
      throw new IllegalStateException("server: already running (expected: one per extension)");
    }
    server = newServer(b -> {});
  }

  private CairnServer newServer(Consumer<CairnServer.Builder> ports) {
    CairnServer.Builder b = CairnServer.builder().httpPort(0).grpcPort(0);
    Path dir = storageDir();
    if (dir == null) {
      b.inMemory();
    } else {
      b.dataDir(dir);
    }
    configure.accept(b);
    ports.accept(b);
    try {
      return b.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path storageDir() {
    if (dataDir != null || !ownsDataDir) {
      return dataDir;
    }
    if (tempDir == null) {
      try {
        tempDir = Files.createTempDirectory("cairn-test-");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return tempDir;
  }

  private void stop() {
    CairnServer s = server;
    server = null;
    if (s != null) {
      s.close();
    }
    Path dir = tempDir;
    tempDir = null;
    if (dir != null) {
      deleteTree(dir);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String hostPort(InetSocketAddress a) {
    String host = a.getAddress().getHostAddress();
    return (a.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + a.getPort();
  }
}
