package dev.cairn.server.ratis.internal;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.grpc.server.GrpcLogAppender;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;
import org.apache.ratis.server.raftlog.RaftLogIOException;
import org.apache.ratis.util.LifeCycle;

/**
 * Ratis's gRPC transport, whose leader can tell its followers of a commit by a heartbeat instead of
 * by the next entry (decision 0115).
 *
 * <p>Without commit-metadata entries (decision 0108) a follower learns that an entry is committed
 * from the next request its leader sends. Under load that is the next entry. After a commit that
 * nothing follows, the leader {@linkplain Requests#carry asks} its appenders to carry the commit
 * index: each sends its follower a heartbeat as soon as the follower could take the index (it has
 * acknowledged the entries up to it), which costs the follower no log write and no fsync. Ratis's
 * own appender wakes when the commit index passes a follower's, but sends nothing unless it has
 * entries or a heartbeat is due.
 *
 * <p>Ratis finds this type by its class name ({@link RpcType#valueOf}), hence the public
 * no-argument constructor; {@link RaftConfig} configures members with it and hands the server its
 * {@link Requests} through the Raft parameters.
 */
public final class CommitHeartbeatRpc implements RpcType {

  private static final String REQUESTS = CommitHeartbeatRpc.class.getName() + ".requests";

  /** Called by Ratis, which instantiates a user-defined {@link RpcType} from its class name. */
  public CommitHeartbeatRpc() {}

  /** Hands {@code requests} to the factory that Ratis makes from {@code parameters}. */
  static Parameters with(Parameters parameters, Requests requests) {
    parameters.put(REQUESTS, requests, Requests.class);
    return parameters;
  }

  @Override
  public String name() {
    return CommitHeartbeatRpc.class.getName();
  }

  @Override
  public RpcFactory newFactory(Parameters parameters) {
    return new Factory(parameters);
  }

  /**
   * A leader's requests to carry its commit index to its followers. The index asked for only grows;
   * an appender carries at most that far, so a commit that a later entry carries anyway (under
   * load) costs no heartbeat.
   */
  static final class Requests {
    private final AtomicLong asked = new AtomicLong();
    private final Set<Appender> appenders = ConcurrentHashMap.newKeySet();

    /** Asks the leader's appenders to tell their followers that {@code index} is committed. */
    void carry(long index) {
      if (asked.accumulateAndGet(index, Math::max) == index) {
        appenders.forEach(LogAppender::notifyLogAppender);
      }
    }

    long asked() {
      return asked.get();
    }
  }

  /** Ratis's gRPC factory with {@link Appender}s; everything else (TLS included) is Ratis's own. */
  private static final class Factory extends GrpcFactory {
    private final Requests requests;

    Factory(Parameters parameters) {
      super(parameters);
      this.requests = parameters == null ? null : parameters.get(REQUESTS, Requests.class);
    }

    @Override
    public LogAppender newLogAppender(
        RaftServer.Division server, LeaderState state, FollowerInfo follower) {
      return requests == null
          ? super.newLogAppender(server, state, follower)
          : new Appender(server, state, follower, requests);
    }
  }

  /**
   * A gRPC log appender that, having no entries to send, sends a heartbeat when its follower could
   * take a commit index that it was asked to carry and has not been sent yet.
   */
  static final class Appender extends GrpcLogAppender {
    private final Requests requests;

    /** The highest commit index this appender sent a heartbeat for; only its own thread uses it. */
    private long carried;

    Appender(
        RaftServer.Division server, LeaderState state, FollowerInfo follower, Requests requests) {
      super(server, state, follower);
      this.requests = requests;
      requests.appenders.add(this);
    }

    @Override
    public AppendEntriesRequestProto newAppendEntriesRequest(long callId, boolean heartbeat)
        throws RaftLogIOException {
      AppendEntriesRequestProto request = super.newAppendEntriesRequest(callId, heartbeat);
      if (request != null || !commitToCarry()) {
        return request;
      }
      return super.newAppendEntriesRequest(callId, true);
    }

    @Override
    public CompletableFuture<LifeCycle.State> stopAsync() {
      requests.appenders.remove(this);
      return super.stopAsync();
    }

    /**
     * Whether a heartbeat now would raise the follower's commit index to one it was asked to carry
     * and was not sent yet. A follower raises it only up to the entry before the heartbeat, and
     * only when that entry is named, which Ratis does when no entries are in flight to it; so a
     * follower whose acknowledgement was still on its way at the commit is sent the heartbeat when
     * the acknowledgement arrives (Ratis wakes the appender then). Each index is carried once, so a
     * follower that cannot take it is not sent heartbeat after heartbeat.
     */
    private boolean commitToCarry() {
      if (hasPendingDataRequests()) {
        return false;
      }
      FollowerInfo follower = getFollower();
      long carry =
          Math.min(
              Math.min(getRaftLog().getLastCommittedIndex(), follower.getMatchIndex()),
              requests.asked());
      if (carry <= follower.getCommitIndex() || carry <= carried) {
        return false;
      }
      carried = carry;
      return true;
    }
  }
}
