package dev.cairn.client;

import static dev.cairn.client.Servers.ids;
import static dev.cairn.client.Servers.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.cairn.common.Instance;
import dev.cairn.proto.v1.SessionRequest;
import dev.cairn.server.CairnServer;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An instance the registry acknowledged stays the client's when registering it again is refused.
 * Here the client's session is lost while the registry still holds it (the resume does not reach
 * the registry, as when a client resumes on a member that no longer knows its session): the client
 * opens a new session, and registering its instance there is refused ({@code PERMISSION_DENIED}: it
 * belongs to another session) for as long as the old session holds it. The client tries again until
 * the old session's lease ended, and the instance comes back, owned by the new session; it is never
 * given up for good.
 */
class ReRegistrationTest {

  private final Closer closer = new Closer();

  @AfterEach
  void closeAll() throws Exception {
    closer.close();
  }

  @Test
  void anInstanceRefusedOnANewSessionIsRegisteredAgainOnceTheOldSessionEnds() throws Exception {
    // A broken stream's session waits 2 s to be resumed, as a member's death leaves it on a
    // cluster, instead of closing at once as a single node's does.
    CairnServer server =
        closer.add(
            CairnServer.builder()
                .inMemory()
                .httpPort(0)
                .grpcPort(0)
                .sessionDetachGrace(Duration.ofSeconds(2))
                .start());
    AtomicReference<ClientCall<?, ?>> stream = new AtomicReference<>();
    AtomicBoolean dropResume = new AtomicBoolean();
    CairnClient client =
        closer.add(
            CairnClient.builder()
                .registries(Servers.target(server))
                .sessionTtl(Duration.ofSeconds(2))
                .spreadOverRegistries(false)
                .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
                .interceptor(sessionStreams(stream, dropResume))
                .shutdownHook(false)
                .build());
    client.register(instance("orders", "o1")).registered().get(20, TimeUnit.SECONDS);
    String first = owner(server);
    assertThat(first).isNotEmpty();

    // The stream breaks and the next one opens a new session: the first still holds o1 until its
    // lease ends, so registering o1 on the new one is refused meanwhile.
    dropResume.set(true);
    stream.get().cancel("test: the session stream breaks", null);

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> !owner(server).isEmpty() && !owner(server).equals(first));
    assertThat(ids(server, "orders")).containsExactly("o1");
  }

  /** The session that holds o1 on {@code server}, or "" when it lists no o1. */
  private static String owner(CairnServer server) {
    return server.registry().service("default", "orders").instances().stream()
        .filter(i -> i.id().equals("o1"))
        .map(Instance::sessionId)
        .findFirst()
        .orElse("");
  }

  /**
   * Keeps the client's current session stream in {@code stream}; once {@code dropResume} is set,
   * opens sessions without the one to resume, as if the registry did not know it.
   */
  private static ClientInterceptor sessionStreams(
      AtomicReference<ClientCall<?, ?>> stream, AtomicBoolean dropResume) {
    return SessionStreams.wrapping(
        new SessionStreams.Wrapper() {
          @Override
          public <Q, A> ClientCall<Q, A> wrap(ClientCall<Q, A> next) {
            ClientCall<Q, A> call =
                new ForwardingClientCall.SimpleForwardingClientCall<>(next) {
                  @Override
                  @SuppressWarnings("unchecked")
                  public void sendMessage(Q message) {
                    SessionRequest request =
                        dropResume.get() && message instanceof byte[] bytes ? parse(bytes) : null;
                    if (request != null
                        && request.hasOpen()
                        && !request.getOpen().getResumeSessionId().isEmpty()) {
                      message =
                          (Q)
                              request.toBuilder()
                                  .setOpen(
                                      request.getOpen().toBuilder()
                                          .clearResumeSessionId()
                                          .clearResumeSessionSecret())
                                  .build()
                                  .toByteArray();
                    }
                    super.sendMessage(message);
                  }
                };
            stream.set(call);
            return call;
          }
        });
  }

  private static SessionRequest parse(byte[] bytes) {
    try {
      return SessionRequest.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }
}
