package dev.cairn.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.proto.v1.OpenSession;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.proto.v1.SessionRequest;
import dev.cairn.proto.v1.SessionResponse;
import dev.cairn.proto.v1.StatusRequest;
import dev.cairn.server.CairnServer;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader's gRPC address on every member (status over HTTP and gRPC) and a follower's answer to
 * {@code OpenSession.prefer_leader} (decision 0114), on three members over loopback.
 */
class LeaderAddressTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private LocalCluster cluster;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void close() {
    channels.forEach(ManagedChannel::shutdownNow);
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void everyMemberShowsTheLeadersGrpcAddressOverHttpAndGrpc() throws Exception {
    cluster = LocalCluster.start(3, dir);
    int leader = cluster.awaitLeader();
    String address = "127.0.0.1:" + cluster.server(leader).grpcAddress().getPort();

    for (int i = 0; i < 3; i++) {
      int n = i;
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () ->
                  assertThat(
                          JSON.readTree(status(n)).get("cluster").get("leaderGrpcAddress").asText())
                      .isEqualTo(address));
      assertThat(
              RegistryGrpc.newBlockingStub(channel(n))
                  .status(StatusRequest.getDefaultInstance())
                  .getCluster()
                  .getLeaderGrpcAddress())
          .isEqualTo(address);
    }
  }

  @Test
  void theAdvertisedHostReplacesThePeersHost() throws Exception {
    cluster = LocalCluster.start(3, dir, b -> b.advertiseAddress("registry.example"));
    int leader = cluster.awaitLeader();
    int follower = (leader + 1) % 3;

    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                cluster
                    .server(follower)
                    .registry()
                    .cluster()
                    .status()
                    .leaderGrpcAddress()
                    .equals("registry.example:" + cluster.server(leader).grpcAddress().getPort()));
  }

  @Test
  void aFollowerAnswersPreferLeaderWithTheLeadersAddressAndOpensNothing() throws Exception {
    cluster = LocalCluster.start(3, dir);
    int leader = cluster.awaitLeader();
    int follower = (leader + 1) % 3;
    String address = "127.0.0.1:" + cluster.server(leader).grpcAddress().getPort();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                cluster
                    .server(follower)
                    .registry()
                    .cluster()
                    .status()
                    .leaderGrpcAddress()
                    .equals(address));
    int sessionsBefore = cluster.server(leader).registry().sessionCount();

    Stream redirected = open(follower, true);
    assertThat(redirected.ended.get(20, TimeUnit.SECONDS)).isEqualTo(Status.Code.OK);
    assertThat(redirected.messages).hasSize(1);
    assertThat(redirected.messages.get(0).getOpened().getLeaderGrpcAddress()).isEqualTo(address);
    assertThat(redirected.messages.get(0).getOpened().getSessionId()).isEmpty();
    assertThat(cluster.server(leader).registry().sessionCount()).isEqualTo(sessionsBefore);

    // On the leader, and without prefer_leader anywhere, a session opens as before.
    Stream onLeader = open(leader, true);
    Stream onFollower = open(follower, false);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> onLeader.messages.size() == 1 && onFollower.messages.size() == 1);
    assertThat(onLeader.messages.get(0).getOpened().getSessionId()).isNotEmpty();
    assertThat(onLeader.messages.get(0).getOpened().getLeaderGrpcAddress()).isEmpty();
    assertThat(onFollower.messages.get(0).getOpened().getSessionId()).isNotEmpty();
    assertThat(cluster.server(leader).registry().sessionCount()).isEqualTo(sessionsBefore + 2);
  }

  @Test
  void aBadAdvertiseAddressIsRefusedNamingIt() {
    for (String bad : List.of("", "host:8501", "-host", "a b", "[::1]:8501", "1.2.3.4:5")) {
      assertThatThrownBy(() -> CairnServer.builder().advertiseAddress(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("advertiseAddress: \"" + bad + "\"")
          .hasMessageContaining("without a port");
    }
    for (String good : List.of("registry.example", "10.0.0.7", "::1", "[fd00::7]", "n1")) {
      CairnServer.builder().advertiseAddress(good);
    }
    assertThatThrownBy(
            () -> CairnServer.builder().inMemory().advertiseAddress("registry.example").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("advertiseAddress")
        .hasMessageContaining("with nodeId and peers");
  }

  /** One Session stream opened on member {@code n}: what it received and how it ended. */
  private static final class Stream implements StreamObserver<SessionResponse> {
    final List<SessionResponse> messages = new CopyOnWriteArrayList<>();
    final CompletableFuture<Status.Code> ended = new CompletableFuture<>();

    @Override
    public void onNext(SessionResponse value) {
      messages.add(value);
    }

    @Override
    public void onError(Throwable t) {
      ended.complete(Status.fromThrowable(t).getCode());
    }

    @Override
    public void onCompleted() {
      ended.complete(Status.Code.OK);
    }
  }

  private Stream open(int n, boolean preferLeader) {
    Stream s = new Stream();
    StreamObserver<SessionRequest> out = RegistryGrpc.newStub(channel(n)).session(s);
    out.onNext(
        SessionRequest.newBuilder()
            .setOpen(
                OpenSession.newBuilder()
                    .setTtlMillis(10_000)
                    .setClientName("test")
                    .setPreferLeader(preferLeader))
            .build());
    return s;
  }

  private ManagedChannel channel(int n) {
    ManagedChannel c =
        ManagedChannelBuilder.forAddress("127.0.0.1", cluster.server(n).grpcAddress().getPort())
            .usePlaintext()
            .build();
    channels.add(c);
    return c;
  }

  private String status(int n) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + cluster.server(n).httpAddress().getPort()
                            + "/v1/status"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return r.body();
  }
}
