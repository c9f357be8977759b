package dev.cairn.client;

import static dev.cairn.client.Servers.ids;
import static dev.cairn.client.Servers.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.testing.CairnServerExtension;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An event lost on a watch that stays up is healed by the periodic reconcile. */
class ReconcileTest {

  @RegisterExtension CairnServerExtension server = CairnServerExtension.inMemory();

  /** Drops the next watch message once armed, as a lossy path would; counts watch calls. */
  private static final class LossyWatch implements ClientInterceptor {
    final AtomicBoolean dropNext = new AtomicBoolean();
    final AtomicInteger dropped = new AtomicInteger();
    final AtomicInteger watchCalls = new AtomicInteger();

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      ClientCall<Q, R> call = next.newCall(method, options);
      if (!method.equals(RegistryGrpc.getWatchWithAcksMethod())) {
        return call;
      }
      watchCalls.incrementAndGet();
      return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          super.start(
              new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                @Override
                public void onMessage(R message) {
                  if (dropNext.compareAndSet(true, false)) {
                    dropped.incrementAndGet();
                    call.request(1); // the view asked for one message; ask for the next
                    return;
                  }
                  super.onMessage(message);
                }
              },
              headers);
        }
      };
    }
  }

  @Test
  void aMissedEventIsHealedByTheReconcile() {
    LossyWatch lossy = new LossyWatch();
    server.registry().register("default", instance("hello", "h1")).join();
    try (CairnClient client =
        CairnClient.builder()
            .registries(server.grpcTarget())
            .shutdownHook(false)
            .reconcileInterval(Duration.ofMillis(200))
            .interceptor(lossy)
            .build()) {
      ServiceView view = client.view("hello");
      await().atMost(Duration.ofSeconds(10)).until(() -> view.instances().size() == 1);

      lossy.dropNext.set(true);
      server.registry().register("default", instance("hello", "h2")).join();

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> ids(view.instances()).equals(List.of("h1", "h2")));
      assertThat(lossy.dropped).hasValue(1);
      // The watch was never cut: only the reconcile could have brought h2.
      assertThat(lossy.watchCalls).hasValue(1);
      assertThat(view.isStale()).isFalse();
    }
  }
}
