package dev.cairn.server.internal;

import com.sun.net.httpserver.HttpServer;
import dev.cairn.server.core.Registry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** Starts the HTTP listener of a server. */
public final class HttpListeners {

  private HttpListeners() {}

  /** Binds {@code bind} and serves the HTTP API over {@code registry}. */
  public static Listener start(Registry registry, InetSocketAddress bind, Instant startedAt)
      throws IOException {
    // TODO(#2): serve the API: return an adapter over
    // dev.cairn.server.internal.http.HttpApiServer.start(registry, bind, startedAt) once it lands.
    // Until then the port is bound and every request is answered 503 UNAVAILABLE.
    return Unavailable.start(bind);
  }

  /** Binds the port and answers every request with 503 in the API's error format. */
  private static final class Unavailable implements Listener {
    private static final byte[] BODY =
        ("{\"error\":{\"code\":\"UNAVAILABLE\","
                + "\"message\":\"http: not served yet (expected: the gRPC API)\"}}")
            .getBytes(StandardCharsets.UTF_8);

    private final HttpServer server;

    private Unavailable(HttpServer server) {
      this.server = server;
    }

    static Unavailable start(InetSocketAddress bind) throws IOException {
      HttpServer server = HttpServer.create(bind, 0);
      server.createContext(
          "/",
          exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(503, BODY.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(BODY);
            }
          });
      server.start();
      return new Unavailable(server);
    }

    @Override
    public String protocol() {
      return "http";
    }

    @Override
    public InetSocketAddress address() {
      return server.getAddress();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
