package dev.cairn.xds;

import dev.cairn.testing.CairnServerExtension;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bare ADS client over the Envoy API's own stubs: opens state-of-the-world or delta streams and
 * queues what the server sends, for the protocol tests (versions, nonces, resume, delta).
 */
final class XdsTestClient implements AutoCloseable {

  static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  static final String EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
  static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

  static final Node NODE = Node.newBuilder().setId("test-client").setCluster("test").build();

  private final ManagedChannel channel;

  XdsTestClient(int port) {
    this(NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build());
  }

  /** Over {@code channel} (e.g. a TLS one); closing the client shuts it down. */
  XdsTestClient(ManagedChannel channel) {
    this.channel = channel;
  }

  static XdsTestClient of(CairnServerExtension cairn) {
    return new XdsTestClient(cairn.server().frontDoors().get(0).address().getPort());
  }

  /**
   * The names of the resources of {@code typeUrl} (all of them) in one state-of-the-world fetch.
   */
  static List<String> fetch(CairnServerExtension cairn, String typeUrl) throws Exception {
    try (XdsTestClient client = of(cairn)) {
      Stream s = client.stream();
      s.send(DiscoveryRequest.newBuilder().setNode(NODE).setTypeUrl(typeUrl).build());
      List<String> names = new ArrayList<>();
      for (var any : s.next().getResourcesList()) {
        names.add(XdsProtocolTest.name(any));
      }
      return names;
    }
  }

  Stream stream() {
    Stream s = new Stream();
    s.requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(s);
    return s;
  }

  DeltaStream deltaStream() {
    DeltaStream s = new DeltaStream();
    s.requests = AggregatedDiscoveryServiceGrpc.newStub(channel).deltaAggregatedResources(s);
    return s;
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }

  /** What one stream received, in order: responses, then an error or "completed". */
  abstract static class Received<Q, R> implements StreamObserver<R> {
    final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
    private final Class<R> type;
    StreamObserver<Q> requests;

    Received(Class<R> type) {
      this.type = type;
    }

    void send(Q request) {
      requests.onNext(request);
    }

    /** The next response; fails after 10 s without one, or when the stream ended. */
    R next() throws InterruptedException {
      Object o = received.poll(10, TimeUnit.SECONDS);
      if (type.isInstance(o)) {
        return type.cast(o);
      }
      throw new AssertionError("no response: " + o);
    }

    @Override
    public void onNext(R value) {
      received.add(value);
    }

    @Override
    public void onError(Throwable t) {
      received.add(t);
    }

    @Override
    public void onCompleted() {
      received.add("completed");
    }
  }

  /** A state-of-the-world ADS stream. */
  static final class Stream extends Received<DiscoveryRequest, DiscoveryResponse> {
    Stream() {
      super(DiscoveryResponse.class);
    }
  }

  /** A delta (incremental) ADS stream. */
  static final class DeltaStream extends Received<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
    DeltaStream() {
      super(DeltaDiscoveryResponse.class);
    }

    static List<String> names(DeltaDiscoveryResponse r) {
      return r.getResourcesList().stream().map(Resource::getName).toList();
    }
  }
}
