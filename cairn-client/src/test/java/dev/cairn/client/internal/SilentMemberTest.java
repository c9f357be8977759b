package dev.cairn.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.client.CairnClient;
import dev.cairn.client.Closer;
import dev.cairn.client.ServiceView;
import dev.cairn.common.Instance;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.server.CairnServer;
import dev.cairn.server.cluster.LocalCluster;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client whose member goes silent (a network partition: the connection stays open, nothing gets
 * through, no RST) gives it up once half its session TTL passed without a keepalive answer, and
 * resumes its session on another member, while the lease renewed by its last keepalive still runs:
 * its instance is never removed or registered again, and a watcher on another member sees no change
 * (decision 0185). A member that dies resets the connection, which the client sees at once ({@code
 * ClusterFailoverTest}); a silent one only shows in keepalives that are not answered.
 *
 * <p>The client's clock is a fake one the test moves: silence of 0.55 TTL must be enough to move
 * (the client used to wait for two thirds of the TTL, on ticks a third of the TTL apart, i.e. up to
 * a whole TTL, when the lease runs out). The members' leases run on real time with a TTL long
 * enough that nothing expires while the test runs.
 */
class SilentMemberTest {

  private static final Duration TTL = Duration.ofSeconds(60);

  @TempDir Path dir;

  private final Closer closer = new Closer();

  @AfterEach
  void closeAll() throws Exception {
    closer.close();
  }

  @Test
  void aClientGivesASilentMemberUpAfterHalfItsTtlAndResumesElsewhere() throws Exception {
    LocalCluster cluster = closer.add(LocalCluster.start(3, dir));
    int leader = cluster.awaitLeader();
    int attached = (leader + 1) % 3;
    int watcherMember = (leader + 2) % 3;
    CuttableProxy proxy = closer.add(new CuttableProxy(cluster.server(attached).grpcAddress()));
    AtomicLong now = new AtomicLong();
    List<String> sessionStreams = new CopyOnWriteArrayList<>();

    // The owner's session is on `attached`, through the proxy; then the leader.
    CairnClient owner =
        closer.add(
            CairnClient.builder()
                .registries("127.0.0.1:" + proxy.port() + "," + target(cluster.server(leader)))
                .sessionTtl(TTL)
                .ticker(now::get)
                .spreadOverRegistries(false)
                .sessionsOnLeader(false)
                .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
                .interceptor(recordSessionStreams(sessionStreams))
                .shutdownHook(false)
                .build());
    owner
        .register(Instance.builder("orders", "10.0.0.1").id("o1").port("grpc", 9000).build())
        .registered()
        .get(20, TimeUnit.SECONDS);
    assertThat(sessionStreams).containsExactly("127.0.0.1:" + proxy.port());
    CairnClient watcher =
        closer.add(
            CairnClient.builder()
                .registries(target(cluster.server(watcherMember)))
                .spreadOverRegistries(false)
                .shutdownHook(false)
                .build());
    ServiceView view = watcher.view("orders");
    await().atMost(Duration.ofSeconds(20)).until(() -> ids(view.instances()).equals(List.of("o1")));
    long revision = cluster.server(leader).registry().service("default", "orders").revision();
    List<String> changes = new CopyOnWriteArrayList<>();
    view.addListener(s -> changes.add(String.join(",", ids(s.instances()))));

    proxy.silence();
    now.addAndGet(TTL.toNanos() * 55 / 100);

    // Given up, and the session opened again on the leader (not through the silent proxy).
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> sessionStreams.contains(target(cluster.server(leader))));
    // Resumed, not opened anew: the instance was not registered again, nothing changed.
    assertThat(changes).allMatch(c -> c.equals("o1"));
    assertThat(cluster.server(leader).registry().service("default", "orders").revision())
        .isEqualTo(revision);
    // Still the client's: closing it removes the instance.
    owner.close();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> ids(view.instances()).isEmpty() && !changes.isEmpty());
  }

  /** Records the authority of every session stream the client opens. */
  private static ClientInterceptor recordSessionStreams(List<String> authorities) {
    return new ClientInterceptor() {
      @Override
      public <Q, A> ClientCall<Q, A> interceptCall(
          MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
        if (method
            .getFullMethodName()
            .equals(RegistryGrpc.getSessionMethod().getFullMethodName())) {
          authorities.add(next.authority());
        }
        return next.newCall(method, options);
      }
    };
  }

  private static String target(CairnServer server) {
    InetSocketAddress a = server.grpcAddress();
    return "127.0.0.1:" + a.getPort();
  }

  private static List<String> ids(List<Instance> instances) {
    return instances.stream().map(Instance::id).collect(Collectors.toList());
  }
}
