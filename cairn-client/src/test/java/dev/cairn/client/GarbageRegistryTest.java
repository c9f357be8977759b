package dev.cairn.client;

import static dev.cairn.client.Servers.ids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.proto.v1.GetServiceRequest;
import dev.cairn.proto.v1.GetServiceResponse;
import dev.cairn.proto.v1.Instance;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.proto.v1.ServiceSnapshot;
import dev.cairn.proto.v1.WatchClientMessage;
import dev.cairn.proto.v1.WatchRequest;
import dev.cairn.proto.v1.WatchResponse;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A registry that answers garbage (instances that fail validation, then a broken stream) and a
 * second "registry" that is not gRPC at all: the view keeps its last good instances throughout.
 */
class GarbageRegistryTest {

  private static Instance good(String id) {
    return Instance.newBuilder()
        .setId(id)
        .setService("hello")
        .setAddress("10.0.0.1")
        .putPorts("grpc", 9000)
        .setModRevision(1)
        .build();
  }

  private static final Instance BAD =
      Instance.newBuilder().setId("x").setService("hello").setAddress("bad host!").build();

  /** First watch: a good snapshot, then garbage. Later calls: garbage, then a broken stream. */
  private static final class GarbageRegistry extends RegistryGrpc.RegistryImplBase {
    final AtomicInteger watches = new AtomicInteger();

    // The SDK's views watch with acknowledgements; acks are ignored here.
    @Override
    public StreamObserver<WatchClientMessage> watchWithAcks(StreamObserver<WatchResponse> out) {
      return new StreamObserver<>() {
        @Override
        public void onNext(WatchClientMessage m) {
          if (m.hasWatch()) {
            watch(m.getWatch(), out);
          }
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      };
    }

    @Override
    public void watch(WatchRequest request, StreamObserver<WatchResponse> out) {
      WatchResponse garbage =
          WatchResponse.newBuilder()
              .setRevision(5)
              .setSnapshot(ServiceSnapshot.newBuilder().addInstances(good("h3")).addInstances(BAD))
              .build();
      if (watches.incrementAndGet() == 1) {
        out.onNext(
            WatchResponse.newBuilder()
                .setRevision(1)
                .setSnapshot(
                    ServiceSnapshot.newBuilder().addInstances(good("h1")).addInstances(good("h2")))
                .build());
        out.onNext(garbage);
        return; // stays open; the client cuts it
      }
      out.onNext(garbage);
      out.onError(Status.UNAVAILABLE.withDescription("cut mid-stream").asRuntimeException());
    }

    @Override
    public void getService(GetServiceRequest request, StreamObserver<GetServiceResponse> out) {
      out.onNext(GetServiceResponse.newBuilder().setRevision(9).addInstances(BAD).build());
      out.onCompleted();
    }
  }

  /** Accepts connections, writes bytes that are not HTTP/2, and closes them. */
  private static final class JunkServer implements AutoCloseable {
    final ServerSocket socket;
    final AtomicInteger connections = new AtomicInteger();
    final Thread thread;

    JunkServer() throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      thread = new Thread(this::serve, "test-junk-server");
      thread.start();
    }

    private void serve() {
      while (!socket.isClosed()) {
        try (Socket s = socket.accept()) {
          connections.incrementAndGet();
          OutputStream out = s.getOutputStream();
          out.write("HTTP/1.1 200 OK\r\n\r\n\u0000\u0000garbage".getBytes(StandardCharsets.UTF_8));
          out.flush();
        } catch (IOException e) {
          // closed, or the client hung up
        }
      }
    }

    @Override
    public void close() throws Exception {
      socket.close();
      thread.join(5_000);
    }
  }

  @Test
  void garbageAndBrokenStreamsLeaveTheLastGoodInstances() throws Exception {
    GarbageRegistry registry = new GarbageRegistry();
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(registry)
            .build()
            .start();
    try (JunkServer junk = new JunkServer();
        CairnClient client =
            CairnClient.builder()
                .registries(
                    "127.0.0.1:" + server.getPort() + ",127.0.0.1:" + junk.socket.getLocalPort())
                .shutdownHook(false)
                .reconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(50))
                .reconcileInterval(Duration.ofMillis(50))
                .build()) {
      ServiceView view = client.view("hello");

      await().atMost(Duration.ofSeconds(10)).until(() -> registry.watches.get() >= 3);
      await().atMost(Duration.ofSeconds(10)).until(() -> junk.connections.get() >= 1);

      assertThat(ids(view.instances())).containsExactly("h1", "h2");
      assertThat(view.revision()).isEqualTo(1);
      assertThat(view.isStale()).isTrue();
    } finally {
      server.shutdownNow().awaitTermination();
    }
  }
}
