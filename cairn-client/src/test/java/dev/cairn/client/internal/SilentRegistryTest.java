package dev.cairn.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.client.CairnClient;
import dev.cairn.client.Closer;
import dev.cairn.client.Registration;
import dev.cairn.client.ServiceView;
import dev.cairn.common.Instance;
import dev.cairn.server.CairnServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A registry that goes silent (it takes connections and never answers: a paused process) is left by
 * the session while it opens and by every view, within half the session TTL (plus a check's
 * period), as one that refuses connections is at once; a view reports itself stale while it is not
 * kept current, and what the silent registry says when it wakes is never shown. Real servers over
 * real sockets; the bounds asserted are the documented one plus a generous margin.
 */
class SilentRegistryTest {

  private static final Duration TTL = Duration.ofSeconds(2);
  // Half the TTL and a check's period are 1.33 s; a loaded machine gets much more than that.
  private static final Duration BOUND = Duration.ofSeconds(15);
  // For a registry that freezes while the view's watch is live, a bound that still tells the
  // session's verdict (1.33 s) from the connection's keepalive ping, the backstop (10 s + 1 s).
  private static final Duration VIEW_BOUND = Duration.ofSeconds(8);

  private final Closer closer = new Closer();

  @AfterEach
  void closeAll() throws Exception {
    closer.close();
  }

  @Test
  void aRegistrySilentFromTheStartIsLeftBySessionAndViews() throws Exception {
    SilentSocket silent = closer.add(new SilentSocket());
    CairnServer live = closer.add(start());
    live.registry().register("default", instance("web", "w1")).join();
    CairnClient client =
        closer.add(client("127.0.0.1:" + silent.port() + "," + target(live)).build());

    Registration r = client.register(instance("orders", "o1"));
    ServiceView view = client.view("web");

    assertThat(view.awaitInstances(BOUND).get(BOUND.toSeconds() + 5, TimeUnit.SECONDS))
        .extracting(Instance::id)
        .containsExactly("w1");
    assertThat(r.registered().get(BOUND.toSeconds(), TimeUnit.SECONDS).id()).isEqualTo("o1");
    assertThat(ids(live.registry().service("default", "orders").instances())).containsExactly("o1");
    assertThat(silent.accepted()).isPositive();
  }

  @Test
  void aRegistryThatFreezesIsLeftByTheViewWhichIsStaleMeanwhileAndNeverGoesBack() throws Exception {
    CairnServer first = closer.add(start());
    CairnServer second = closer.add(start());
    first.registry().register("default", instance("web", "w-first")).join();
    second.registry().register("default", instance("web", "w-second")).join();
    CuttableProxy proxy = closer.add(new CuttableProxy(first.grpcAddress()));
    CairnClient client =
        closer.add(client("127.0.0.1:" + proxy.port() + "," + target(second)).build());
    client.register(instance("orders", "o1")).registered().get(20, TimeUnit.SECONDS);
    ServiceView view = client.view("web");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> ids(view.instances()).equals(List.of("w-first")) && !view.isStale());
    List<ServiceView.Snapshot> seen = new CopyOnWriteArrayList<>();
    view.addListener(seen::add);

    proxy.freeze();

    // The view and the session both move to the live registry.
    await()
        .atMost(VIEW_BOUND)
        .until(() -> ids(view.instances()).equals(List.of("w-second")) && !view.isStale());
    await()
        .atMost(BOUND)
        .until(() -> ids(second.registry().service("default", "orders").instances()).size() == 1);
    // Between leaving the silent registry and its first answer from the next, it said it was stale.
    assertThat(seen).anyMatch(ServiceView.Snapshot::isStale);

    // What the registry held while it was frozen, delivered late when it wakes, is never shown.
    first.registry().register("default", instance("web", "w-late")).join();
    proxy.thaw();
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(10))
        .until(() -> ids(view.instances()).equals(List.of("w-second")) && !view.isStale());
    List<String> afterMove =
        seen.stream()
            .dropWhile(s -> !ids(s.instances()).equals(List.of("w-second")))
            .map(s -> String.join(",", ids(s.instances())))
            .collect(Collectors.toList());
    assertThat(afterMove).containsOnly("w-second");
  }

  private CairnClient.Builder client(String registries) {
    return CairnClient.builder()
        .registries(registries)
        .spreadOverRegistries(false)
        .sessionTtl(TTL)
        .removalProtection(false)
        .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
        .shutdownHook(false);
  }

  private static CairnServer start() throws IOException {
    return CairnServer.builder().inMemory().httpPort(0).grpcPort(0).start();
  }

  private static Instance instance(String service, String id) {
    return Instance.builder(service, "10.0.0.1").id(id).port("grpc", 9000).build();
  }

  private static String target(CairnServer server) {
    InetSocketAddress a = server.grpcAddress();
    return "127.0.0.1:" + a.getPort();
  }

  private static List<String> ids(List<Instance> instances) {
    return instances.stream().map(Instance::id).collect(Collectors.toList());
  }

  /** A loopback port that takes every connection and never reads or writes a byte on it. */
  private static final class SilentSocket implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();

    SilentSocket() {
      try {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Thread t =
          new Thread(
              () -> {
                while (!server.isClosed()) {
                  try {
                    accepted.add(server.accept());
                  } catch (IOException e) {
                    return; // closed
                  }
                }
              },
              "silent-accept");
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return server.getLocalPort();
    }

    int accepted() {
      return accepted.size();
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket s : accepted) {
        s.close();
      }
    }
  }
}
