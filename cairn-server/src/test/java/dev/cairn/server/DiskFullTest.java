package dev.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.proto.v1.Instance;
import dev.cairn.proto.v1.RegisterRequest;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.server.ratis.FreePorts;
import dev.cairn.server.ratis.RatisCommandLog;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk (decision 0094): a write fails within its deadline with 507 / {@code
 * RESOURCE_EXHAUSTED} naming the log and the data directory, reads go on, {@code /v1/status} and
 * {@code /metrics} say the log cannot write, and once there is room writes succeed again without a
 * restart, with nothing acknowledged lost and the revision never going back.
 *
 * <p>The first two tests fill a real tmpfs of a few MiB that they mount (skipped where mounting is
 * not permitted, i.e. not root); the third makes the disk look full through the log's injectable
 * usable-space reading, so that the server's behaviour is tested everywhere.
 */
class DiskFullTest {

  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(3);
  // No answer this long after the write timeout is a hang.
  private static final Duration HANG = WRITE_TIMEOUT.plusSeconds(20);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(HANG).build();
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  @Test
  void aFullFileSystemRefusesWritesAtOnceAndTakesThemAgainOnceFreed() throws Exception {
    SmallDisk disk = SmallDisk.mount(tmp.resolve("disk"), 24L * 1024 * 1024);
    toClose.add(disk);
    Path data = disk.path().resolve("data");
    CairnServer server = start(builder(data).minFreeDiskBytes(4L * 1024 * 1024));
    List<String> acked = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      assertThat(put(server, "before-" + i).statusCode()).isEqualTo(200);
      acked.add("before-" + i);
    }
    long revisionBefore = revision(server);

    disk.fill();

    HttpResponse<String> refused = put(server, "while-full");
    assertRefusedForDiskFull(refused, data);
    assertGrpcRefused(server);
    assertThat(get(server, "/v1/services/web/instances").statusCode()).isEqualTo(200);
    JsonNode log = status(server).path("log");
    assertThat(log.path("writable").asBoolean()).isFalse();
    assertThat(log.path("error").asText()).contains("disk full").contains(data.toString());
    assertThat(metric(server, "cairn_log_writable")).isEqualTo(0);
    assertThat(metric(server, "cairn_log_write_failures_total")).isGreaterThanOrEqualTo(2);

    disk.free();

    assertThat(put(server, "after").statusCode()).isEqualTo(200);
    acked.add("after");
    assertThat(status(server).path("log").path("writable").asBoolean()).isTrue();
    assertThat(metric(server, "cairn_log_writable")).isEqualTo(1);
    assertAllThere(server, acked, revisionBefore);
    assertSurvivesRestart(server, data, acked);
  }

  @Test
  void aLogWriteThatFailsOnAFullFileSystemFailsFastAndTheLogRecoversInProcess() throws Exception {
    SmallDisk disk = SmallDisk.mount(tmp.resolve("disk"), 24L * 1024 * 1024);
    toClose.add(disk);
    Path data = disk.path().resolve("data");
    // No guard: Ratis itself hits the full disk when it starts the next log segment.
    CairnServer server = start(builder(data).minFreeDiskBytes(0).segmentSizeBytes(64 * 1024));
    List<String> acked = new ArrayList<>();
    assertThat(put(server, "before").statusCode()).isEqualTo(200);
    acked.add("before");
    long revisionBefore = revision(server);

    disk.fill();
    HttpResponse<String> failed = null;
    for (int i = 0; i < 2_000 && failed == null; i++) {
      HttpResponse<String> r = put(server, "filling-" + i);
      if (r.statusCode() == 200) {
        acked.add("filling-" + i);
      } else {
        failed = r;
      }
    }
    assertThat(failed).as("a write failed once the log segment was full").isNotNull();
    assertThat(failed.statusCode()).isIn(503, 507);
    assertThat(failed.body()).contains("the command log cannot write");
    await().atMost(HANG).until(() -> !status(server).path("log").path("writable").asBoolean(true));
    HttpResponse<String> whileBroken = put(server, "while-broken");
    assertThat(whileBroken.statusCode()).isIn(503, 507);
    assertThat(get(server, "/v1/services/web/instances").statusCode()).isEqualTo(200);
    assertThat(metric(server, "cairn_log_writable")).isEqualTo(0);

    disk.free();

    await()
        .dontCatchUncaughtExceptions()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> put(server, "after").statusCode() == 200);
    acked.add("after");
    JsonNode log = status(server).path("log");
    assertThat(log.path("writable").asBoolean()).isTrue();
    assertThat(log.path("recoveries").asLong()).isGreaterThanOrEqualTo(1);
    assertThat(metric(server, "cairn_log_recoveries_total")).isGreaterThanOrEqualTo(1);
    assertAllThere(server, acked, revisionBefore);
    assertSurvivesRestart(server, data, acked);
  }

  @Test
  void aDiskThatLooksFullRefusesWritesUntilItHasRoomWhereNoFileSystemCanBeMounted()
      throws Exception {
    AtomicLong usable = new AtomicLong(1L << 40);
    Path data = tmp.resolve("data");
    RatisCommandLog log =
        RatisCommandLog.builder(data)
            .minFreeBytes(RatisCommandLog.Builder.DEFAULT_MIN_FREE_BYTES)
            .usableSpace(usable::get)
            .build();
    CairnServer server = start(builder(data).commandLog(log));
    List<String> acked = new ArrayList<>(List.of("before"));
    assertThat(put(server, "before").statusCode()).isEqualTo(200);
    long revisionBefore = revision(server);

    usable.set(1024);

    assertRefusedForDiskFull(put(server, "while-full"), data);
    assertGrpcRefused(server);
    assertThat(get(server, "/v1/services/web/instances").statusCode()).isEqualTo(200);
    JsonNode status = status(server).path("log");
    assertThat(status.path("writable").asBoolean()).isFalse();
    assertThat(status.path("usableBytes").asLong()).isEqualTo(1024);
    assertThat(status.path("minFreeBytes").asLong())
        .isEqualTo(RatisCommandLog.Builder.DEFAULT_MIN_FREE_BYTES);
    assertThat(metric(server, "cairn_log_writable")).isEqualTo(0);
    assertThat(metric(server, "cairn_log_write_failures_total")).isGreaterThanOrEqualTo(2);
    assertThat(revision(server)).isEqualTo(revisionBefore);

    usable.set(1L << 40);

    assertThat(put(server, "after").statusCode()).isEqualTo(200);
    acked.add("after");
    assertThat(status(server).path("log").path("writable").asBoolean()).isTrue();
    assertThat(metric(server, "cairn_log_writable")).isEqualTo(1);
    assertAllThere(server, acked, revisionBefore);
  }

  @Test
  void aClusterMemberWhoseDiskFillsRecoversInProcessAndCatchesUp() throws Exception {
    SmallDisk disk = SmallDisk.mount(tmp.resolve("disk"), 24L * 1024 * 1024);
    toClose.add(disk);
    int[] raft = FreePorts.take(3);
    String peers =
        "n1=127.0.0.1:" + raft[0] + ",n2=127.0.0.1:" + raft[1] + ",n3=127.0.0.1:" + raft[2];
    List<CairnServer> members = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      // n3 keeps its log on the small disk, with no reserve: the leader's entries fill it.
      Path data = i == 3 ? disk.path().resolve("n3") : tmp.resolve("n" + i);
      CairnServer.Builder b =
          builder(data).nodeId("n" + i).peers(peers).electionTimeout(Duration.ofMillis(500));
      if (i == 3) {
        b.minFreeDiskBytes(0);
      }
      members.add(b.build());
    }
    for (CairnServer m : members) {
      toClose.add(m);
      m.start();
    }
    CairnServer n3 = members.get(2);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> members.stream().anyMatch(m -> m.registry().cluster().leading()));
    if (n3.registry().cluster().leading()) {
      n3.registry().cluster().transferLeadership("n1").get(30, TimeUnit.SECONDS);
    }
    CairnServer leader =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    members.stream()
                        .filter(m -> m != n3 && m.registry().cluster().leading())
                        .findFirst()
                        .orElse(null),
                java.util.Objects::nonNull);
    List<String> acked = new ArrayList<>();

    disk.fill();
    // The leader and the other follower are a majority: writes go on while n3 cannot write.
    for (int i = 0; i < 300; i++) {
      HttpResponse<String> r = put(leader, "c-" + i);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      acked.add("c-" + i);
    }
    await()
        .dontCatchUncaughtExceptions()
        .atMost(HANG)
        .until(() -> !status(n3).path("log").path("writable").asBoolean(true));
    assertThat(status(n3).path("log").path("error").asText()).contains("disk full");

    disk.free();

    await()
        .dontCatchUncaughtExceptions()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> status(n3).path("log").path("writable").asBoolean(false));
    long revision = revision(leader);
    await()
        .dontCatchUncaughtExceptions()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> revision(n3) >= revision);
    JsonNode list = JSON.readTree(get(n3, "/v1/services/web/instances").body());
    List<String> ids = new ArrayList<>();
    list.path("instances").forEach(i -> ids.add(i.path("id").asText()));
    assertThat(ids).containsAll(acked);
    assertThat(status(n3).path("log").path("recoveries").asLong()).isGreaterThanOrEqualTo(1);
    HttpResponse<String> onN3 = put(n3, "on-n3-after");
    assertThat(onN3.statusCode()).as(onN3.body()).isEqualTo(200);
  }

  @Test
  void aWriteOnAFollowerWhenTheLeadersDiskLooksFullFailsWithinTheDeadline() throws Exception {
    int[] raft = FreePorts.take(3);
    String peers =
        "n1=127.0.0.1:" + raft[0] + ",n2=127.0.0.1:" + raft[1] + ",n3=127.0.0.1:" + raft[2];
    List<AtomicLong> usable = new ArrayList<>();
    List<CairnServer> members = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      AtomicLong u = new AtomicLong(1L << 40);
      usable.add(u);
      RatisCommandLog log =
          RatisCommandLog.builder(tmp.resolve("n" + i))
              .peerId("n" + i)
              .peers(dev.cairn.server.ratis.ClusterPeers.parse(peers))
              .electionTimeout(Duration.ofMillis(500))
              .writeTimeout(WRITE_TIMEOUT)
              .usableSpace(u::get)
              .build();
      members.add(CairnServer.builder().commandLog(log).httpPort(0).grpcPort(0).build());
    }
    for (CairnServer m : members) {
      toClose.add(m);
      m.start();
    }
    int leader =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> {
                  for (int i = 0; i < 3; i++) {
                    if (members.get(i).registry().cluster().leading()) {
                      return i;
                    }
                  }
                  return -1;
                },
                i -> i >= 0);
    CairnServer follower = members.get((leader + 1) % 3);
    assertThat(put(follower, "before").statusCode()).isEqualTo(200);

    usable.get(leader).set(0);

    HttpResponse<String> onLeader = put(members.get(leader), "on-leader");
    assertThat(onLeader.statusCode()).isEqualTo(507);
    // The leader's refusal is the forwarded write's answer too, on the follower, at once.
    HttpResponse<String> onFollower = put(follower, "on-follower");
    assertThat(onFollower.statusCode()).as(onFollower.body()).isEqualTo(507);
    assertThat(onFollower.body()).contains("INSUFFICIENT_STORAGE");
    assertThat(status(members.get(leader)).path("log").path("writable").asBoolean()).isFalse();
    assertThat(status(follower).path("log").path("writable").asBoolean()).isTrue();

    usable.get(leader).set(1L << 40);

    assertThat(put(follower, "after").statusCode()).isEqualTo(200);
  }

  // ---- helpers ----

  private static CairnServer.Builder builder(Path data) {
    return CairnServer.builder()
        .dataDir(data)
        .httpPort(0)
        .grpcPort(0)
        .writeTimeout(WRITE_TIMEOUT)
        .segmentSizeBytes(64 * 1024);
  }

  private CairnServer start(CairnServer.Builder b) throws IOException {
    CairnServer server = b.build().start();
    toClose.add(server);
    return server;
  }

  private void assertRefusedForDiskFull(HttpResponse<String> r, Path data) throws IOException {
    assertThat(r.statusCode()).isEqualTo(507);
    JsonNode error = JSON.readTree(r.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("INSUFFICIENT_STORAGE");
    assertThat(error.path("field").asText()).isEqualTo("log");
    assertThat(error.path("message").asText())
        .contains("the command log cannot write: disk full")
        .contains(data.toString());
  }

  private static void assertGrpcRefused(CairnServer server) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(server.grpcAddress()).usePlaintext().build();
    try {
      RegistryGrpc.newBlockingStub(channel)
          .withDeadlineAfter(HANG.toMillis(), TimeUnit.MILLISECONDS)
          .register(
              RegisterRequest.newBuilder()
                  .setInstance(
                      Instance.newBuilder()
                          .setService("web")
                          .setId("grpc-while-full")
                          .setAddress("10.0.0.9")
                          .putPorts("http", 8080))
                  .build());
      throw new AssertionError("a gRPC register succeeded on a full disk");
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(e.getStatus().getDescription()).contains("the command log cannot write");
    } finally {
      channel.shutdownNow();
    }
  }

  private void assertAllThere(CairnServer server, List<String> acked, long revisionBefore)
      throws Exception {
    JsonNode list = JSON.readTree(get(server, "/v1/services/web/instances").body());
    List<String> ids = new ArrayList<>();
    list.path("instances").forEach(i -> ids.add(i.path("id").asText()));
    assertThat(ids).containsAll(acked);
    assertThat(revision(server)).isGreaterThan(revisionBefore);
  }

  private void assertSurvivesRestart(CairnServer server, Path data, List<String> acked)
      throws Exception {
    long revision = revision(server);
    server.close();
    CairnServer again = start(builder(data));
    assertThat(revision(again)).isGreaterThanOrEqualTo(revision);
    JsonNode list = JSON.readTree(get(again, "/v1/services/web/instances").body());
    List<String> ids = new ArrayList<>();
    list.path("instances").forEach(i -> ids.add(i.path("id").asText()));
    assertThat(ids).containsAll(acked);
  }

  private HttpResponse<String> put(CairnServer server, String id) throws Exception {
    return send(
        HttpRequest.newBuilder(uri(server, "/v1/services/web/instances/" + id))
            .PUT(
                HttpRequest.BodyPublishers.ofString(
                    "{\"address\":\"10.0.0.1\",\"ports\":{\"http\":8080},\"metadata\":{\"pad\":\""
                        + "x".repeat(400)
                        + "\"}}"))
            .header("Content-Type", "application/json"));
  }

  private HttpResponse<String> get(CairnServer server, String path) throws Exception {
    return send(HttpRequest.newBuilder(uri(server, path)).GET());
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    // The request's timeout is the hang detector: a write must answer well before it.
    return http.send(request.timeout(HANG).build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode status(CairnServer server) throws Exception {
    return JSON.readTree(get(server, "/v1/status").body());
  }

  private long revision(CairnServer server) throws Exception {
    return status(server).path("revision").asLong();
  }

  private double metric(CairnServer server, String name) throws Exception {
    String body = get(server, "/metrics").body();
    Matcher m = Pattern.compile("(?m)^" + name + "(?:\\{[^}]*\\})? (\\S+)$").matcher(body);
    assertThat(m.find()).as(name + " in /metrics").isTrue();
    return Double.parseDouble(m.group(1));
  }

  private static URI uri(CairnServer server, String path) {
    return URI.create("http://127.0.0.1:" + server.httpAddress().getPort() + path);
  }
}
