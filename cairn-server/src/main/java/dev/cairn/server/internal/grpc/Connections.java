package dev.cairn.server.internal.grpc;

import dev.cairn.common.Limits;
import dev.cairn.server.internal.limits.AbuseLimits;
import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerTransportFilter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Gives each client connection (HTTP/2 transport) a {@link Connection} holding its quotas: the
 * transport filter creates it when the connection is ready, and the interceptor makes it the
 * current {@link Context} value of every call on that connection.
 */
final class Connections extends ServerTransportFilter implements ServerInterceptor {

  private static final Attributes.Key<Connection> ATTRIBUTE =
      Attributes.Key.create("cairn.connection");
  private static final Context.Key<Connection> CONTEXT = Context.key("cairn.connection");

  private final AbuseLimits limits;

  Connections() {
    this(AbuseLimits.DEFAULTS);
  }

  Connections(AbuseLimits limits) {
    this.limits = limits;
  }

  /** The connection of the current call. */
  static Connection current() {
    Connection c = CONTEXT.get();
    return c != null
        ? c
        : new Connection(
            Limits.MAX_WATCHES_PER_CONNECTION,
            AbuseLimits.DEFAULT_SESSIONS_PER_CLIENT,
            "unknown",
            null);
  }

  @Override
  public Attributes transportReady(Attributes attributes) {
    SocketAddress remote = attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    String peer = remote instanceof InetSocketAddress a ? address(a) : String.valueOf(remote);
    InetAddress address = remote instanceof InetSocketAddress a ? a.getAddress() : null;
    return attributes.toBuilder()
        .set(
            ATTRIBUTE,
            new Connection(limits.watchesPerClient(), limits.sessionsPerClient(), peer, address))
        .build();
  }

  private static String address(InetSocketAddress a) {
    String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    Connection connection = call.getAttributes().get(ATTRIBUTE);
    if (connection == null) {
      return next.startCall(call, headers);
    }
    return Contexts.interceptCall(
        Context.current().withValue(CONTEXT, connection), call, headers, next);
  }

  /** The quotas of one connection, and its client's address. Thread-safe. */
  static final class Connection {
    private final int maxWatches;
    private final int maxSessions;
    private final String peer;
    private final InetAddress address;
    private final AtomicInteger watches = new AtomicInteger();
    private final AtomicInteger sessions = new AtomicInteger();

    Connection(int maxWatches, int maxSessions, String peer, InetAddress address) {
      this.maxWatches = maxWatches;
      this.maxSessions = maxSessions;
      this.peer = peer;
      this.address = address;
    }

    /** The client's address; null when the transport has none (in-process). */
    InetAddress address() {
      return address;
    }

    int maxSessions() {
      return maxSessions;
    }

    /** Takes one session-stream slot; false when all {@code maxSessions} are in use. */
    boolean tryAcquireSession() {
      return tryAcquire(sessions, maxSessions);
    }

    /** Gives back a slot taken by {@link #tryAcquireSession()}. */
    void releaseSession() {
      sessions.decrementAndGet();
    }

    private static boolean tryAcquire(AtomicInteger count, int max) {
      while (true) {
        int n = count.get();
        if (n >= max) {
          return false;
        }
        if (count.compareAndSet(n, n + 1)) {
          return true;
        }
      }
    }

    /** The client's address and port, e.g. {@code 127.0.0.1:50412}. */
    String peer() {
      return peer;
    }

    int maxWatches() {
      return maxWatches;
    }

    /** Takes one watch slot; false when all {@code maxWatches} are in use. */
    boolean tryAcquireWatch() {
      return tryAcquire(watches, maxWatches);
    }

    /** Gives back a slot taken by {@link #tryAcquireWatch()}. */
    void releaseWatch() {
      watches.decrementAndGet();
    }
  }
}
