package dev.cairn.server.core.log;

/**
 * What a {@link CommandLog} knows of its place in a replicated group, at the moment it was asked.
 *
 * @param nodeId this member's id ({@code ""} for a log that is not replicated)
 * @param role this member's role
 * @param leaderId the member this one believes leads, {@code ""} when it knows of none
 * @param term the current Raft term (0 when not replicated)
 * @param commitIndex the highest log index known to be committed
 * @param appliedIndex the highest log index applied to the state machine here
 * @param lastContactMillis milliseconds since this member last heard from its leader: 0 on the
 *     leader, -1 when it has never heard from one
 * @param noLeaderSinceMillis when (epoch milliseconds) this member lost its leader, 0 while it has
 *     one
 * @param leaderChanges how many times this member saw the leader change since it started
 * @param snapshotInstalls how many snapshots a leader installed here since it started
 * @param forwardedWrites how many entries (batches of writes) this member forwarded to a leader
 *     since it started
 * @param leaderGrpcAddress the gRPC API address ({@code host:port}) the leader advertises, as it
 *     told this member (decision 0114); {@code ""} while unknown, for a log that is not replicated,
 *     and on a follower when it is this member's own advertised address
 */
public record LogStatus(
    String nodeId,
    Role role,
    String leaderId,
    long term,
    long commitIndex,
    long appliedIndex,
    long lastContactMillis,
    long noLeaderSinceMillis,
    long leaderChanges,
    long snapshotInstalls,
    long forwardedWrites,
    String leaderGrpcAddress) {

  /** A member's role in its group. */
  public enum Role {
    /** Leads: takes writes, runs leases and health checks. */
    LEADER,
    /** Follows a leader (or waits for one). */
    FOLLOWER,
    /** Asks for votes. */
    CANDIDATE,
    /** Holds a copy without voting. */
    LISTENER,
    /** Not (or no longer) a member of the group. */
    NOT_MEMBER
  }

  /** The status of a log of one that is not replicated: it always leads. */
  public static LogStatus single(long appliedIndex) {
    return new LogStatus("", Role.LEADER, "", 0, appliedIndex, appliedIndex, 0, 0, 0, 0, 0, "");
  }

  /** Whether this member knows a leader (itself included). */
  public boolean hasLeader() {
    return !leaderId.isEmpty();
  }
}
