package dev.cairn.client;

import static dev.cairn.client.Servers.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.proto.v1.SessionResponse;
import dev.cairn.server.core.RegistryOptions;
import dev.cairn.testing.CairnServerExtension;
import dev.cairn.testing.clock.FakeTicker;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The client's keepalives hold its session past its TTL. The server's leases run on a fake ticker
 * that only the test moves, each step after the server acknowledged one more keepalive: three TTLs
 * of server time pass without the session expiring, whatever the machine's load (the real clock
 * only paces the client's keepalives, and nothing here asserts how fast they come).
 */
class SessionKeepAliveTest {

  private static final Duration TTL = Duration.ofSeconds(1);

  private final FakeTicker ticker = FakeTicker.create();

  @RegisterExtension
  final CairnServerExtension server =
      CairnServerExtension.inMemory()
          .configure(
              b ->
                  b.registryOptions(
                      RegistryOptions.builder().ticker(ticker).autoExpireSessions(false).build()));

  private final AtomicInteger acks = new AtomicInteger();

  @Test
  void keepalivesHoldTheSessionPastItsTtl() throws Exception {
    try (CairnClient client =
        CairnClient.builder()
            .registries(server.grpcTarget())
            .shutdownHook(false)
            .sessionTtl(TTL)
            .interceptor(new AckCounter())
            .build()) {
      client.register(instance("orders", "o1")).registered().get(10, TimeUnit.SECONDS);

      for (int step = 0; step < 9; step++) {
        int seen = acks.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> acks.get() > seen);
        // Server time moves 0.4 TTL past the lease renewed by that keepalive: still alive. Had
        // the keepalives not renewed it, the lease from the registration would end at step 3.
        ticker.advance(TTL.multipliedBy(4).dividedBy(10));
        server.registry().expireSessions();
        assertThat(server.registry().sessionCount()).as("step %d", step).isEqualTo(1);
      }
      assertThat(server.registry().service("default", "orders").instances()).hasSize(1);
    }
  }

  /** Counts the keepalive acknowledgements the client receives on its session stream. */
  private final class AckCounter implements ClientInterceptor {
    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          super.start(
              new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                @Override
                public void onMessage(R message) {
                  if (message instanceof SessionResponse
                      && ((SessionResponse) message).hasKeepAliveAck()) {
                    acks.incrementAndGet();
                  }
                  super.onMessage(message);
                }
              },
              headers);
        }
      };
    }
  }
}
