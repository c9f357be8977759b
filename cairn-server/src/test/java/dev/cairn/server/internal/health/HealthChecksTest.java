package dev.cairn.server.internal.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.cairn.common.Health;
import dev.cairn.server.CairnServer;
import dev.cairn.server.core.RegistryOptions;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each check kind against a real target over loopback: critical within interval × fall after the
 * target fails, passing again after it recovers, and watchers see both changes. Watchers are told
 * on the watch executor after the registry's state changed, so what they saw is awaited as well.
 */
class HealthChecksTest {

  // interval × fall = 600 ms; the bound below adds the first run's jitter and apply time.
  private static final String FAST =
      "\"interval\":\"200ms\",\"timeout\":\"150ms\",\"rise\":2,\"fall\":3";
  private static final Duration WITHIN = Duration.ofSeconds(5);

  private final Targets targets = new Targets();
  private final CairnServer server = start(Duration.ofSeconds(60));
  private final Api api = new Api(server);

  static CairnServer start(Duration flapHalfLife) {
    try {
      return CairnServer.builder()
          .inMemory()
          .httpPort(0)
          .grpcPort(0)
          .registryOptions(RegistryOptions.builder().flapHalfLife(flapHalfLife).build())
          .start();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @AfterEach
  void close() throws Exception {
    server.close();
    targets.close();
  }

  @Test
  void http() {
    AtomicInteger status = new AtomicInteger(200);
    HttpServer target = targets.http(status::get);
    Api.Recorder watcher = api.watch();
    assertThat(
            api.register(
                    "h",
                    target.getAddress().getPort(),
                    "{\"type\":\"http\",\"path\":\"/health\"," + FAST + "}")
                .status())
        .isEqualTo(200);

    status.set(503);
    await().atMost(WITHIN).until(() -> api.health("h") == Health.CRITICAL);
    status.set(429);
    await().atMost(WITHIN).until(() -> api.health("h") == Health.WARNING);
    status.set(204);
    await().atMost(WITHIN).until(() -> api.health("h") == Health.PASSING);

    await()
        .atMost(WITHIN)
        .untilAsserted(
            () ->
                assertThat(watcher.changes)
                    .containsExactly("h=CRITICAL", "h=WARNING", "h=PASSING"));
  }

  @Test
  void tcp() throws Exception {
    ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    int port = listener.getLocalPort();
    Api.Recorder watcher = api.watch();
    api.register("t", port, "{\"type\":\"tcp\"," + FAST + "}");

    listener.close();
    await().atMost(WITHIN).until(() -> api.health("t") == Health.CRITICAL);
    ServerSocket again = new ServerSocket();
    again.setReuseAddress(true);
    again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    try (again) {
      await().atMost(WITHIN).until(() -> api.health("t") == Health.PASSING);
    }

    await()
        .atMost(WITHIN)
        .untilAsserted(
            () -> assertThat(watcher.changes).containsExactly("t=CRITICAL", "t=PASSING"));
  }

  @Test
  void grpc() throws Exception {
    HealthStatusManager health = new HealthStatusManager();
    Server target =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(health.getHealthService())
            .build()
            .start();
    try {
      health.setStatus("orders", ServingStatus.SERVING);
      Api.Recorder watcher = api.watch();
      api.register("g", target.getPort(), "{\"type\":\"grpc\",\"path\":\"orders\"," + FAST + "}");

      health.setStatus("orders", ServingStatus.NOT_SERVING);
      await().atMost(WITHIN).until(() -> api.health("g") == Health.CRITICAL);
      health.setStatus("orders", ServingStatus.SERVING);
      await().atMost(WITHIN).until(() -> api.health("g") == Health.PASSING);

      await()
          .atMost(WITHIN)
          .untilAsserted(
              () -> assertThat(watcher.changes).containsExactly("g=CRITICAL", "g=PASSING"));
    } finally {
      target.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void ttl() {
    Api.Recorder watcher = api.watch();
    api.put(
        "/v1/services/web/instances/l",
        "{\"address\":\"127.0.0.1\",\"check\":{\"type\":\"ttl\",\"interval\":\"300ms\"}}");

    // Reports keep it passing; silence turns it critical.
    Api.Reply report = api.put("/v1/services/web/instances/l/health", "{\"health\":\"passing\"}");
    assertThat(report.status()).isEqualTo(200);
    assertThat(report.json().get("health").asText()).isEqualTo("passing");
    await().atMost(WITHIN).until(() -> api.health("l") == Health.CRITICAL);

    Api.Reply back = api.put("/v1/services/web/instances/l/health", "{\"health\":\"passing\"}");
    assertThat(back.json().get("health").asText()).isEqualTo("passing");
    await().atMost(WITHIN).until(() -> api.health("l") == Health.PASSING);

    await()
        .atMost(WITHIN)
        .untilAsserted(
            () -> assertThat(watcher.changes).containsExactly("l=CRITICAL", "l=PASSING"));
  }

  @Test
  void ttlSilenceIsCriticalOnceItsIntervalHasPassed() {
    Api.Recorder watcher = api.watch();
    api.put(
        "/v1/services/web/instances/s",
        "{\"address\":\"127.0.0.1\",\"check\":{\"type\":\"ttl\",\"interval\":\"1s\"}}");
    await().atMost(WITHIN).until(() -> watcher.changes.contains("s=CRITICAL"));

    // Reported just after the look that found it silent: a fixed-rate plan would look again 1 s
    // later (silent for just under 1 s: still passing) and find it expired only at 2 s. How soon
    // it expires is HealthCheckerTest's, on a fake clock; here it must not expire early.
    long sent = System.nanoTime();
    Api.Reply report = api.put("/v1/services/web/instances/s/health", "{\"health\":\"passing\"}");
    assertThat(report.json().get("health").asText()).isEqualTo("passing");

    await()
        .atMost(WITHIN)
        .pollInterval(Duration.ofMillis(5))
        .until(() -> watcher.changes.size() == 3);
    assertThat(watcher.changes).containsExactly("s=CRITICAL", "s=PASSING", "s=CRITICAL");
    long expired = watcher.timed.get(2).getValue();
    assertThat(Duration.ofNanos(expired - sent)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(api.get("/v1/services/web/checks").json().toString())
        .containsPattern("TTL expired: no report for [12] s \\(ttl 1000 ms\\)");
  }

  @Test
  void aFlappingTargetIsDamped() {
    // Every other answer fails; rise 1, fall 1: undamped, every probe would be a change.
    AtomicInteger n = new AtomicInteger();
    HttpServer target = targets.http(() -> n.incrementAndGet() % 2 == 0 ? 500 : 200);
    Api.Recorder watcher = api.watch();
    api.register(
        "f",
        target.getAddress().getPort(),
        "{\"type\":\"http\",\"interval\":\"100ms\",\"timeout\":\"90ms\",\"rise\":1,\"fall\":1}");

    await().atMost(WITHIN).until(() -> server.registry().healthCheckStats().suppressed() == 1);
    int probesAtSuppression = n.get();
    await().atMost(WITHIN).until(() -> n.get() >= probesAtSuppression + 20);

    // Held critical: the 20 further flips showed up as nothing.
    assertThat(api.health("f")).isEqualTo(Health.CRITICAL);
    assertThat(watcher.changes.size()).isLessThanOrEqualTo(4);
  }
}
