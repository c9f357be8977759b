package dev.cairn.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.Instance;
import dev.cairn.server.core.ServiceEvent;
import dev.cairn.server.core.Watch;
import dev.cairn.server.core.WatchListener;
import dev.cairn.testing.CairnServerExtension;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * 1,000 xDS clients (one connection and one ADS stream each) held by one server: threads they cost,
 * and how long after a registration each sees it, against Cairn's own watch in the same run. Run on
 * request: {@code mvn -pl cairn-xds -am verify -Dgroups=bench -DexcludedGroups=
 * -Dtest=XdsFanOutBench -Dsurefire.failIfNoSpecifiedTests=false} ({@code -Dclients=N}: another
 * count).
 */
@Tag("bench")
class XdsFanOutBench {

  private static final int CLIENTS = Integer.getInteger("clients", 1_000);
  private static final int CHANGES = Integer.getInteger("changes", 50);

  @RegisterExtension
  final CairnServerExtension cairn =
      CairnServerExtension.inMemory()
          .configure(b -> b.frontDoor(XdsFrontDoor.factory(XdsOptions.builder().port(0).build())));

  @Test
  void thousandClients() throws Exception {
    register(0);
    int port = cairn.server().frontDoors().get(0).address().getPort();
    int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
    // Arrival times of each version at each client, and at Cairn's own watch.
    ConcurrentHashMap<Long, ConcurrentLinkedQueue<Long>> arrivals = new ConcurrentHashMap<>();
    ConcurrentHashMap<Long, Long> native_ = new ConcurrentHashMap<>();
    Watch watch =
        cairn
            .registry()
            .watchService(
                "default",
                "hello",
                cairn.registry().revision(),
                new WatchListener() {
                  @Override
                  public void onEvents(List<ServiceEvent> events) {
                    long now = System.nanoTime();
                    events.forEach(e -> native_.putIfAbsent(e.revision(), now));
                  }
                });
    List<ManagedChannel> channels = new ArrayList<>();
    AtomicInteger first = new AtomicInteger();
    for (int c = 0; c < CLIENTS; c++) {
      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
      channels.add(ch);
      Client client = new Client(arrivals, first);
      client.requests =
          AggregatedDiscoveryServiceGrpc.newStub(ch).streamAggregatedResources(client);
      client.requests.onNext(request("", ""));
    }
    await().atMost(Duration.ofSeconds(120)).until(() -> first.get() == CLIENTS);
    int threadsHeld = ManagementFactory.getThreadMXBean().getThreadCount();
    long xdsThreads =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().startsWith("cairn-xds"))
            .count();

    long[] xds = new long[CHANGES * CLIENTS];
    long[] own = new long[CHANGES];
    int n = 0;
    for (int i = 1; i <= CHANGES; i++) {
      long t0 = System.nanoTime();
      long revision = register(i).modRevision();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  arrivals.getOrDefault(revision, new ConcurrentLinkedQueue<>()).size() == CLIENTS);
      own[i - 1] = native_.get(revision) - t0;
      for (long at : arrivals.get(revision)) {
        xds[n++] = at - t0;
      }
    }
    watch.close();
    channels.forEach(ManagedChannel::shutdownNow);
    System.out.printf(
        "xds fan-out: %d clients, %d changes; threads: %d before, %d with the clients held (%d"
            + " cairn-xds*); register->seen ms: own watch p50 %.2f p99 %.2f | xds p50 %.2f p99 %.2f"
            + " max %.2f%n",
        CLIENTS,
        CHANGES,
        threadsBefore,
        threadsHeld,
        xdsThreads,
        ms(own, 0.50),
        ms(own, 0.99),
        ms(xds, 0.50),
        ms(xds, 0.99),
        ms(xds, 1.0));
    assertThat(n).isEqualTo(CHANGES * CLIENTS);
  }

  private Instance register(int i) {
    return cairn
        .registry()
        .register(
            "default",
            Instance.builder("hello", "127.0.0.1").id("a").port("grpc", 10_000 + i).build())
        .join();
  }

  private static double ms(long[] nanos, double q) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    int at = (int) Math.min(s.length - 1, Math.ceil(q * s.length) - 1);
    return s[Math.max(0, at)] / 1e6;
  }

  private static DiscoveryRequest request(String version, String nonce) {
    return DiscoveryRequest.newBuilder()
        .setNode(XdsTestClient.NODE)
        .setTypeUrl(XdsTestClient.EDS)
        .addResourceNames("hello")
        .setVersionInfo(version)
        .setResponseNonce(nonce)
        .build();
  }

  /** One client: records when each EDS version arrives, and ACKs it. */
  private static final class Client implements StreamObserver<DiscoveryResponse> {
    final ConcurrentHashMap<Long, ConcurrentLinkedQueue<Long>> arrivals;
    final AtomicInteger first;
    StreamObserver<DiscoveryRequest> requests;
    boolean seenFirst;

    Client(ConcurrentHashMap<Long, ConcurrentLinkedQueue<Long>> arrivals, AtomicInteger first) {
      this.arrivals = arrivals;
      this.first = first;
    }

    @Override
    public void onNext(DiscoveryResponse r) {
      long now = System.nanoTime();
      arrivals
          .computeIfAbsent(Long.parseLong(r.getVersionInfo()), v -> new ConcurrentLinkedQueue<>())
          .add(now);
      if (!seenFirst) {
        seenFirst = true;
        first.incrementAndGet();
      }
      synchronized (this) {
        requests.onNext(request(r.getVersionInfo(), r.getNonce()));
      }
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }
}
