package dev.cairn.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.client.CairnClient;
import dev.cairn.testing.CairnServerExtension;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The retry interceptor and deadline propagation, with real servers. */
class RetriesAndDeadlinesTest {

  @RegisterExtension CairnServerExtension registry = CairnServerExtension.inMemory();

  private CairnClient client;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @BeforeEach
  void client() {
    client = CairnClient.builder().registries(registry.grpcTarget()).shutdownHook(false).build();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    client.close();
  }

  private void serve(String service, String id, ServerServiceDefinition definition)
      throws Exception {
    CairnGrpcServer s =
        CairnGrpcServer.builder(
                client,
                service,
                NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .addService(definition))
            .id(id)
            .shutdownGrace(Duration.ZERO)
            .start();
    toClose.add(s);
    s.registration().registered().get(10, TimeUnit.SECONDS);
  }

  private ManagedChannel channel(String target) {
    ManagedChannel c = CairnGrpc.channelBuilder(target).build();
    toClose.add(() -> c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return c;
  }

  private static int successes(ManagedChannel c, MethodDescriptor<String, String> method) {
    int ok = 0;
    for (int i = 0; i < 20; i++) {
      try {
        ClientCalls.blockingUnaryCall(
            c, method, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), "hi");
        ok++;
      } catch (StatusRuntimeException e) {
        // counted as a failure
      }
    }
    return ok;
  }

  @Test
  void idempotentCallsAreRetriedOnAnotherInstanceOthersAreNot() throws Exception {
    serve("hello", "good", Echo.service("good"));
    serve("hello", "bad", Echo.failing());
    ManagedChannel c = channel("cairn://" + registry.grpcTarget() + "/hello?lb=round_robin");
    Echo.who(c, Duration.ofSeconds(10));

    assertThat(successes(c, Echo.WHO)).isEqualTo(20);
    assertThat(successes(c, Echo.WHO_ONCE)).isBetween(5, 15);
  }

  @Test
  void deadlinesPropagateThroughAServerToItsOwnCalls() throws Exception {
    // "back" answers with the deadline it sees; "front" calls back on cairn:///back.
    MethodDescriptor<String, String> remaining =
        Echo.WHO.toBuilder().setFullMethodName("test.Back/Remaining").build();
    serve(
        "back",
        "back-1",
        ServerServiceDefinition.builder("test.Back")
            .addMethod(
                remaining,
                ServerCalls.asyncUnaryCall(
                    (request, out) -> {
                      Deadline d = Context.current().getDeadline();
                      out.onNext(
                          d == null
                              ? "none"
                              : Long.toString(d.timeRemaining(TimeUnit.MILLISECONDS)));
                      out.onCompleted();
                    }))
            .build());
    ManagedChannel toBack = channel("cairn://" + registry.grpcTarget() + "/back");
    serve(
        "front",
        "front-1",
        ServerServiceDefinition.builder("test.Echo")
            .addMethod(
                Echo.WHO,
                ServerCalls.asyncUnaryCall(
                    (request, out) -> {
                      // No deadline set here: it comes from the incoming call's Context.
                      out.onNext(
                          ClientCalls.blockingUnaryCall(
                              toBack, remaining, CallOptions.DEFAULT, request));
                      out.onCompleted();
                    }))
            .build());
    ManagedChannel toFront = channel("cairn://" + registry.grpcTarget() + "/front");

    String seen = Echo.who(toFront, Duration.ofSeconds(3));

    assertThat(seen).isNotEqualTo("none");
    assertThat(Long.parseLong(seen)).isBetween(1L, 3_000L);
  }
}
