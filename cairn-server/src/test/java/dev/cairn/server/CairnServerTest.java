package dev.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.CairnException;
import dev.cairn.common.Instance;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.proto.v1.StatusRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CairnServerTest {

  @Test
  void startsOnEphemeralPortsAndNamesEachListener() throws IOException {
    try (CairnServer server = CairnServer.builder().inMemory().grpcPort(0).httpPort(0).start()) {
      InetSocketAddress grpc = server.grpcAddress();
      InetSocketAddress http = server.httpAddress();

      assertThat(grpc.getPort()).isPositive();
      assertThat(http.getPort()).isPositive().isNotEqualTo(grpc.getPort());
      assertThat(server.listenerLines())
          .containsExactly(
              "http  listening on http://127.0.0.1:" + http.getPort(),
              "grpc  listening on 127.0.0.1:" + grpc.getPort());
      try (Socket s = new Socket(http.getAddress(), http.getPort())) {
        assertThat(s.isConnected()).isTrue();
      }
    }
  }

  @Test
  void servesGrpcOnTheGrpcAddress() throws IOException {
    try (CairnServer server = CairnServer.builder().inMemory().grpcPort(0).httpPort(0).start()) {
      server.registry().register("default", Instance.builder("web", "10.0.0.1").build()).join();
      assertThat(grpcRevision(server)).isEqualTo(server.registry().revision());
    }
  }

  @Test
  void bindsIpv6Loopback() throws IOException {
    try (CairnServer server =
        CairnServer.builder().inMemory().bind("::1").grpcPort(0).httpPort(0).start()) {
      assertThat(server.listenerLines())
          .containsExactly(
              "http  listening on http://[::1]:" + server.httpAddress().getPort(),
              "grpc  listening on [::1]:" + server.grpcAddress().getPort());
    }
  }

  @Test
  void aDurableServerKeepsItsCatalogAcrossRestarts(@TempDir Path dataDir) throws IOException {
    long revision;
    try (CairnServer server =
        CairnServer.builder().dataDir(dataDir).grpcPort(0).httpPort(0).start()) {
      revision =
          server
              .registry()
              .register("default", Instance.builder("web", "10.0.0.1").id("web-1").build())
              .join()
              .modRevision();
    }

    try (CairnServer server =
        CairnServer.builder().dataDir(dataDir).grpcPort(0).httpPort(0).start()) {
      assertThat(server.registry().revision()).isEqualTo(revision);
      assertThat(server.registry().service("default", "web").instances())
          .extracting(Instance::id)
          .containsExactly("web-1");
    }
  }

  @Test
  void aSecondServerOnADataDirectoryInUseFailsAtOnce(@TempDir Path dataDir) throws IOException {
    try (CairnServer first =
        CairnServer.builder().dataDir(dataDir).grpcPort(0).httpPort(0).start()) {
      CairnServer second = CairnServer.builder().dataDir(dataDir).grpcPort(0).httpPort(0).build();

      assertThatThrownBy(second::start)
          .isInstanceOf(IOException.class)
          .hasMessage("data directory " + dataDir + " is in use by another Cairn server");
      first.registry().register("default", Instance.builder("web", "10.0.0.1").build()).join();
      assertThat(grpcRevision(first)).isEqualTo(first.registry().revision()).isPositive();
    }
  }

  @Test
  void anInMemoryServerForgetsItsCatalog() throws IOException {
    try (CairnServer server = CairnServer.builder().inMemory().grpcPort(0).httpPort(0).start()) {
      server.registry().register("default", Instance.builder("web", "10.0.0.1").build()).join();
    }

    try (CairnServer server = CairnServer.builder().inMemory().grpcPort(0).httpPort(0).start()) {
      assertThat(server.registry().revision()).isZero();
    }
  }

  @Test
  void closeIsIdempotentAndClosesTheRegistry() throws IOException {
    CairnServer server = CairnServer.builder().inMemory().grpcPort(0).httpPort(0).start();
    var registry = server.registry();

    server.close();
    server.close();

    assertThatThrownBy(
            () -> registry.register("default", Instance.builder("web", "10.0.0.1").build()).join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(CairnException.class);
    assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aBusyPortFailsTheStartAndLeavesNothingRunning() throws IOException {
    try (CairnServer first = CairnServer.builder().inMemory().grpcPort(0).httpPort(0).start()) {
      int busy = first.httpAddress().getPort();
      CairnServer second = CairnServer.builder().inMemory().grpcPort(0).httpPort(busy).build();

      assertThatThrownBy(second::start).isInstanceOf(IOException.class);
      assertThatThrownBy(second::start).isInstanceOf(IllegalStateException.class);
      second.close();
    }
  }

  @Test
  void startingTwiceIsAnError() throws IOException {
    try (CairnServer server = CairnServer.builder().inMemory().grpcPort(0).httpPort(0).start()) {
      assertThatThrownBy(server::start).hasMessage("state: STARTED (expected: NEW)");
    }
  }

  @Test
  void accessorsNeedAStartedServer() {
    CairnServer server = CairnServer.builder().inMemory().build();

    assertThatThrownBy(server::grpcAddress).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(server::registry).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void theBuilderChecksItsSettings() {
    assertThatThrownBy(() -> CairnServer.builder().httpPort(-1).build())
        .hasMessage("httpPort: -1 (expected: 0..65535)");
    assertThatThrownBy(() -> CairnServer.builder().grpcPort(65536).build())
        .hasMessage("grpcPort: 65536 (expected: 0..65535)");
    assertThatThrownBy(() -> CairnServer.builder().httpPort(9000).grpcPort(9000).build())
        .hasMessage("httpPort: 9000 (expected: different from grpcPort)");
    assertThatThrownBy(() -> CairnServer.builder().bind("").build())
        .hasMessage("bind: \"\" (expected: a host name or IP literal)");
    assertThatThrownBy(
            () ->
                CairnServer.builder().sessionDetachGrace(java.time.Duration.ofSeconds(-1)).build())
        .hasMessage("sessionDetachGrace: PT-1S (expected: >= 0)");
    assertThatThrownBy(() -> CairnServer.builder().protectionThreshold(2).build())
        .hasMessage("protectionThreshold: 2.0 (expected: 0..1)");
  }

  @Test
  void theProtectionThresholdBecomesTheServicesDefault() throws IOException {
    try (CairnServer server =
        CairnServer.builder().inMemory().httpPort(0).grpcPort(0).protectionThreshold(0.3).start()) {
      assertThat(server.registry().serviceConfig("", "web").protectionThreshold()).isEqualTo(0.3);
    }
  }

  @Test
  void theDefaultsAreDocumented() {
    assertThat(CairnServer.DEFAULT_BIND).isEqualTo("127.0.0.1");
    assertThat(CairnServer.DEFAULT_HTTP_PORT).isEqualTo(8500);
    assertThat(CairnServer.DEFAULT_GRPC_PORT).isEqualTo(8501);
    assertThat(CairnServer.DEFAULT_DATA_DIR.toString()).isEqualTo("data");
  }

  @Test
  void thePublicApiExposesNoInternalType() {
    List<String> leaks = new ArrayList<>();
    for (Class<?> c : List.of(CairnServer.class, CairnServer.Builder.class)) {
      for (Method m : c.getMethods()) {
        List<Class<?>> types = new ArrayList<>(List.of(m.getParameterTypes()));
        types.add(m.getReturnType());
        for (Class<?> t : types) {
          if (t.getName().contains(".internal.")) {
            leaks.add(c.getSimpleName() + "." + m.getName() + ": " + t.getName());
          }
        }
      }
    }
    assertThat(leaks).isEmpty();
  }

  /** The revision the server reports over gRPC. */
  private static long grpcRevision(CairnServer server) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(server.grpcAddress()).usePlaintext().build();
    try {
      return RegistryGrpc.newBlockingStub(channel)
          .withDeadlineAfter(30, TimeUnit.SECONDS)
          .status(StatusRequest.getDefaultInstance())
          .getRevision();
    } finally {
      channel.shutdownNow();
    }
  }
}
