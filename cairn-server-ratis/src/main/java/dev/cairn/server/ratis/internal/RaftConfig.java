package dev.cairn.server.ratis.internal;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.netty.NettyConfigKeys;
import org.apache.ratis.rpc.SupportedRpcType;
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

    RaftConfigKeys.Rpc.setType(p, SupportedRpcType.NETTY);
    NettyConfigKeys.Server.setHost(p, settings.host());
    NettyConfigKeys.Server.setPort(p, settings.port());

    RaftServerConfigKeys.setStorageDir(p, List.of(dataDir.resolve(RAFT_DIR).toFile()));
    RaftServerConfigKeys.setRemovedGroupsDir(p, dataDir.resolve("removed-groups").toFile());

    // Durability: an entry is committed (and its append acked) only after FileChannel.force.
    // Async flush stays off: in Ratis 3.2.0 it advances the flush index to the last entry written
    // when a force completes, which may include entries written after that force started.
    RaftServerConfigKeys.Log.setUnsafeFlushEnabled(p, false);
    RaftServerConfigKeys.Log.setAsyncFlushEnabled(p, false);
    RaftServerConfigKeys.Log.StateMachineData.setSync(p, true);
    RaftServerConfigKeys.Log.setForceSyncNum(p, FORCE_SYNC_ENTRIES);
    RaftServerConfigKeys.Log.setLogMetadataEnabled(p, true);
    RaftServerConfigKeys.Write.setElementLimit(p, PENDING_WRITES);
    RaftServerConfigKeys.Log.setQueueElementLimit(p, PENDING_WRITES);

    // A torn or garbled tail keeps the intact prefix instead of refusing to start.
    RaftServerConfigKeys.Log.setCorruptionPolicy(p, CorruptionPolicy.WARN_AND_RETURN);

    SizeInBytes segmentSize = SizeInBytes.valueOf(settings.segmentSizeBytes());
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

    // One peer: a pause of the process or the machine (stopped, suspended, starved) is survived,
    // not answered by stepping down or shutting down. Revisit with followers.
    RaftServerConfigKeys.setCloseThreshold(p, PAUSE_TOLERATED);
    RaftServerConfigKeys.LeaderElection.setLeaderStepDownWaitTime(p, PAUSE_TOLERATED);
    return p;
  }
}
