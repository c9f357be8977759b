package dev.cairn.server.internal.grpc;

import dev.cairn.server.core.Cluster;
import dev.cairn.server.core.log.LogStatus;

/**
 * Where a session asked for on the leader ({@code OpenSession.prefer_leader}) is opened (decision
 * 0114): a follower's writes are forwarded to the leader, which costs the cluster about twice the
 * CPU of the leader taking them itself, so a follower that knows the leader's address sends the
 * client there.
 */
final class LeaderRedirect {

  /** How often a member that does not know the leader's address looks again. */
  static final long WAIT_STEP_MILLIS = 50;

  /**
   * How many times it looks (2 s in all) before it opens the session itself, as it would without
   * {@code prefer_leader}: long enough for an election and for a new leader to tell its address,
   * short against a session's TTL.
   */
  static final int WAIT_STEPS = 40;

  /** What to do with the session. */
  enum Kind {
    /** Open it here. */
    HERE,
    /** Send the client to the leader at the decision's address. */
    LEADER,
    /**
     * Look again shortly: no member leads (an election), or the leader has not told its address yet
     * (it was elected a moment ago, or predates decision 0114).
     */
    WAIT
  }

  /** The answer; {@code address} is the leader's for {@link Kind#LEADER}, else empty. */
  record Decision(Kind kind, String address) {}

  static final Decision HERE = new Decision(Kind.HERE, "");
  static final Decision WAIT = new Decision(Kind.WAIT, "");

  private LeaderRedirect() {}

  /** The decision for a session asked for on the leader at this member; never blocks. */
  static Decision decide(Cluster cluster) {
    return cluster.replicated() ? decide(cluster.status()) : HERE;
  }

  /**
   * The decision for a member with {@code status}: the leader itself opens the session; a follower
   * that knows the leader's address sends the client there; one that knows no leader, or not its
   * address, waits.
   */
  static Decision decide(LogStatus status) {
    if (status.role() == LogStatus.Role.LEADER || status.leaderId().equals(status.nodeId())) {
      return HERE;
    }
    String address = status.leaderGrpcAddress();
    if (!status.hasLeader() || address.isEmpty()) {
      return WAIT;
    }
    return new Decision(Kind.LEADER, address);
  }
}
