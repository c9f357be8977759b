package dev.cairn.server.ratis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.thirdparty.io.grpc.Server;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyServerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The forward stream between a follower ({@link ForwardStream}) and the leader's service ({@link
 * ForwardService}) over a real loopback gRPC connection: answers, refusals, a leader that goes
 * away, and one that never answers.
 */
class ForwardStreamTest {

  private final List<Server> servers = new CopyOnWriteArrayList<>();
  private final ForwardStream stream = new ForwardStream(null, 3_000);

  @AfterEach
  void close() {
    stream.close();
    servers.forEach(Server::shutdownNow);
  }

  @Test
  void aForwardedEntryIsAnsweredWithTheLeadersIndexAndReply() throws Exception {
    List<String> applied = new CopyOnWriteArrayList<>();
    RaftPeer leader =
        start(
            "n1",
            entry -> {
              applied.add(text(entry));
              return CompletableFuture.completedFuture(answer(42, "ok:" + text(entry)));
            });

    byte[] first = stream.send(leader, bytes("a"), inAMinute()).get(10, TimeUnit.SECONDS);
    byte[] second = stream.send(leader, bytes("b"), inAMinute()).get(10, TimeUnit.SECONDS);

    assertThat(ByteBuffer.wrap(first).getLong()).isEqualTo(42);
    assertThat(text(java.util.Arrays.copyOfRange(first, 8, first.length))).isEqualTo("ok:a");
    assertThat(text(java.util.Arrays.copyOfRange(second, 8, second.length))).isEqualTo("ok:b");
    assertThat(applied).containsExactly("a", "b");
  }

  // Decision 0183: the leader is told the time left, not the sender's clock.
  @Test
  void aSendCarriesTheTimeLeftUntilItsDeadline() throws Exception {
    List<Long> budgets = new CopyOnWriteArrayList<>();
    GrpcServices.Customizer customizer =
        ForwardService.customizer(
            (entry, budget) -> {
              budgets.add(budget);
              return CompletableFuture.completedFuture(answer(1, "ok"));
            },
            new ForwardService.Advertised());
    NettyServerBuilder builder = NettyServerBuilder.forPort(0);
    Server server =
        customizer.customize(builder, EnumSet.of(GrpcServices.Type.SERVER)).build().start();
    servers.add(server);
    RaftPeer leader =
        RaftPeer.newBuilder().setId("n1").setAddress("127.0.0.1:" + server.getPort()).build();
    long before = System.nanoTime();

    stream.send(leader, bytes("a"), before + TimeUnit.SECONDS.toNanos(5)).get(10, TimeUnit.SECONDS);
    stream.send(leader, bytes("b"), before - TimeUnit.SECONDS.toNanos(1)).get(10, TimeUnit.SECONDS);

    assertThat(budgets.get(0)).isPositive().isLessThanOrEqualTo(TimeUnit.SECONDS.toNanos(5));
    assertThat(budgets.get(1)).isLessThanOrEqualTo(-TimeUnit.SECONDS.toNanos(1));
  }

  @Test
  void answersMatchTheirSendsWhateverOrderTheyComeIn() throws Exception {
    CompletableFuture<byte[]> slow = new CompletableFuture<>();
    RaftPeer leader =
        start(
            "n1",
            entry ->
                text(entry).equals("slow")
                    ? slow
                    : CompletableFuture.completedFuture(answer(2, "fast")));

    CompletableFuture<byte[]> first = stream.send(leader, bytes("slow"), inAMinute());
    byte[] second = stream.send(leader, bytes("fast"), inAMinute()).get(10, TimeUnit.SECONDS);
    slow.complete(answer(1, "slow"));

    assertThat(ByteBuffer.wrap(second).getLong()).isEqualTo(2);
    assertThat(ByteBuffer.wrap(first.get(10, TimeUnit.SECONDS)).getLong()).isEqualTo(1);
  }

  @Test
  void aMemberThatDoesNotLeadRefusesAndTheSendFailsSayingWhy() {
    RaftPeer member =
        start(
            "n2",
            entry -> CompletableFuture.failedFuture(new IOException("not the leader (any more)")));

    assertThatThrownBy(() -> stream.send(member, bytes("x"), inAMinute()).get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(IOException.class)
        .hasMessageContaining("the leader refused")
        .hasMessageContaining("not the leader");
  }

  @Test
  void aLeaderThatNeverAnswersFailsTheSendAfterTheAttemptTime() {
    RaftPeer leader = start("n1", entry -> new CompletableFuture<>());

    assertThatThrownBy(() -> stream.send(leader, bytes("x"), inAMinute()).get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(TimeoutException.class);
  }

  @Test
  void sendsFollowTheLeaderAndAStreamThatBrokeIsOpenedAgain() throws Exception {
    RaftPeer first = start("n1", entry -> CompletableFuture.completedFuture(answer(1, "from n1")));
    RaftPeer second = start("n2", entry -> CompletableFuture.completedFuture(answer(2, "from n2")));

    assertThat(
            ByteBuffer.wrap(stream.send(first, bytes("x"), inAMinute()).get(10, TimeUnit.SECONDS))
                .getLong())
        .isEqualTo(1);
    assertThat(
            ByteBuffer.wrap(stream.send(second, bytes("x"), inAMinute()).get(10, TimeUnit.SECONDS))
                .getLong())
        .isEqualTo(2);

    // A leader that goes away with a send waiting: that send fails at once (not after the
    // attempt time), and the next leader gets the next send on a stream of its own.
    RaftPeer hanging = start("n3", entry -> new CompletableFuture<>());
    CompletableFuture<byte[]> lost = stream.send(hanging, bytes("y"), inAMinute());
    servers.get(2).shutdownNow();
    assertThatThrownBy(() -> lost.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(IOException.class)
        .hasMessageContaining("forward stream ended");
    assertThat(
            ByteBuffer.wrap(stream.send(first, bytes("z"), inAMinute()).get(10, TimeUnit.SECONDS))
                .getLong())
        .isEqualTo(1);
  }

  @Test
  void aClosedStreamRefusesSends() {
    stream.close();
    RaftPeer leader = RaftPeer.newBuilder().setId("n1").setAddress("127.0.0.1:1").build();

    assertThatThrownBy(() -> stream.send(leader, bytes("x"), inAMinute()).get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .hasMessageContaining("closed");
  }

  @Test
  void aMemberTellsItsApiAddressOnceConnectedAndWhenItBecomesKnownLater() {
    ForwardService.Advertised known = new ForwardService.Advertised();
    known.set("leader.example:8501");
    RaftPeer leader = start("n1", entry -> new CompletableFuture<>(), known);

    // No write: the stream is opened for the address alone.
    stream.connect(leader);

    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(() -> stream.grpcAddressOf(leader.getId()).equals("leader.example:8501"));
    assertThat(stream.grpcAddressOf(org.apache.ratis.protocol.RaftPeerId.valueOf("n2"))).isEmpty();

    // A member whose server binds its gRPC port after the stream opened tells it then.
    ForwardService.Advertised late = new ForwardService.Advertised();
    RaftPeer next = start("n2", entry -> new CompletableFuture<>(), late);
    stream.connect(next);
    assertThat(stream.grpcAddressOf(leader.getId())).isEmpty(); // another member now
    late.set("127.0.0.1:9501");
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(() -> stream.grpcAddressOf(next.getId()).equals("127.0.0.1:9501"));
  }

  @Test
  void theAddressFrameDoesNotDisturbTheAnswers() throws Exception {
    ForwardService.Advertised known = new ForwardService.Advertised();
    known.set("127.0.0.1:9501");
    RaftPeer leader =
        start("n1", entry -> CompletableFuture.completedFuture(answer(7, "ok")), known);

    byte[] reply = stream.send(leader, bytes("a"), inAMinute()).get(10, TimeUnit.SECONDS);
    known.set("127.0.0.1:9502");
    byte[] again = stream.send(leader, bytes("b"), inAMinute()).get(10, TimeUnit.SECONDS);

    assertThat(ByteBuffer.wrap(reply).getLong()).isEqualTo(7);
    assertThat(ByteBuffer.wrap(again).getLong()).isEqualTo(7);
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(() -> stream.grpcAddressOf(leader.getId()).equals("127.0.0.1:9502"));
  }

  private RaftPeer start(String id, Function<byte[], CompletableFuture<byte[]>> forwardHere) {
    return start(id, forwardHere, new ForwardService.Advertised());
  }

  private RaftPeer start(
      String id,
      Function<byte[], CompletableFuture<byte[]>> forwardHere,
      ForwardService.Advertised advertised) {
    GrpcServices.Customizer customizer =
        ForwardService.customizer((entry, budget) -> forwardHere.apply(entry), advertised);
    NettyServerBuilder builder = NettyServerBuilder.forAddress(loopback());
    try {
      Server server =
          customizer.customize(builder, EnumSet.of(GrpcServices.Type.SERVER)).build().start();
      servers.add(server);
      return RaftPeer.newBuilder().setId(id).setAddress("127.0.0.1:" + server.getPort()).build();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static java.net.InetSocketAddress loopback() {
    return new java.net.InetSocketAddress("127.0.0.1", 0);
  }

  private static byte[] answer(long index, String reply) {
    byte[] r = bytes(reply);
    return ByteBuffer.allocate(8 + r.length).putLong(index).put(r).array();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  /** A deadline no send of these tests reaches. */
  private static long inAMinute() {
    return System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
  }
}
