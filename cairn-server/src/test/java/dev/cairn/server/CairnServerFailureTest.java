package dev.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Instance;
import dev.cairn.server.core.BreakableLog;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A server whose command log fails closes itself rather than serve without writing. */
class CairnServerFailureTest {

  @Test
  void aFailedLogClosesTheServerAndWhenClosedSaysWhy() throws Exception {
    BreakableLog log = new BreakableLog();
    try (CairnServer server =
        CairnServer.builder().commandLog(log).grpcPort(0).httpPort(0).dnsPort(0).start()) {
      server.registry().register("", Instance.builder("web", "10.0.0.1").build()).join();
      InetSocketAddress http = server.httpAddress();
      InetSocketAddress grpc = server.grpcAddress();
      CompletableFuture<Void> closed = server.whenClosed();
      assertThat(closed).isNotDone();

      log.breakWith(new StackOverflowError("deep"));
      server.registry().register("", Instance.builder("web", "10.0.0.2").build());

      assertThatThrownBy(() -> closed.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              CairnException.class,
              e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
                assertThat(e).hasMessageContaining("StackOverflowError: deep");
              });
      // The listeners are closed by then: clients fail over instead of talking to a zombie.
      assertRefused(http);
      assertRefused(grpc);
      server.close(); // still idempotent
      assertThat(server.whenClosed()).isCompletedExceptionally();
    }
  }

  @Test
  void closeCompletesWhenClosedNormally() throws Exception {
    CairnServer server = CairnServer.builder().inMemory().grpcPort(0).httpPort(0).start();
    CompletableFuture<Void> closed = server.whenClosed();

    server.close();

    assertThat(closed).isCompleted().isNotCompletedExceptionally();
  }

  private static void assertRefused(InetSocketAddress address) {
    assertThatThrownBy(() -> new Socket(address.getAddress(), address.getPort()).close())
        .isInstanceOf(ConnectException.class);
  }
}
