package dev.cairn.xds.internal;

import dev.cairn.server.FrontDoor;
import dev.cairn.server.FrontDoorSecurity;
import dev.cairn.server.core.Registry;
import dev.cairn.xds.XdsOptions;
import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.server.DefaultExecutorGroup;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.controlplane.server.exception.RequestException;
import io.envoyproxy.controlplane.server.serializer.CachedProtoResourcesSerializer;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The xDS front door: a gRPC server with Envoy's aggregated discovery service (and the per-type
 * CDS/EDS/LDS/RDS services, for Envoys configured without ADS), answered from a snapshot cache that
 * a {@link CatalogMirror} keeps in step with the catalog. Streams hold no thread: requests run on a
 * small executor and pushes are written from the mirror's thread.
 */
public final class XdsServer implements FrontDoor {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(XdsServer.class);

  /** The protocol name in the server's listener lines ({@code XdsFrontDoor.PROTOCOL}). */
  public static final String PROTOCOL = "xds";

  /** The resource types whose subscription without names means every resource. */
  private static final java.util.Set<String> WILDCARD_TYPES =
      java.util.Set.of(
          "type.googleapis.com/envoy.config.cluster.v3.Cluster",
          "type.googleapis.com/envoy.config.listener.v3.Listener");

  private final Server server;
  private final CatalogMirror mirror;
  private final XdsAccess access;
  private final ExecutorService executor;
  private final StreamCount streams;
  private final InetSocketAddress address;
  private final AtomicBoolean closed = new AtomicBoolean();

  private XdsServer(
      Server server,
      CatalogMirror mirror,
      XdsAccess access,
      ExecutorService executor,
      StreamCount streams) {
    this.server = server;
    this.mirror = mirror;
    this.access = access;
    this.executor = executor;
    this.streams = streams;
    this.address = (InetSocketAddress) server.getListenSockets().get(0);
  }

  /**
   * Starts the mirror and binds the gRPC server on {@code bind}:{@code options.port()}, over the
   * server's TLS when it has a certificate.
   */
  public static XdsServer start(
      Registry registry, InetAddress bind, XdsOptions options, FrontDoorSecurity security)
      throws IOException {
    // A request's group is its stream's: the shared one, or the stream's filtered one (0176).
    SimpleCache<Object> cache = new SimpleCache<>(node -> XdsAccess.group());
    CatalogMirror mirror = new CatalogMirror(registry, options, cache);
    XdsAccess access =
        new XdsAccess(security, options.namespaces(), mirror, options.tokenCheckInterval());
    StreamCount streams = new StreamCount(access);
    // Each resource is encoded once per version, not once per stream it is sent on: the cached
    // serializer keeps the encoding while the mirror holds the resource (decision 0133).
    V3DiscoveryServer discovery =
        new V3DiscoveryServer(
            List.of(streams),
            answerWithWhatExists(cache),
            new DefaultExecutorGroup(),
            new CachedProtoResourcesSerializer());
    AtomicInteger threads = new AtomicInteger();
    ExecutorService executor =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "cairn-xds-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(bind, options.port()));
    security.grpcTls().ifPresent(builder::sslContext);
    Server server =
        builder
            .executor(executor)
            .addService(
                ServerInterceptors.intercept(discovery.getAggregatedDiscoveryServiceImpl(), access))
            .addService(
                ServerInterceptors.intercept(discovery.getClusterDiscoveryServiceImpl(), access))
            .addService(
                ServerInterceptors.intercept(discovery.getEndpointDiscoveryServiceImpl(), access))
            .addService(
                ServerInterceptors.intercept(discovery.getListenerDiscoveryServiceImpl(), access))
            .addService(
                ServerInterceptors.intercept(discovery.getRouteDiscoveryServiceImpl(), access))
            .build();
    try {
      server.start();
    } catch (IOException e) {
      mirror.close();
      access.close();
      executor.shutdownNow();
      throw new IOException(
          "cannot bind xds to "
              + bind.getHostAddress()
              + ":"
              + options.port()
              + ": "
              + e.getMessage(),
          e);
    }
    mirror.start();
    return new XdsServer(server, mirror, access, executor, streams);
  }

  /**
   * The cache, answering a state-of-the-world request that names resources with those of them that
   * exist (decision 0226). In ADS mode the library's cache does not answer such a request at all
   * while one of its names is missing, and a client's request names every resource of the type it
   * watches: one name that does not exist (a channel to a service not registered yet, or a service
   * whose last instance left) held back every update of that type to the client, and the client was
   * never told the resource was gone. Answered with the resources that exist, a client learns at
   * once that the others do not (for listeners and clusters, what grpc-java and Envoy read from a
   * state-of-the-world answer) and keeps getting the others' changes. Delta requests are unaffected
   * (the library answers them per resource).
   */
  static ConfigWatcher answerWithWhatExists(SimpleCache<Object> cache) {
    return new ConfigWatcher() {
      @Override
      public Watch createWatch(
          boolean ads,
          XdsRequest request,
          Set<String> knownResourceNames,
          Consumer<Response> responseConsumer,
          boolean hasClusterChanged,
          boolean allowDefaultEmptyEdsUpdate) {
        return cache.createWatch(
            false,
            request,
            knownResourceNames,
            responseConsumer,
            hasClusterChanged,
            allowDefaultEmptyEdsUpdate);
      }

      @Override
      public DeltaWatch createDeltaWatch(
          DeltaXdsRequest request,
          String requesterVersion,
          Map<String, String> resourceVersions,
          Set<String> pendingResources,
          boolean isWildcard,
          Consumer<DeltaResponse> responseConsumer,
          boolean hasClusterChanged) {
        return cache.createDeltaWatch(
            request,
            requesterVersion,
            resourceVersions,
            pendingResources,
            isWildcard,
            responseConsumer,
            hasClusterChanged);
      }
    };
  }

  @Override
  public String protocol() {
    return PROTOCOL;
  }

  @Override
  public InetSocketAddress address() {
    return address;
  }

  @Override
  public String endpoint() {
    return FrontDoor.hostPort(address);
  }

  /**
   * The gRPC services served, every one behind {@link XdsAccess}: their methods are this front
   * door's route table, which its ACL test enumerates.
   */
  public List<io.grpc.ServerServiceDefinition> services() {
    return server.getServices();
  }

  /** The filtered snapshots served now (decision 0176). */
  public int filteredSnapshotCount() {
    return mirror.filteredGroups();
  }

  /** The discovery streams open now. */
  public int streamCount() {
    return streams.open.get();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    server.shutdownNow();
    access.close();
    mirror.close();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    executor.shutdownNow();
  }

  /** Counts open streams and checks each request's token (see {@link XdsAccess#check}). */
  private static final class StreamCount
      implements io.envoyproxy.controlplane.server.DiscoveryServerCallbacks {
    final AtomicInteger open = new AtomicInteger();
    private final XdsAccess access;

    StreamCount(XdsAccess access) {
      this.access = access;
    }

    @Override
    public void onStreamOpen(long streamId, String typeUrl) {
      open.incrementAndGet();
    }

    @Override
    public void onStreamClose(long streamId, String typeUrl) {
      open.decrementAndGet();
    }

    @Override
    public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
      open.decrementAndGet();
    }

    @Override
    public void onV3StreamRequest(
        long streamId, io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest request)
        throws RequestException {
      // Only clusters and listeners have wildcard subscriptions (no names).
      boolean wildcard =
          request.getResourceNamesCount() == 0 && WILDCARD_TYPES.contains(request.getTypeUrl());
      access.check(request.getTypeUrl(), true, wildcard, request.getResourceNamesList(), List.of());
      if (request.hasErrorDetail()) {
        nack(
            streamId,
            request.getNode(),
            request.getTypeUrl(),
            request.getVersionInfo(),
            request.getResponseNonce(),
            request.getErrorDetail());
      }
    }

    @Override
    public void onV3StreamDeltaRequest(
        long streamId, io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest request)
        throws RequestException {
      // A first request subscribing to nothing is a wildcard one; later ones only add names.
      boolean wildcard =
          request.getResponseNonce().isEmpty()
              && request.getResourceNamesSubscribeCount() == 0
              && WILDCARD_TYPES.contains(request.getTypeUrl());
      access.check(
          request.getTypeUrl(),
          false,
          wildcard,
          request.getResourceNamesSubscribeList(),
          request.getResourceNamesUnsubscribeList());
      if (request.hasErrorDetail()) {
        nack(
            streamId,
            request.getNode(),
            request.getTypeUrl(),
            "(delta)",
            request.getResponseNonce(),
            request.getErrorDetail());
      }
    }

    /**
     * Logs a client's rejection of what it was sent: the client keeps its previous resources of the
     * type (or none, if it had none), so an operator needs to see which node refused what, and why.
     */
    private static void nack(
        long streamId,
        io.envoyproxy.envoy.config.core.v3.Node node,
        String typeUrl,
        String version,
        String nonce,
        com.google.rpc.Status error) {
      LOG.warn(
          "xds: node '{}' (cluster '{}', stream {}) rejected {} (NACK of nonce {}; it keeps version"
              + " '{}'): {}",
          printable(node.getId()),
          printable(node.getCluster()),
          streamId,
          printable(typeUrl.substring(typeUrl.lastIndexOf('.') + 1)),
          printable(nonce),
          printable(version),
          printable(error.getMessage()));
    }

    /** What a client sent, safe for a log line: control characters escaped, at most 1,000 chars. */
    static String printable(String s) {
      StringBuilder b = new StringBuilder(Math.min(s.length(), 1000) + 8);
      for (int i = 0; i < s.length() && b.length() < 1000; i++) {
        char c = s.charAt(i);
        if (c < 0x20 || c == 0x7f) {
          b.append(String.format("\\u%04x", (int) c));
        } else {
          b.append(c);
        }
      }
      return b.length() < 1000 ? b.toString() : b + "...";
    }
  }
}
