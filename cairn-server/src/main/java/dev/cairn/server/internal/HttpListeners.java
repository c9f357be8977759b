package dev.cairn.server.internal;

import dev.cairn.server.core.Registry;
import dev.cairn.server.internal.auth.AclGuard;
import dev.cairn.server.internal.http.HttpApiServer;
import dev.cairn.server.internal.http.HttpApiSettings;
import dev.cairn.server.internal.http.HttpMetrics;
import dev.cairn.server.internal.metrics.ServerMetrics;
import dev.cairn.server.internal.trends.Trends;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;

/** Starts the HTTP listener of a server: the {@link HttpApiServer} as a {@link Listener}. */
public final class HttpListeners {

  private HttpListeners() {}

  /** Binds {@code bind} and serves the HTTP API over {@code registry}. */
  public static Listener start(Registry registry, InetSocketAddress bind, Instant startedAt)
      throws IOException {
    return start(registry, bind, startedAt, null);
  }

  /**
   * Like {@link #start(Registry, InetSocketAddress, Instant)}, reporting to {@code metrics} (and
   * serving them on {@code /metrics}) unless it is null.
   */
  public static Listener start(
      Registry registry, InetSocketAddress bind, Instant startedAt, ServerMetrics metrics)
      throws IOException {
    return start(registry, bind, startedAt, metrics, null);
  }

  /**
   * Like {@link #start(Registry, InetSocketAddress, Instant, ServerMetrics)}, over TLS unless
   * {@code tls} is null.
   */
  public static Listener start(
      Registry registry,
      InetSocketAddress bind,
      Instant startedAt,
      ServerMetrics metrics,
      ServerTls tls)
      throws IOException {
    return start(registry, bind, startedAt, metrics, tls, new AclGuard(registry.acls(), false));
  }

  /**
   * Like {@link #start(Registry, InetSocketAddress, Instant, ServerMetrics, ServerTls)}, checking
   * every request with {@code acl}.
   */
  public static Listener start(
      Registry registry,
      InetSocketAddress bind,
      Instant startedAt,
      ServerMetrics metrics,
      ServerTls tls,
      AclGuard acl)
      throws IOException {
    return start(registry, bind, startedAt, metrics, tls, acl, new Trends(Clock.systemUTC()));
  }

  /**
   * Like {@link #start(Registry, InetSocketAddress, Instant, ServerMetrics, ServerTls, AclGuard)},
   * answering the console's history from {@code trends}.
   */
  public static Listener start(
      Registry registry,
      InetSocketAddress bind,
      Instant startedAt,
      ServerMetrics metrics,
      ServerTls tls,
      AclGuard acl,
      Trends trends)
      throws IOException {
    return start(registry, bind, startedAt, metrics, tls, acl, trends, HttpApiSettings.defaults());
  }

  /**
   * Like {@link #start(Registry, InetSocketAddress, Instant, ServerMetrics, ServerTls, AclGuard,
   * Trends)}, with {@code settings} (limits, the {@code Host} names served).
   */
  public static Listener start(
      Registry registry,
      InetSocketAddress bind,
      Instant startedAt,
      ServerMetrics metrics,
      ServerTls tls,
      AclGuard acl,
      Trends trends,
      HttpApiSettings settings)
      throws IOException {
    HttpApiServer server =
        HttpApiServer.start(
            registry,
            bind,
            startedAt,
            settings,
            metrics == null ? HttpMetrics.NONE : metrics.http(),
            tls == null ? null : tls.http(),
            acl,
            trends);
    if (metrics != null) {
      metrics.bindWatchers("sse", server, HttpApiServer::openStreams);
      metrics.bindWatchers("long_poll", server, HttpApiServer::pendingPolls);
    }
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
      public Security security() {
        return Security.of(tls);
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
