package dev.cairn.server.ratis.internal;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.RaftServerConfigKeys.Log.CorruptionPolicy;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * Turns {@link LogSettings} into Ratis properties. Every durability-relevant key is set explicitly,
 * even where it equals the Ratis default, so that a change of default cannot weaken an ack.
 */
final class RaftConfig {

  /** The Ratis storage root under the data directory; one sub-directory per group. */
  static final String RAFT_DIR = "raft";

  /**
   * Entries written before the log worker forces a sync even though more writes are queued. The
   * worker already syncs whenever its queue runs dry, so under load one fsync covers up to this
   * many entries (group commit).
   */
  private static final int FORCE_SYNC_ENTRIES = 512;

  /** Appends accepted but not yet applied before new ones are refused. */
  private static final int PENDING_WRITES = 8192;

  /**
   * Retry-cache lifetime. The cache dedups client retries; in-process appends never retry, so a
   * short lifetime only bounds its memory.
   */
  private static final TimeDuration RETRY_CACHE_EXPIRY = TimeDuration.valueOf(5, TimeUnit.SECONDS);

  private static final SizeInBytes PREALLOCATED_MAX = SizeInBytes.valueOf("4MB");

  /**
   * The most bytes of entries a leader puts in one AppendEntries request to a follower. Ratis wants
   * the log worker's write buffer at least this large (plus 8), so this bounds that buffer too.
   */
  private static final int APPENDER_BYTES = 1024 * 1024;

  /**
   * The log worker's write buffer: direct memory, zeroed, so resident from the start. An entry
   * larger than it fails the log worker, so the batcher keeps entries under {@link
   * #MAX_ENTRY_BYTES}. Ratis's defaults (8 MiB here, 4 MiB per AppendEntries) cost 7 MiB of
   * resident memory for entries that are rarely over 300 KB (decision 0178).
   */
  static final int WRITE_BUFFER_BYTES = APPENDER_BYTES + 8;

  /**
   * The largest entry the log takes: one AppendEntries request's worth less room for Ratis's own
   * framing (the log entry's protobuf fields around the bytes, the client id, length and checksum;
   * under 100 bytes).
   */
  static final int MAX_ENTRY_BYTES = APPENDER_BYTES - 4096;

  private static final SizeInBytes SEGMENT_CACHE_MAX = SizeInBytes.valueOf("1MB");

  /**
   * A JVM or host pause this long is needed before Ratis steps the leader down or closes the
   * server: in effect never. Ratis's defaults (step down after 10 s, close the whole server after
   * 60 s) assume other peers took over meanwhile; a group of one has none, and a closed server left
   * a process that served reads but failed every write (decision 0007).
   */
  static final TimeDuration PAUSE_TOLERATED = TimeDuration.valueOf(3650, TimeUnit.DAYS);

  private RaftConfig() {}

  static RaftProperties properties(LogSettings settings) {
    RaftProperties p = new RaftProperties();
    Path dataDir = settings.dataDir();

    // gRPC, not Netty: Ratis's Netty transport lacks the server-to-server asynchronous protocol
    // that a follower's ReadIndex (a consistent read on any member) needs (decision 0103). Its log
    // appenders can carry a commit index to the followers by a heartbeat (decision 0115).
    RaftConfigKeys.Rpc.setType(p, new CommitHeartbeatRpc());
    GrpcConfigKeys.Server.setHost(p, settings.host());
    GrpcConfigKeys.Server.setPort(p, settings.port());

    RaftServerConfigKeys.setStorageDir(p, List.of(dataDir.resolve(RAFT_DIR).toFile()));
    RaftServerConfigKeys.setRemovedGroupsDir(p, dataDir.resolve("removed-groups").toFile());

    // Durability: an entry is committed (and its append acked) only after FileChannel.force.
    // Async flush stays off: in Ratis 3.2.0 it advances the flush index to the last entry written
    // when a force completes, which may include entries written after that force started.
    RaftServerConfigKeys.Log.setUnsafeFlushEnabled(p, false);
    RaftServerConfigKeys.Log.setAsyncFlushEnabled(p, false);
    RaftServerConfigKeys.Log.StateMachineData.setSync(p, true);
    RaftServerConfigKeys.Log.setForceSyncNum(p, FORCE_SYNC_ENTRIES);
    // No commit-metadata entries (decision 0108): each was one more entry written, replicated and
    // fsync'd on every member per commit. A single node replays its log before it serves
    // (leaderReady). In a cluster the next entry carries a new commit index to the followers; after
    // a commit that nothing follows the leader sends it by a heartbeat, which they do not write
    // (CommitHeartbeatRpc, decision 0115).
    RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
    RaftServerConfigKeys.Write.setElementLimit(p, PENDING_WRITES);
    RaftServerConfigKeys.Log.setQueueElementLimit(p, PENDING_WRITES);

    // Damage is found before Ratis starts (SegmentScan: a torn tail is cut, damage before it
    // refuses
    // to start); anything Ratis still finds fails the start rather than dropping entries silently.
    RaftServerConfigKeys.Log.setCorruptionPolicy(p, CorruptionPolicy.EXCEPTION);

    SizeInBytes segmentSize = SizeInBytes.valueOf(settings.segmentSizeBytes());
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf(APPENDER_BYTES));
    RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf(WRITE_BUFFER_BYTES));
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, segmentSize);
    RaftServerConfigKeys.Log.setPreallocatedSize(
        p, segmentSize.getSize() < PREALLOCATED_MAX.getSize() ? segmentSize : PREALLOCATED_MAX);

    // Entries stay cached in memory only until applied: one peer never sends them to a follower.
    RaftServerConfigKeys.Log.setSegmentCacheNumMax(p, 2);
    RaftServerConfigKeys.Log.setSegmentCacheSizeMax(p, SEGMENT_CACHE_MAX);

    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, settings.snapshotEvery());
    RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(p, settings.snapshotOnClose());
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, settings.snapshotsRetained());

    // One peer: the snapshot index is always committed, so the log below it can go at once.
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, settings.purgeAfterSnapshot());
    RaftServerConfigKeys.Log.setPurgeGap(
        p, settings.purgeAfterSnapshot() ? (int) Math.min(settings.snapshotEvery(), 1024) : 1024);
    if (!settings.purgeAfterSnapshot()) {
      RaftServerConfigKeys.Log.setPurgePreservationLogNum(p, Long.MAX_VALUE / 2);
    }

    RaftServerConfigKeys.RetryCache.setExpiryTime(p, RETRY_CACHE_EXPIRY);

    // A pause of the process or the machine (stopped, suspended, starved) is survived, not
    // answered by shutting down (decision 0007); in a cluster, a paused leader is replaced by an
    // election and learns of it when it wakes (decision 0101).
    RaftServerConfigKeys.setCloseThreshold(p, PAUSE_TOLERATED);
    RaftServerConfigKeys.LeaderElection.setLeaderStepDownWaitTime(p, PAUSE_TOLERATED);
    if (settings.clustered()) {
      cluster(p, settings);
    }
    return p;
  }

  /**
   * The Ratis parameters that are objects rather than properties: mutual TLS between members
   * (decision 0109) for the server, its client and admin calls alike; empty when traffic is plain.
   */
  static Parameters parameters(LogSettings settings) {
    GrpcTlsConfig tls = peerTls(settings);
    Parameters p = new Parameters();
    if (tls != null) {
      GrpcConfigKeys.TLS.setConf(p, tls);
    }
    return p;
  }

  /**
   * The Raft server's parameters: {@link #parameters} plus, in a cluster, the members' forward
   * stream on the Raft port (decision 0111) and the gate that lets one AppendEntries request at a
   * time into the server (decision 0200).
   */
  static Parameters serverParameters(LogSettings settings, GrpcServices.Customizer forwardStream) {
    Parameters p = parameters(settings);
    if (settings.clustered()) {
      GrpcConfigKeys.Server.setServicesCustomizer(p, AppendEntriesGate.before(forwardStream));
    }
    return p;
  }

  /** The members' mutual TLS (decision 0109), or null when their traffic is plain. */
  static GrpcTlsConfig peerTls(LogSettings settings) {
    LogSettings.PeerTls tls = settings.peerTls();
    return tls == null ? null : new GrpcTlsConfig(tls.keys(), tls.peers(), true);
  }

  /**
   * A member of a group of several (decision 0101): an election starts after a silence of one to
   * two election timeouts, with a pre-vote so that a member cut off and back does not depose a
   * healthy leader; a member that finds its own timer overslept by a whole timeout (a GC or host
   * pause) does not start an election on that account; entries stay cached long enough for a
   * follower a little behind; and the log is kept for {@code snapshotEvery} entries after a
   * snapshot so that a follower that was briefly away catches up from the log, one away longer from
   * an installed snapshot.
   */
  private static void cluster(RaftProperties p, LogSettings settings) {
    long min = settings.electionTimeout().toMillis();
    RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(min, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(2 * min, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(
        p, TimeDuration.valueOf(min, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(
        p, TimeDuration.valueOf(2 * min, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.LeaderElection.setPreVote(p, true);
    // A leader that stepped down for want of a majority's heartbeats does not campaign for this
    // long. Ten years (the single node's pause tolerance, set above) meant never: with one follower
    // back and the old leader holding the longer log, neither could win and the group stayed
    // leaderless while a majority of it ran (decision 0180). One longest election timeout, as
    // pre-vote keeps a returning old leader from disturbing one that was elected meanwhile.
    RaftServerConfigKeys.LeaderElection.setLeaderStepDownWaitTime(
        p, TimeDuration.valueOf(2 * min, TimeUnit.MILLISECONDS));
    // Ratis skips an election when the member's own timer overslept by more than this (it takes
    // itself for paused). A third of the timeout was overrun every few seconds on a loaded 2-core
    // machine, and a paused leader was then never replaced: one whole timeout instead.
    RaftServerConfigKeys.setSleepDeviationThreshold(
        p, TimeDuration.valueOf(min, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    RaftServerConfigKeys.Read.setTimeout(
        p, TimeDuration.valueOf(settings.writeTimeout().toMillis(), TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Log.setSegmentCacheNumMax(p, 6);
    RaftServerConfigKeys.Log.setSegmentCacheSizeMax(p, SizeInBytes.valueOf("16MB"));
    RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, true);
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    RaftServerConfigKeys.Log.setPurgePreservationLogNum(p, settings.snapshotEvery());
    RaftServerConfigKeys.Notification.setNoLeaderTimeout(
        p, TimeDuration.valueOf(10, TimeUnit.SECONDS));
    RaftServerConfigKeys.setStagingTimeout(p, TimeDuration.valueOf(30, TimeUnit.SECONDS));
  }
}
