package dev.cairn.server.internal;

import dev.cairn.server.core.Registry;
import dev.cairn.server.internal.http.HttpApiServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Instant;

/** Starts the HTTP listener of a server: the {@link HttpApiServer} as a {@link Listener}. */
public final class HttpListeners {

  private HttpListeners() {}

  /** Binds {@code bind} and serves the HTTP API over {@code registry}. */
  public static Listener start(Registry registry, InetSocketAddress bind, Instant startedAt)
      throws IOException {
    HttpApiServer server = HttpApiServer.start(registry, bind, startedAt);
    return new Listener() {
      @Override
      public String protocol() {
        return "http";
      }

      @Override
      public InetSocketAddress address() {
        return server.localAddress();
      }

      @Override
      public void beginShutdown() {
        server.beginShutdown();
      }

      @Override
      public void close() {
        server.close();
      }
    };
  }
}
