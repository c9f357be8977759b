package dev.cairn.server.ratis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcReplyProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteReplyProto;
import org.apache.ratis.proto.RaftProtos.RequestVoteRequestProto;
import org.apache.ratis.proto.grpc.RaftServerProtocolServiceGrpc;
import org.apache.ratis.proto.grpc.RaftServerProtocolServiceGrpc.RaftServerProtocolServiceImplBase;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.Server;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyChannelBuilder;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyServerBuilder;
import org.apache.ratis.thirdparty.io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link AppendEntriesGate} in front of a Raft server protocol service over a real loopback gRPC
 * connection: two append streams, as a leader has to a follower after it replaced one, never have
 * requests inside the service at once (decision 0200), and other calls do not wait for them.
 */
class AppendEntriesGateTest {

  private final AppendEntriesGate gate = new AppendEntriesGate();
  private final AtomicInteger inside = new AtomicInteger();
  private final AtomicInteger mostInside = new AtomicInteger();
  private final Set<Long> entered = ConcurrentHashMap.newKeySet();
  private final CountDownLatch firstEntered = new CountDownLatch(1);
  private final CountDownLatch releaseFirst = new CountDownLatch(1);
  private final List<Throwable> failures = new CopyOnWriteArrayList<>();
  private Server server;
  private ManagedChannel channel;

  /** The first request stays inside until the test lets it go; the others leave at once. */
  private final class Service extends RaftServerProtocolServiceImplBase {
    @Override
    public StreamObserver<AppendEntriesRequestProto> appendEntries(
        StreamObserver<AppendEntriesReplyProto> replies) {
      return new StreamObserver<>() {
        @Override
        public void onNext(AppendEntriesRequestProto request) {
          long callId = request.getServerRequest().getCallId();
          mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
          entered.add(callId);
          try {
            if (callId == 1) {
              firstEntered.countDown();
              if (!releaseFirst.await(30, TimeUnit.SECONDS)) {
                failures.add(new AssertionError("the first request was not let go"));
              }
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failures.add(e);
          } finally {
            inside.decrementAndGet();
          }
          replies.onNext(
              AppendEntriesReplyProto.newBuilder()
                  .setServerReply(RaftRpcReplyProto.newBuilder().setCallId(callId))
                  .build());
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          replies.onCompleted();
        }
      };
    }

    @Override
    public void requestVote(
        RequestVoteRequestProto request, StreamObserver<RequestVoteReplyProto> reply) {
      reply.onNext(RequestVoteReplyProto.getDefaultInstance());
      reply.onCompleted();
    }
  }

  @BeforeEach
  void start() throws Exception {
    GrpcServices.Customizer customizer =
        AppendEntriesGate.before(
            (builder, types) -> (NettyServerBuilder) builder.addService(new Service()), gate);
    server =
        customizer
            .customize(NettyServerBuilder.forPort(0), EnumSet.of(GrpcServices.Type.SERVER))
            .build()
            .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    releaseFirst.countDown();
    channel.shutdownNow();
    server.shutdownNow();
    server.awaitTermination(10, TimeUnit.SECONDS);
  }

  @Test
  void aRequestOnASecondAppendStreamWaitsUntilTheFirstStreamsRequestLeft() throws Exception {
    Replies firstReplies = new Replies();
    Replies secondReplies = new Replies();
    RaftServerProtocolServiceGrpc.RaftServerProtocolServiceStub stub =
        RaftServerProtocolServiceGrpc.newStub(channel);
    StreamObserver<AppendEntriesRequestProto> first = stub.appendEntries(firstReplies);
    StreamObserver<AppendEntriesRequestProto> second = stub.appendEntries(secondReplies);

    first.onNext(request(1));
    assertThat(firstEntered.await(30, TimeUnit.SECONDS)).isTrue();
    second.onNext(request(2));
    // Without the gate the second request goes in beside the first; with it, it is held.
    await().atMost(Duration.ofSeconds(30)).until(() -> entered.contains(2L) || gate.held() > 0);
    releaseFirst.countDown();

    await().atMost(Duration.ofSeconds(30)).until(() -> secondReplies.callIds.contains(2L));
    assertThat(firstReplies.callIds).containsExactly(1L);
    assertThat(mostInside.get()).isEqualTo(1);
    assertThat(failures).isEmpty();
    first.onCompleted();
    second.onCompleted();
  }

  @Test
  void aVoteIsAnsweredWhileAnAppendIsInside() throws Exception {
    StreamObserver<AppendEntriesRequestProto> append =
        RaftServerProtocolServiceGrpc.newStub(channel).appendEntries(new Replies());
    append.onNext(request(1));
    assertThat(firstEntered.await(30, TimeUnit.SECONDS)).isTrue();

    RequestVoteReplyProto vote =
        RaftServerProtocolServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .requestVote(RequestVoteRequestProto.getDefaultInstance());

    assertThat(vote).isNotNull();
    assertThat(inside.get()).isEqualTo(1);
    releaseFirst.countDown();
    append.onCompleted();
  }

  private static AppendEntriesRequestProto request(long callId) {
    return AppendEntriesRequestProto.newBuilder()
        .setServerRequest(RaftRpcRequestProto.newBuilder().setCallId(callId))
        .build();
  }

  private static final class Replies implements StreamObserver<AppendEntriesReplyProto> {
    final Set<Long> callIds = ConcurrentHashMap.newKeySet();

    @Override
    public void onNext(AppendEntriesReplyProto reply) {
      callIds.add(reply.getServerReply().getCallId());
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }
}
