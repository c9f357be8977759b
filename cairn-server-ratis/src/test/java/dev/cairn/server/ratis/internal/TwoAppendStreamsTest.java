package dev.cairn.server.ratis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.server.ratis.ClusterPeers;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto;
import org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto.AppendResult;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftGroupIdProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.proto.RaftProtos.TermIndexProto;
import org.apache.ratis.proto.grpc.RaftServerProtocolServiceGrpc;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyChannelBuilder;
import org.apache.ratis.thirdparty.io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Ratis follower configured as a Cairn member takes AppendEntries requests from two streams of
 * its leader at the same moment, as after the leader replaced a stream the follower was still
 * taking (decision 0200). This test plays the leader: each round, one request on each stream
 * (entries i and i + 1), sent together. Without {@link AppendEntriesGate} Ratis 3.2.2 appended the
 * second request's entries twice at once, its log refused one ("Already running a method"), and
 * from then on every append failed: the follower was wedged within a few dozen rounds in every try.
 * With the gate, every request is answered (success, or an inconsistency when the second request
 * was checked before the first was taken) and the log takes every entry.
 */
class TwoAppendStreamsTest {

  private static final int ROUNDS = 300;

  /** The client whose writes the entries carry, as every entry of Cairn's does one. */
  private static final ClientId CLIENT = ClientId.randomId();

  @TempDir Path dataDir;

  private final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();
  private final ExecutorService leader = Executors.newFixedThreadPool(2);
  private RaftServer follower;

  @AfterEach
  void close() throws Exception {
    leader.shutdownNow();
    channels.forEach(ManagedChannel::shutdownNow);
    if (follower != null) {
      follower.close();
    }
  }

  @Test
  void aFollowerTakingTwoAppendStreamsAtOnceKeepsAppending() throws Exception {
    LogSettings settings =
        new LogSettings(
            dataDir,
            "127.0.0.1",
            0,
            "f",
            10_000,
            2,
            false,
            false,
            4L * 1024 * 1024,
            Duration.ofSeconds(60),
            List.of(
                new ClusterPeers.Peer("f", "127.0.0.1", 1),
                new ClusterPeers.Peer("l", "127.0.0.1", 2)),
            "cairn",
            // No election of its own while the test plays its leader.
            Duration.ofSeconds(60),
            Duration.ofSeconds(3),
            false,
            null);
    RaftPeer f = RaftPeer.newBuilder().setId("f").setAddress("127.0.0.1:1").build();
    RaftPeer l = RaftPeer.newBuilder().setId("l").setAddress("127.0.0.1:2").build();
    RaftGroup group = RaftGroup.valueOf(RaftGroupId.randomId(), f, l);
    follower =
        RaftServer.newBuilder()
            .setServerId(f.getId())
            .setGroup(group)
            .setProperties(RaftConfig.properties(settings))
            .setParameters(RaftConfig.serverParameters(settings, (builder, types) -> builder))
            .setStateMachine(new BaseStateMachine())
            .setOption(RaftStorage.StartupOption.FORMAT)
            .build();
    follower.start();
    int port = ((InetSocketAddress) follower.getServerRpc().getInetSocketAddress()).getPort();
    for (int i = 0; i < 2; i++) {
      channels.add(NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build());
    }

    List<String> failures = new ArrayList<>();
    long appended = 0;
    AtomicLong callIds = new AtomicLong();
    for (int round = 0; round < ROUNDS && failures.isEmpty(); round++) {
      long first = follower.getDivision(group.getGroupId()).getRaftLog().getNextIndex();
      CyclicBarrier together = new CyclicBarrier(2);
      List<Future<String>> answers = new ArrayList<>();
      for (int stream = 0; stream < 2; stream++) {
        AppendEntriesRequestProto request =
            request(group, l, f, callIds.incrementAndGet(), first + stream);
        ManagedChannel channel = channels.get(stream);
        answers.add(leader.submit(() -> send(channel, request, together)));
      }
      for (Future<String> answer : answers) {
        String result = answer.get(60, TimeUnit.SECONDS);
        if (result.equals(AppendResult.SUCCESS.name())) {
          appended++;
        } else if (!result.equals(AppendResult.INCONSISTENCY.name())) {
          failures.add("round " + round + ": " + result);
        }
      }
    }

    assertThat(failures).isEmpty();
    assertThat(follower.getDivision(group.getGroupId()).getRaftLog().getNextIndex())
        .isEqualTo(appended)
        .isGreaterThanOrEqualTo(ROUNDS);
  }

  /** Sends one request on a stream of its own, when the other stream's is sent. */
  private static String send(
      ManagedChannel channel, AppendEntriesRequestProto request, CyclicBarrier together)
      throws Exception {
    CompletableFuture<String> answer = new CompletableFuture<>();
    StreamObserver<AppendEntriesRequestProto> stream =
        RaftServerProtocolServiceGrpc.newStub(channel)
            .appendEntries(
                new StreamObserver<>() {
                  @Override
                  public void onNext(AppendEntriesReplyProto reply) {
                    answer.complete(reply.getResult().name());
                  }

                  @Override
                  public void onError(Throwable t) {
                    answer.complete("failed: " + t.getMessage());
                  }

                  @Override
                  public void onCompleted() {
                    answer.complete("completed without an answer");
                  }
                });
    together.await(60, TimeUnit.SECONDS);
    stream.onNext(request);
    String result = answer.get(60, TimeUnit.SECONDS);
    stream.onCompleted();
    return result;
  }

  /** The leader's request with entry {@code index} of term 1, after entry {@code index - 1}. */
  private static AppendEntriesRequestProto request(
      RaftGroup group, RaftPeer from, RaftPeer to, long callId, long index) {
    AppendEntriesRequestProto.Builder request =
        AppendEntriesRequestProto.newBuilder()
            .setServerRequest(
                RaftRpcRequestProto.newBuilder()
                    .setRequestorId(from.getId().toByteString())
                    .setReplyId(to.getId().toByteString())
                    .setRaftGroupId(
                        RaftGroupIdProto.newBuilder().setId(group.getGroupId().toByteString()))
                    .setCallId(callId))
            .setLeaderTerm(1)
            // Nothing committed: the entries stay in the log, unapplied.
            .setLeaderCommit(-1)
            .addEntries(
                LogEntryProto.newBuilder()
                    .setTerm(1)
                    .setIndex(index)
                    .setStateMachineLogEntry(
                        StateMachineLogEntryProto.newBuilder()
                            .setClientId(CLIENT.toByteString())
                            .setCallId(index)
                            .setLogData(ByteString.copyFromUtf8("entry " + index))));
    if (index > 0) {
      request.setPreviousLog(TermIndexProto.newBuilder().setTerm(1).setIndex(index - 1));
    }
    return request.build();
  }
}
