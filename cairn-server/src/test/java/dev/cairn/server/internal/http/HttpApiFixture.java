package dev.cairn.server.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.RegistryOptions;
import dev.cairn.server.core.log.MemoryCommandLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real registry (in-memory log) behind a real {@link HttpApiServer} on an ephemeral loopback
 * port, and a {@link HttpClient} to call it. Register with {@code @RegisterExtension}.
 */
final class HttpApiFixture implements BeforeEachCallback, AfterEachCallback {

  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpApiSettings settings;
  private final Instant startedAt;
  private final RegistryOptions options;
  private Registry registry;
  private HttpApiServer server;
  private HttpClient client;

  HttpApiFixture() {
    this(HttpApiSettings.defaults());
  }

  HttpApiFixture(HttpApiSettings settings) {
    this(settings, null);
  }

  /** A fixture whose server says it started at {@code startedAt} (now when null). */
  HttpApiFixture(HttpApiSettings settings, Instant startedAt) {
    this(settings, startedAt, RegistryOptions.defaults());
  }

  /** A fixture whose registry runs with {@code options}. */
  HttpApiFixture(HttpApiSettings settings, Instant startedAt, RegistryOptions options) {
    this.settings = settings;
    this.startedAt = startedAt;
    this.options = options;
  }

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    registry = Registry.start(new MemoryCommandLog(), options);
    server =
        HttpApiServer.start(
            registry,
            new InetSocketAddress("127.0.0.1", 0),
            startedAt == null ? Instant.now() : startedAt,
            settings);
    client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    server.close();
    registry.close();
  }

  Registry registry() {
    return registry;
  }

  HttpApiServer server() {
    return server;
  }

  HttpClient client() {
    return client;
  }

  URI uri(String pathAndQuery) {
    InetSocketAddress a = server.localAddress();
    return URI.create("http://127.0.0.1:" + a.getPort() + pathAndQuery);
  }

  HttpRequest.Builder request(String pathAndQuery) {
    return HttpRequest.newBuilder(uri(pathAndQuery)).timeout(Duration.ofSeconds(30));
  }

  Reply get(String path) {
    return send(request(path).GET().build());
  }

  Reply delete(String path) {
    return send(request(path).DELETE().build());
  }

  /** A DELETE with headers, given as name, value, name, value... */
  Reply delete(String path, String... headers) {
    HttpRequest.Builder b = request(path).DELETE();
    return send(headers.length == 0 ? b.build() : b.headers(headers).build());
  }

  Reply put(String path, String json) {
    return send(
        request(path)
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  /** A PUT with headers, given as name, value, name, value... */
  Reply put(String path, String json, String... headers) {
    HttpRequest.Builder b =
        request(path)
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(json));
    return send(headers.length == 0 ? b.build() : b.headers(headers).build());
  }

  Reply post(String path, String json) {
    return send(
        request(path)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  Reply send(HttpRequest request) {
    try {
      return Reply.of(client.send(request, HttpResponse.BodyHandlers.ofString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  CompletableFuture<Reply> sendAsync(HttpRequest request) {
    return client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(Reply::of);
  }

  /**
   * Registers {@code web}-style instance {@code id} of {@code service} in the default namespace.
   */
  Reply register(String service, String id, String json) {
    return put("/v1/services/" + service + "/instances/" + id, json);
  }

  /** A status, the {@code X-Cairn-Index} header (or -1), the raw body and its JSON. */
  record Reply(int status, long index, String body, JsonNode json, HttpResponse<String> raw) {
    static Reply of(HttpResponse<String> r) {
      long index = r.headers().firstValue("X-Cairn-Index").map(Long::parseLong).orElse(-1L);
      JsonNode json;
      try {
        json = r.body().isEmpty() ? null : JSON.readTree(r.body());
      } catch (IOException e) {
        json = null;
      }
      return new Reply(r.statusCode(), index, r.body(), json, r);
    }

    String errorCode() {
      return json.path("error").path("code").asText();
    }

    String errorField() {
      return json.path("error").path("field").asText();
    }
  }
}
