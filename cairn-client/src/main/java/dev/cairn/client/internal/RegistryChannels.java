package dev.cairn.client.internal;

import io.grpc.ClientInterceptor;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * One gRPC channel per registry address, created on first use, and which one is current. A caller
 * whose call to the current registry failed reports it with {@link #failed(int)}, which moves on to
 * the next address (round the list); the session and every view share this choice. Addresses beyond
 * the configured ones (a cluster's leader, which the session is sent to: decision 0114) get
 * channels of their own from {@link #channel(RegistryAddress)}, with the same TLS and interceptors;
 * they are never current.
 *
 * <p>Every channel pings its connection (HTTP/2 keepalive) once it has carried nothing for a third
 * of the session TTL (gRPC raises that to 10 s), while a call is open on it, and closes it when a
 * ping is not answered within half the TTL: a registry that went silent (a paused process, a
 * partition) breaks every call on it, whatever no other check sees. The session, which checks its
 * registry every sixth of the TTL, reports one it gave up for silence with {@link #gaveUp}, and the
 * views watching it leave it at once.
 *
 * <p>Used on the client's event thread only, except {@link #shutdown()}.
 */
final class RegistryChannels {

  private final List<RegistryAddress> addresses;
  private final ManagedChannel[] channels;
  private final boolean[] unresolved;
  private final EventLoopGroup group;
  private final Executor executor;
  private final List<ClientInterceptor> interceptors;
  private final ClientTls tls; // null: plaintext
  private final Duration sessionTtl;
  // Told (on the event thread) of each registry the session gave up for silence.
  private final List<GiveUpListener> giveUpListeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();
  // Channels to addresses the client was sent to, most recently used last; guarded by this.
  private final java.util.LinkedHashMap<RegistryAddress, ManagedChannel> extra =
      new java.util.LinkedHashMap<>(4, 0.75f, true);
  // Event thread only.
  private int current;
  private volatile boolean shutdown;

  RegistryChannels(
      List<RegistryAddress> addresses,
      EventLoopGroup group,
      Executor executor,
      List<ClientInterceptor> interceptors,
      ClientTls tls,
      Duration sessionTtl,
      int first) {
    this.tls = tls;
    this.sessionTtl = sessionTtl;
    this.current = first;
    this.addresses = addresses;
    this.channels = new ManagedChannel[addresses.size()];
    this.unresolved = new boolean[addresses.size()];
    this.group = group;
    this.executor = executor;
    this.interceptors = interceptors;
  }

  /** How many registries there are. */
  int size() {
    return addresses.size();
  }

  /** The address of the registry at {@code index}. */
  RegistryAddress address(int index) {
    return addresses.get(index);
  }

  /** The index of the current registry. */
  int currentIndex() {
    return current;
  }

  /** The current registry's address. */
  RegistryAddress currentAddress() {
    return addresses.get(current);
  }

  /**
   * The current registry's channel. A channel that failed to connect is told to try again at once:
   * the caller's own backoff decides when to retry, not the channel's (which grows to minutes).
   */
  synchronized ManagedChannel channel(int index) {
    if (shutdown) {
      throw new IllegalStateException("client: closed");
    }
    ManagedChannel c = channels[index];
    if (c != null && unresolved[index]) {
      // Built while the host name did not resolve: resolve again.
      c.shutdownNow();
      c = null;
    }
    if (c == null) {
      RegistryAddress a = addresses.get(index);
      // Resolved here (an IP literal costs nothing; a host name is looked up once per channel).
      InetSocketAddress resolved = new InetSocketAddress(a.host(), a.port());
      unresolved[index] = resolved.isUnresolved();
      c = build(resolved);
      channels[index] = c;
    } else if (c.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
      c.resetConnectBackoff();
    }
    return c;
  }

  /**
   * The channel to {@code address}, which need not be a configured registry (a cluster's leader,
   * decision 0114): created on first use, shut down with the others. At most {@link #MAX_EXTRA} are
   * kept; the least recently used is shut down to make room.
   */
  synchronized ManagedChannel channel(RegistryAddress address) {
    if (shutdown) {
      throw new IllegalStateException("client: closed");
    }
    ManagedChannel c = extra.get(address);
    if (c != null && c.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
      c.resetConnectBackoff();
    }
    if (c == null || c.isShutdown()) {
      InetSocketAddress resolved = new InetSocketAddress(address.host(), address.port());
      c = build(resolved);
      extra.put(address, c);
      if (extra.size() > MAX_EXTRA) {
        java.util.Iterator<ManagedChannel> eldest = extra.values().iterator();
        eldest.next().shutdownNow();
        eldest.remove();
      }
    }
    return c;
  }

  /** Most channels kept to addresses beyond the configured ones (a cluster has at most 9). */
  static final int MAX_EXTRA = 9;

  private ManagedChannel build(InetSocketAddress resolved) {
    NettyChannelBuilder b =
        NettyChannelBuilder.forAddress(resolved)
            .eventLoopGroup(group)
            .channelType(NioSocketChannel.class)
            .executor(executor)
            .offloadExecutor(executor)
            .proxyDetector(target -> null)
            .disableRetry()
            .keepAliveTime(Math.max(1, sessionTtl.toMillis() / 3), TimeUnit.MILLISECONDS)
            .keepAliveTimeout(Math.max(1, sessionTtl.toMillis() / 2), TimeUnit.MILLISECONDS)
            .intercept(interceptors);
    if (tls == null) {
      b.usePlaintext();
    } else {
      b.sslContext(tls.grpcContext()); // the host name is checked as given
    }
    return b.build();
  }

  /** The registry at {@code index} failed a call; when it is the current one, the next becomes. */
  void failed(int index) {
    if (index == current) {
      current = (current + 1) % addresses.size();
    }
  }

  /**
   * The session gave the registry at {@code index} up: nothing answered it since {@code
   * silentSinceNanos} (ticker time). It fails as {@link #failed(int)} says, and every view watching
   * it is told, to leave it too.
   */
  void gaveUp(int index, long silentSinceNanos) {
    failed(index);
    for (GiveUpListener l : giveUpListeners) {
      l.gaveUp(index, silentSinceNanos);
    }
  }

  /** Adds {@code l}, told of each registry the session gives up; removed with the result. */
  Runnable onGiveUp(GiveUpListener l) {
    giveUpListeners.add(l);
    return () -> giveUpListeners.remove(l);
  }

  /** Told of a registry the session gave up for silence; on the event thread. */
  interface GiveUpListener {
    void gaveUp(int index, long silentSinceNanos);
  }

  /** Shuts every channel down now and waits up to {@code timeoutMillis} for them to terminate. */
  void shutdown(long timeoutMillis) throws InterruptedException {
    List<ManagedChannel> all = new java.util.ArrayList<>();
    synchronized (this) {
      shutdown = true;
      all.addAll(java.util.Arrays.asList(channels));
      all.addAll(extra.values());
      extra.clear();
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    for (ManagedChannel c : all) {
      if (c != null) {
        c.shutdownNow();
      }
    }
    for (ManagedChannel c : all) {
      if (c != null) {
        c.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
    }
  }
}
