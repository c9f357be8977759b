package dev.cairn.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.cairn.client.CairnClient;
import dev.cairn.client.Closer;
import dev.cairn.client.SessionStreams;
import dev.cairn.common.Instance;
import dev.cairn.proto.v1.SessionRequest;
import dev.cairn.proto.v1.SessionResponse;
import dev.cairn.server.cluster.LocalCluster;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member that knows no leader does not answer keepalives (decision 0187): the lease that counts
 * is the leader's, and a member cut off from the others cannot renew it. Its client, unanswered,
 * gives it up after half its session TTL and resumes the session on another member (decision 0185).
 * A member that answered them (as it did before) kept its client, and the leader on the other side
 * of the partition expired the session: its instances were removed and registered again.
 *
 * <p>Here the member loses its leader because the other two members are closed; what the client
 * sees is the same as in a partition that leaves it with the member (the partition script's
 * scenario d). The client's clock is a fake one the test moves; the members' leases run on real
 * time with a TTL long enough that nothing expires while the test runs.
 */
class LeaderlessMemberTest {

  private static final Duration TTL = Duration.ofSeconds(30);

  @TempDir Path dir;

  private final Closer closer = new Closer();

  @AfterEach
  void closeAll() throws Exception {
    closer.close();
  }

  @Test
  void aMemberWithoutALeaderHoldsKeepaliveAnswersAndItsClientLeaves() throws Exception {
    LocalCluster cluster = closer.add(LocalCluster.start(3, dir));
    int leader = cluster.awaitLeader();
    int attached = (leader + 1) % 3;
    AtomicLong now = new AtomicLong();
    AtomicInteger streams = new AtomicInteger();
    AtomicInteger keepAlives = new AtomicInteger();
    AtomicInteger answers = new AtomicInteger();
    CairnClient client =
        closer.add(
            CairnClient.builder()
                .registries("127.0.0.1:" + cluster.server(attached).grpcAddress().getPort())
                .sessionTtl(TTL)
                .ticker(now::get)
                .spreadOverRegistries(false)
                .sessionsOnLeader(false)
                .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
                .interceptor(countKeepAlives(streams, keepAlives, answers))
                .shutdownHook(false)
                .build());
    client
        .register(Instance.builder("orders", "10.0.0.1").id("o1").port("grpc", 9000).build())
        .registered()
        .get(20, TimeUnit.SECONDS);
    assertThat(streams).hasValue(1);

    // The member's leader and the other member go: it knows no leader.
    for (int i = 0; i < 3; i++) {
      if (i != attached) {
        cluster.server(i).close();
      }
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> !cluster.server(attached).registry().cluster().status().hasLeader());

    // A third of the TTL on: the client sends a keepalive, which is not answered.
    now.addAndGet(TTL.toNanos() * 35 / 100);
    await().atMost(Duration.ofSeconds(20)).until(() -> keepAlives.get() == 1);
    await()
        .during(Duration.ofMillis(1500))
        .atMost(Duration.ofSeconds(3))
        .until(() -> answers.get() == 0);

    // Past half the TTL without an answer: the client gives the member up and opens its session
    // stream again (here on the same member, the only one it knows).
    now.addAndGet(TTL.toNanos() * 20 / 100);
    await().atMost(Duration.ofSeconds(20)).until(() -> streams.get() >= 2);
    assertThat(answers).hasValue(0);
  }

  /**
   * Counts the client's session streams, the keepalives it sends on them and the answers it gets.
   */
  private static ClientInterceptor countKeepAlives(
      AtomicInteger streams, AtomicInteger keepAlives, AtomicInteger answers) {
    return SessionStreams.wrapping(
        new SessionStreams.Wrapper() {
          @Override
          public <Q, A> ClientCall<Q, A> wrap(ClientCall<Q, A> next) {
            streams.incrementAndGet();
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next) {
              @Override
              public void start(Listener<A> listener, Metadata headers) {
                super.start(
                    new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(
                        listener) {
                      @Override
                      public void onMessage(A message) {
                        if (message instanceof SessionResponse r && r.hasKeepAliveAck()) {
                          answers.incrementAndGet();
                        }
                        super.onMessage(message);
                      }
                    },
                    headers);
              }

              @Override
              public void sendMessage(Q message) {
                if (isKeepAlive(message)) {
                  keepAlives.incrementAndGet();
                }
                super.sendMessage(message);
              }
            };
          }
        });
  }

  private static boolean isKeepAlive(Object message) {
    if (message instanceof SessionRequest r) {
      return r.hasKeepAlive();
    }
    if (message instanceof byte[] bytes) {
      try {
        return SessionRequest.parseFrom(bytes).hasKeepAlive();
      } catch (InvalidProtocolBufferException e) {
        return false;
      }
    }
    return false;
  }
}
