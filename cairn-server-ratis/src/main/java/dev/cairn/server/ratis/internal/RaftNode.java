package dev.cairn.server.ratis.internal;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.server.core.log.LogMember;
import dev.cairn.server.core.log.LogStateMachine;
import dev.cairn.server.core.log.LogStatus;
import dev.cairn.server.core.log.StorageStatus;
import dev.cairn.server.ratis.ClusterPeers;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientAsynchronousProtocol;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Ratis peer running a single-peer group for a {@link LogStateMachine}: starts and stops the
 * {@link RaftServer} and submits appends to it in-process, without a client or a network hop.
 *
 * <p>Thread-safe. Lifecycle: {@code NEW -> STARTING -> RUNNING -> CLOSED}, with {@code FAILED}
 * between {@code RUNNING} (or {@code STARTING}) and {@code CLOSED} when Ratis closes the state
 * machine without {@link #close} having asked for it; {@link #state} is the only owner of it, and
 * {@link #server} is written once, before {@code RUNNING}.
 */
public final class RaftNode {

  private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);

  private enum State {
    NEW,
    STARTING,
    RUNNING,
    FAILED,
    CLOSED
  }

  /** How long after a failed log write the log tries again to restart (decision 0094). */
  private static final long RECOVERY_RETRY_MILLIS = 1_000;

  /** A write-timeout check this late shows a pause of the process, not a stuck write. */
  private static final long PAUSE_SLACK_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final LogSettings settings;
  private final StorageGuard guard;
  // Appends failed because the log could not write; restarts after a failed write.
  private final AtomicLong failedWrites = new AtomicLong();
  private final AtomicLong recoveries = new AtomicLong();
  // Why the log cannot write after Ratis failed a log write, until a restart recovered it; null
  // while it can. Appends fail fast with it meanwhile.
  private volatile CairnException writeFailure;
  // Which Raft server (and adapter) is the current one: a stop told by an earlier one is ignored.
  private final AtomicLong generation = new AtomicLong();
  // This member's gRPC API address, told the other members (decision 0114); kept over restarts.
  private final ForwardService.Advertised advertised = new ForwardService.Advertised();
  // Held while the Raft server is replaced or closed.
  private final Object restartLock = new Object();
  private volatile java.util.concurrent.ScheduledExecutorService recovery;
  // Fails appends not done within the write timeout; from start() to close().
  private volatile WriteDeadlines deadlines;
  private volatile LogStateMachine machine;
  // Where the machine goes on after a failed write, until a restart took it; under restartLock.
  private TermIndex resumePoint;
  private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
  // Appends submitted and not yet completed, failed by close(); concurrent set, no lock.
  private final Set<CompletableFuture<byte[]>> pending = ConcurrentHashMap.newKeySet();
  private final ClientId clientId = ClientId.randomId();
  // Asks the leader's log appenders to tell the followers of a commit (decision 0115).
  private final CommitHeartbeatRpc.Requests commitHeartbeats = new CommitHeartbeatRpc.Requests();
  private final AtomicLong callIds = new AtomicLong();
  private final CompletableFuture<CairnException> failure = new CompletableFuture<>();
  // Why the log failed: written once, before state becomes FAILED, and kept after close().
  private volatile CairnException failedWith;

  private volatile DataDirLock dirLock;
  private volatile RaftServer server;
  // Where appends go: the group's division itself once the server started (see writer()), else
  // the server.
  private volatile RaftClientAsynchronousProtocol writer;
  private volatile RaftIdentity identity;
  private volatile StateMachineAdapter adapter;
  // The history's epoch (decision 0222), kept across in-process restarts of the Raft server.
  private final HistoryEpoch history = new HistoryEpoch();
  // Set in start() before RUNNING when this log is a member of a group of several.
  private volatile GroupMember group;

  /**
   * @param minFreeBytes the free space below which appends are refused (decision 0094)
   * @param usableSpace the usable bytes of the data directory's file system; {@code null} for the
   *     file system's own figure
   */
  public RaftNode(LogSettings settings, long minFreeBytes, LongSupplier usableSpace) {
    this.settings = settings;
    this.guard = new StorageGuard(settings.dataDir(), minFreeBytes, usableSpace);
  }

  /**
   * Locks the data directory, starts the peer and returns once it leads with every logged entry
   * applied. Fails at once when another server holds the directory.
   */
  public void start(LogStateMachine machine) throws IOException {
    if (!state.compareAndSet(State.NEW, State.STARTING)) {
      throw new IllegalStateException("start: called in state " + state.get() + " (expected: NEW)");
    }
    // Ratis ends the JVM (System.exit) on some start failures, e.g. a Raft port in use; the server
    // reports those itself and decides, so Ratis throws instead.
    org.apache.ratis.util.ExitUtils.disableSystemExit();
    RaftServer raft = null;
    deadlines =
        new WriteDeadlines(
            settings.writeTimeout(),
            java.time.Duration.ofNanos(PAUSE_SLACK_NANOS),
            "cairn-log-deadlines");
    try {
      Files.createDirectories(settings.dataDir());
      this.dirLock = DataDirLock.acquire(settings.dataDir());
      RaftIdentity id =
          RaftIdentity.loadOrCreate(
              settings.dataDir(),
              settings.peerId(),
              settings.clustered() ? RaftIdentity.clusterGroup(settings.clusterName()) : null);
      this.machine = machine;
      this.identity = id;
      history.groupId(id.groupId().getUuid().toString());
      refuseIfRemoved(id);
      refuseAMembersEmptyLogAsASingleNode(id);
      raft = launch(id, null);
      if (!state.compareAndSet(State.STARTING, State.RUNNING)) {
        CairnException failed = failedWith;
        throw failed == null
            ? new IOException("start: closed while starting")
            : new IOException("start: " + failed.getMessage(), failed.getCause());
      }
      if (settings.clustered()) {
        logStarted(id);
      } else {
        LOG.info(
            "Raft peer {} leads group {} in {}", id.peerId(), id.groupId(), settings.dataDir());
      }
    } catch (IOException | RuntimeException e) {
      state.set(State.CLOSED);
      if (raft != null) {
        closeQuietly(raft);
      }
      deadlines.close();
      releaseQuietly(dirLock);
      throw startFailure(e);
    }
  }

  /** Says the member started, and how: in the configuration, or waiting to be added. */
  private void logStarted(RaftIdentity id) {
    GroupMember g = group;
    if (g != null && g.outsideConfiguration()) {
      LOG.info(
          "Raft member {} of group {} started in {} outside the cluster's configuration; it waits"
              + " to be added (cairn members add {}={} on a member)",
          id.peerId(),
          id.groupId(),
          settings.dataDir(),
          id.peerId(),
          settings.host() + ":" + settings.port());
      return;
    }
    LOG.info(
        "Raft member {} of group {} started in {}, members {}",
        id.peerId(),
        id.groupId(),
        settings.dataDir(),
        settings.peers());
    int members = settings.join() ? 0 : settings.peers().size();
    if (members == 2) {
      LOG.warn(
          "A cluster of 2 members has no fault tolerance: writes stop when either is down (a"
              + " majority of 2 is 2). Run 3 or 5 members (docs/operations.md, Cluster)");
    } else if (members == 1) {
      LOG.warn(
          "A cluster of 1 member has no fault tolerance; add members with cairn members add (3 or"
              + " 5 in all, docs/operations.md, Cluster)");
    } else if (members > 2 && members % 2 == 0) {
      LOG.warn(
          "A cluster of {} members tolerates no more failures than one of {}; run an odd number"
              + " of members",
          members,
          members - 1);
    }
  }

  /** The marker a removed member leaves in its data directory (decision 0179). */
  static final String REMOVED_FILE = "cairn-removed";

  /** Refuses a data directory whose member was removed from its cluster (decision 0179). */
  private void refuseIfRemoved(RaftIdentity id) throws IOException {
    java.nio.file.Path marker = settings.dataDir().resolve(REMOVED_FILE);
    if (Files.exists(marker)) {
      throw removedAtStart(id);
    }
  }

  private dev.cairn.server.ratis.MemberRemovedException removedAtStart(RaftIdentity id) {
    return new dev.cairn.server.ratis.MemberRemovedException(
        "member "
            + id.peerId()
            + " was removed from the cluster "
            + clusterName(id)
            + ": its data directory "
            + settings.dataDir()
            + " does not serve again. To rejoin, start it on a new, empty --data-dir with --join"
            + " and add it on a member: cairn members add "
            + id.peerId()
            + "="
            + settings.host()
            + ":"
            + settings.port()
            + " (docs/operations.md, Removing a member)");
  }

  private String clusterName(RaftIdentity id) {
    return "\"" + settings.clusterName() + "\" (group " + id.groupId().getUuid() + ")";
  }

  /**
   * Checks the configuration the log had before this start: a removed member's directory is
   * refused, and so is a cluster member's when started as a single node (which would wait for the
   * other members forever). A one-member cluster's directory may start as a single node: it is one.
   */
  private void checkConfiguration(RaftServer raft, RaftIdentity id) throws IOException {
    org.apache.ratis.server.RaftConfiguration conf = raft.getDivision(id.groupId()).getRaftConf();
    if (settings.clustered()) {
      if (GroupMember.removedFrom(conf, id.peerId())) {
        markRemoved(id);
        throw removedAtStart(id);
      }
      if (conf.getLogEntryIndex() >= 0 && isSingleNodes(conf, id)) {
        // The log's configuration is a single node's (this peer alone, at the ephemeral port a
        // single node gives Ratis): it would lead alone whatever --peers says, a second cluster.
        throw new IOException(
            "data directory "
                + settings.dataDir()
                + " holds the log of a single node (its configuration names only "
                + id.peerId()
                + ", at no member address), not of a cluster member: --peers cannot make it one."
                + " Start it as a single node (without --node-id and --peers) and move its data"
                + " with cairn snapshot save and cairn snapshot restore, or give this member an"
                + " empty --data-dir");
      }
      return;
    }
    List<RaftPeer> others = new ArrayList<>();
    for (RaftPeer p : conf.getAllPeers()) {
      if (!p.getId().equals(id.peerId())) {
        others.add(p);
      }
    }
    if (others.isEmpty()) {
      return;
    }
    StringBuilder peers = new StringBuilder();
    for (RaftPeer p : conf.getCurrentPeers()) {
      peers
          .append(peers.length() == 0 ? "" : ",")
          .append(p.getId())
          .append('=')
          .append(p.getAddress());
    }
    throw new IOException(
        "data directory "
            + settings.dataDir()
            + " belongs to member \""
            + id.peerId()
            + "\" of the cluster group "
            + id.groupId().getUuid()
            + " (members "
            + peers
            + "), not to a single node: start it as that member, with --node-id "
            + id.peerId()
            + " --peers "
            + peers
            + " (and the --cluster-name it was made with), or give the single node an empty"
            + " --data-dir");
  }

  /**
   * Whether {@code conf} is a single node's: this peer alone, at an ephemeral port ({@code :0}).
   */
  private static boolean isSingleNodes(
      org.apache.ratis.server.RaftConfiguration conf, RaftIdentity id) {
    java.util.Collection<RaftPeer> peers = conf.getAllPeers();
    if (peers.size() != 1) {
      return false;
    }
    RaftPeer only = peers.iterator().next();
    return only.getId().equals(id.peerId()) && only.getAddress().endsWith(":0");
  }

  /**
   * Refuses to start a single node on the directory of a cluster member whose log holds nothing yet
   * (it never heard from a leader): started so, it would elect itself and write a configuration of
   * one into a member's log, which a later start as the member would then follow, leading alone. A
   * member's directory whose log holds the cluster's configuration is refused after the start
   * ({@link #checkConfiguration}); one of a cluster of one member starts (it is one).
   */
  private void refuseAMembersEmptyLogAsASingleNode(RaftIdentity id) throws IOException {
    if (settings.clustered()
        || !id.madeByCluster()
        || SegmentScan.holdsEntries(settings.dataDir().resolve(RaftConfig.RAFT_DIR))) {
      return;
    }
    throw new IOException(
        "data directory "
            + settings.dataDir()
            + " belongs to member \""
            + id.peerId()
            + "\" of a cluster (Raft group "
            + id.groupId().getUuid()
            + "), whose log holds nothing yet: start it as that member, with --node-id "
            + id.peerId()
            + " and the cluster's --peers (and the --cluster-name it was made with), or give the"
            + " single node an empty --data-dir");
  }

  /** Leaves the removed marker in the data directory; a start then refuses it. */
  private void markRemoved(RaftIdentity id) {
    try {
      Files.writeString(
          settings.dataDir().resolve(REMOVED_FILE),
          "member " + id.peerId() + " was removed from the cluster " + clusterName(id) + "\n");
    } catch (IOException e) {
      LOG.warn("Could not mark {} as removed: {}", settings.dataDir(), e.toString());
    }
  }

  /**
   * Checks the log, makes the adapter and the Raft server, starts it and, for a log of one, waits
   * until it leads with the log applied; the fields name the new ones once it started. With {@code
   * resumeAt}, the machine goes on from there (an in-process restart) instead of being loaded.
   * Returns the server, for the caller to close should anything after fail.
   */
  private RaftServer launch(RaftIdentity id, TermIndex resumeAt) throws IOException {
    checkLog();
    long gen = generation.incrementAndGet();
    StateMachineAdapter sm =
        new StateMachineAdapter(
            machine,
            history,
            settings.snapshotEvery(),
            cause -> {
              if (generation.get() == gen) {
                machineStopped(cause);
              }
            },
            this::append);
    sm.onLogFailed(
        cause -> {
          if (generation.get() == gen) {
            logWriteFailed(cause);
          }
        });
    sm.appendEpoch(entry -> CompletableFuture.runAsync(() -> appendEpoch(entry, gen, 1)));
    if (resumeAt != null) {
      sm.resumeAt(resumeAt);
    }
    RaftGroup raftGroup = group(id);
    if (settings.clustered()) {
      sm.clustered(id.peerId());
    }
    RaftServer raft = newServer(id, sm, raftGroup);
    this.adapter = sm;
    this.server = raft;
    this.writer = raft;
    try {
      raft.start();
      if (resumeAt == null) {
        checkConfiguration(raft, id);
      }
      this.writer = writer(raft, id);
      if (settings.clustered()) {
        // A member does not wait for a leader: the others may not be up yet.
        this.group =
            new GroupMember(
                raft,
                RaftGroup.valueOf(id.groupId(), peers()),
                id.peerId(),
                sm,
                settings,
                RaftConfig.properties(settings),
                advertised);
      } else {
        awaitLeaderReady(sm);
      }
    } catch (IOException | RuntimeException e) {
      if (resumeAt != null) {
        generation.incrementAndGet(); // a failed restart is tried again, not the log's failure
      }
      closeQuietly(raft);
      throw e;
    }
    return raft;
  }

  /**
   * Where this member's appends are submitted: the group's division when it takes client requests
   * itself (Ratis 3.2.0's does), else the server. The server's own entry point hands every request
   * to a thread of its client pool and blocks the caller until that thread appended it: two context
   * switches per entry, and the appending thread (an event loop, or Ratis's state-machine updater
   * completing the previous entry) waits for nothing. The division's entry point appends on the
   * calling thread, under the same lock, in the same order (decision 0112).
   */
  private static RaftClientAsynchronousProtocol writer(RaftServer raft, RaftIdentity id) {
    try {
      RaftServer.Division division = raft.getDivision(id.groupId());
      if (division instanceof RaftClientAsynchronousProtocol direct) {
        return direct;
      }
    } catch (IOException e) {
      LOG.debug("No division of group {} yet; appends go through the server", id.groupId(), e);
    }
    return raft;
  }

  /** The largest entry {@link #append} takes, in bytes (the log worker's write buffer's room). */
  public static int maxEntryBytes() {
    return RaftConfig.MAX_ENTRY_BYTES;
  }

  /** Submits {@code entry}; see {@link dev.cairn.server.ratis.RatisCommandLog#append}. */
  public CompletableFuture<byte[]> append(byte[] entry) {
    return append(entry, 0);
  }

  /**
   * Submits {@code entry}, whose oldest command already waited {@code waitedNanos} for it: in a
   * cluster the write timeout counts from then (decision 0182); see {@link
   * dev.cairn.server.ratis.RatisCommandLog#append(byte[], long)}.
   */
  public CompletableFuture<byte[]> append(byte[] entry, long waitedNanos) {
    long arrived = System.nanoTime() - Math.max(0, waitedNanos);
    if (entry.length > RaftConfig.MAX_ENTRY_BYTES) {
      // Past the log worker's buffer the write would fail the worker, and with it the log.
      return CompletableFuture.failedFuture(
          CairnException.of(
              ErrorCode.INVALID_ARGUMENT,
              "a log entry of "
                  + entry.length
                  + " bytes is more than the log takes ("
                  + RaftConfig.MAX_ENTRY_BYTES
                  + " bytes)"));
    }
    State current = state.get();
    if (current != State.RUNNING) {
      CairnException failed = failedWith;
      return CompletableFuture.failedFuture(
          failed != null
              ? failed
              : unavailable("command log is " + current.name().toLowerCase(Locale.ROOT)));
    }
    CairnException cannotWrite = writeFailure;
    if (cannotWrite == null) {
      cannotWrite = guard.refusal(guard.usableBytes());
    }
    if (cannotWrite != null) {
      failedWrites.incrementAndGet();
      return CompletableFuture.failedFuture(cannotWrite);
    }
    GroupMember g = group;
    if (g != null && waitedNanos >= settings.writeTimeout().toNanos()) {
      // Queued behind entries that could not commit for the whole write timeout: failed unsent,
      // so it is never applied after its writer was told it failed (decision 0182).
      failedWrites.incrementAndGet();
      return CompletableFuture.failedFuture(
          unavailable(
              "write not sent within "
                  + settings.writeTimeout().toMillis()
                  + " ms: "
                  + g.describeQuorum()));
    }
    if (g != null && !adapter.leading()) {
      if (g.outsideConfiguration()) {
        // Nothing to forward to yet, and a write queued until it is added would be applied long
        // after its writer was told it failed (decision 0179).
        return CompletableFuture.failedFuture(
            unavailable(
                "member "
                    + settings.peerId()
                    + " is not a member of the cluster yet (started with --join): add it with"
                    + " cairn members add "
                    + settings.peerId()
                    + "="
                    + settings.host()
                    + ":"
                    + settings.port()
                    + ", or send writes to a member"));
      }
      return track(g.forward(entry, arrived));
    }
    RaftIdentity id = identity;
    // An encoded entry is never written again: Ratis may keep its bytes without a copy.
    RaftClientRequest request =
        writeRequest(id, Message.valueOf(UnsafeByteOperations.unsafeWrap(entry)));
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    pending.add(result);
    try {
      CompletableFuture<RaftClientReply> submitted = writer.submitClientRequestAsync(request);
      if (g != null) {
        // The leader has no deadline of its own for a write it cannot commit (no quorum).
        CompletableFuture<RaftClientReply> leaderWrite = submitted;
        deadlines.watch(
            leaderWrite,
            false,
            () -> leaderWrite.completeExceptionally(new TimeoutException()),
            arrived);
        submitted.whenComplete(
            (reply, error) -> {
              if (reply != null && reply.getNotLeaderException() != null) {
                // Leadership moved while this was submitted: the leader takes it.
                relay(g.forward(entry, arrived), result);
              } else if (error instanceof TimeoutException) {
                result.completeExceptionally(
                    unavailable(
                        "write not committed within "
                            + settings.writeTimeout().toMillis()
                            + " ms: "
                            + g.describeQuorum()
                            // It is in this leader's log: a majority back in time commits it.
                            + "; it may still be applied if a quorum returns"));
                pending.remove(result);
              } else {
                complete(result, reply, error);
                if (reply != null && reply.isSuccess() && pending.isEmpty()) {
                  // Nothing of this leader's follows to carry the commit to the followers.
                  commitHeartbeats.carry(reply.getLogIndex());
                }
              }
            });
      } else {
        submitted.whenComplete((reply, error) -> complete(result, reply, error));
        // A write Ratis never answers (its log failed under it) fails after the write timeout.
        failAfterWriteTimeout(result);
      }
    } catch (IOException | RuntimeException e) {
      complete(result, null, e);
    }
    if (state.get() != State.RUNNING) {
      // close() or machineStopped() may have drained the pending set before this append joined it.
      complete(result, null, null);
    }
    return result;
  }

  private RaftClientRequest writeRequest(RaftIdentity id, Message message) {
    return RaftClientRequest.newBuilder()
        .setClientId(clientId)
        .setServerId(id.peerId())
        .setGroupId(id.groupId())
        .setCallId(callIds.incrementAndGet())
        .setMessage(message)
        .setType(RaftClientRequest.writeRequestType())
        .build();
  }

  /**
   * Fails {@code result}, unless done by then, once it waited the write timeout while the process
   * ran; a pause of the process gives it another write timeout (see {@link WriteDeadlines}).
   */
  private void failAfterWriteTimeout(CompletableFuture<byte[]> result) {
    deadlines.watch(
        result,
        true,
        () -> {
          CairnException failed = writeFailure;
          result.completeExceptionally(
              failed != null
                  ? failed
                  : unavailable(
                      "write not done within "
                          + settings.writeTimeout().toMillis()
                          + " ms (it may still be applied)"));
          pending.remove(result);
        });
  }

  private CompletableFuture<byte[]> track(CompletableFuture<byte[]> f) {
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    pending.add(result);
    relay(f, result);
    if (state.get() != State.RUNNING) {
      complete(result, null, null);
    }
    return result;
  }

  /** Completes {@code to}, a pending append, as {@code from} completes, and forgets it. */
  private void relay(CompletableFuture<byte[]> from, CompletableFuture<byte[]> to) {
    from.whenComplete(
        (answer, e) -> {
          if (e != null) {
            to.completeExceptionally(unwrap(e));
          } else {
            to.complete(answer);
          }
          pending.remove(to);
        });
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof java.util.concurrent.CompletionException && e.getCause() != null
        ? e.getCause()
        : e;
  }

  /** Whether this log is a member of a group of several. */
  public boolean clustered() {
    return settings.clustered();
  }

  /** See {@link dev.cairn.server.core.log.CommandLog#advertise}. */
  public void advertise(String grpcAddress) {
    advertised.set(grpcAddress);
  }

  /** See {@link dev.cairn.server.core.log.CommandLog#status()}. */
  public LogStatus status() {
    GroupMember g = group;
    if (g == null || state.get() != State.RUNNING) {
      StateMachineAdapter sm = adapter;
      long applied =
          sm == null || sm.getLastAppliedTermIndex() == null
              ? 0
              : sm.getLastAppliedTermIndex().getIndex();
      if (g == null) {
        return LogStatus.single(applied);
      }
      return new LogStatus(
          settings.peerId(), LogStatus.Role.NOT_MEMBER, "", 0, 0, applied, -1, 0, 0, 0, 0, "");
    }
    return g.status();
  }

  public CompletableFuture<Long> readBarrier() {
    GroupMember g = group;
    return g == null ? CompletableFuture.completedFuture(status().appliedIndex()) : g.readBarrier();
  }

  public CompletableFuture<byte[]> sendToLeader(byte[] message) {
    GroupMember g = group;
    if (g == null) {
      return CompletableFuture.failedFuture(unavailable("the log is not a member of a group"));
    }
    return g.sendToLeader(message);
  }

  public CompletableFuture<List<LogMember>> members() {
    GroupMember g = group;
    if (g == null) {
      // A single node is no cluster: it lists itself without an id or an address (its Raft peer's
      // are internal, an ephemeral loopback port), as every log of one does.
      LogStatus s = status();
      return CompletableFuture.completedFuture(
          List.of(new LogMember("", "", "LEADER", 0, s.appliedIndex(), 0)));
    }
    return g.members();
  }

  public CompletableFuture<List<LogMember>> addMember(String id, String address) {
    return requireGroup().addMember(id, address);
  }

  public CompletableFuture<List<LogMember>> removeMember(String id) {
    return requireGroup().removeMember(id);
  }

  public CompletableFuture<Void> transferLeadership(String id) {
    return requireGroup().transferLeadership(id);
  }

  private GroupMember requireGroup() {
    GroupMember g = group;
    if (g == null) {
      throw CairnException.of(
          ErrorCode.FAILED_PRECONDITION,
          "this server is a single node: start it with --node-id and --peers to form a cluster");
    }
    return g;
  }

  /** See {@link dev.cairn.server.core.log.CommandLog#failure()}. */
  public CompletableFuture<CairnException> failure() {
    return failure.copy();
  }

  /** See {@link dev.cairn.server.core.log.CommandLog#storage()}. */
  public StorageStatus storage() {
    long usable = guard.usableBytes();
    CairnException failed = writeFailure;
    if (failed == null) {
      failed = guard.refusal(usable);
    }
    State current = state.get();
    if (failed == null && current != State.RUNNING) {
      CairnException stopped = failedWith;
      failed =
          stopped != null
              ? stopped
              : unavailable("command log is " + current.name().toLowerCase(Locale.ROOT));
    }
    return new StorageStatus(
        failed == null,
        failed == null ? "" : failed.getMessage(),
        settings.dataDir().toString(),
        usable,
        guard.reserveBytes(),
        failedWrites.get(),
        recoveries.get());
  }

  /**
   * Ratis failed a write to its log (told on its log worker): Ratis 3.2.0 then closes its log and
   * never answers the writes pending, nor takes new ones. They fail now, later ones fail at once,
   * and the Raft server is restarted in-process once the disk has room (decision 0094).
   */
  private void logWriteFailed(Throwable cause) {
    if (state.get() != State.RUNNING) {
      return;
    }
    CairnException failed;
    synchronized (restartLock) {
      if (writeFailure != null) {
        failed = writeFailure;
      } else {
        failed = storageFailure(cause);
        writeFailure = failed;
        LOG.error("{}", failed.getMessage(), cause);
        scheduleRecovery();
      }
    }
    for (CompletableFuture<byte[]> f : pending) {
      if (f.completeExceptionally(failed)) {
        failedWrites.incrementAndGet();
      }
      pending.remove(f);
    }
  }

  /** The error writes fail with after {@code cause} failed a log write. */
  private CairnException storageFailure(Throwable cause) {
    String io = String.valueOf(cause);
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof IOException) {
        io = t.getMessage() == null ? t.toString() : t.getMessage();
      }
    }
    boolean noSpace =
        io.contains("No space left") || guard.full(guard.usableBytes()) || io.contains("ENOSPC");
    String where = settings.dataDir().resolve(RaftConfig.RAFT_DIR).toString();
    return CairnException.of(
        noSpace ? ErrorCode.INSUFFICIENT_STORAGE : ErrorCode.UNAVAILABLE,
        "log",
        "the command log cannot write: "
            + (noSpace ? "disk full: " : "")
            + "a write to "
            + where
            + " failed ("
            + io
            + "); writes resume by themselves once the log recovers");
  }

  private void scheduleRecovery() {
    java.util.concurrent.ScheduledExecutorService r = recovery;
    if (r == null) {
      r =
          java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
              t -> {
                Thread th = new Thread(t, "cairn-log-recovery");
                th.setDaemon(true);
                return th;
              });
      recovery = r;
    }
    r.schedule(this::recover, RECOVERY_RETRY_MILLIS, TimeUnit.MILLISECONDS);
  }

  /**
   * The usable bytes a restart waits for: the reserve, and at least room for two log segments
   * (Ratis preallocates a new one whole, up to 4 MiB), so that a log whose reserve is off does not
   * restart into the same full disk again and again.
   */
  private long recoveryRoom() {
    long segment = Math.min(settings.segmentSizeBytes(), 4L * 1024 * 1024);
    return Math.max(guard.reserveBytes(), 2 * segment);
  }

  /**
   * Replaces the Raft server whose log failed by a new one on the same directory, once the disk has
   * room: the torn tail is cut (as at a start), and the machine goes on from the entry it applied
   * last. Everything acknowledged was applied, so it is in the log the new server reads; the
   * revision never goes back. Tried again every {@link #RECOVERY_RETRY_MILLIS} ms until it works.
   */
  private void recover() {
    synchronized (restartLock) {
      if (state.get() != State.RUNNING || writeFailure == null) {
        return;
      }
      long usable = guard.usableBytes();
      if (usable >= 0 && usable < recoveryRoom()) {
        recovery.schedule(this::recover, RECOVERY_RETRY_MILLIS, TimeUnit.MILLISECONDS);
        return;
      }
      long began = System.nanoTime();
      if (resumePoint == null) {
        // The server whose log failed ran until now: what it applied is where the next goes on.
        resumePoint = adapter.getLastAppliedTermIndex();
        generation.incrementAndGet(); // the old server's stop is not this log's failure
        GroupMember g = group;
        if (g != null) {
          g.close();
        }
        closeQuietly(server);
      }
      TermIndex applied = resumePoint;
      try {
        launch(identity, applied);
      } catch (IOException | RuntimeException e) {
        if (String.valueOf(e.getMessage()).startsWith("command log damaged before its tail")) {
          machineStopped(new IOException(e.getMessage(), e));
          return;
        }
        LOG.warn(
            "Restarting the command log after a failed write failed, trying again in {} ms: {}",
            RECOVERY_RETRY_MILLIS,
            e.toString());
        recovery.schedule(this::recover, RECOVERY_RETRY_MILLIS, TimeUnit.MILLISECONDS);
        return;
      }
      resumePoint = null;
      writeFailure = null;
      recoveries.incrementAndGet();
      LOG.info(
          "The command log recovered from a failed write in {} ms; writes are taken again, from"
              + " index {}",
          (System.nanoTime() - began) / 1_000_000,
          applied == null ? 0 : applied.getIndex());
    }
  }

  /** Stops the peer; idempotent. Pending appends fail with {@code UNAVAILABLE}. */
  public void close() {
    State previous = state.getAndSet(State.CLOSED);
    if (previous == State.CLOSED) {
      return;
    }
    java.util.concurrent.ScheduledExecutorService r = recovery;
    if (r != null) {
      r.shutdownNow();
    }
    WriteDeadlines d = deadlines;
    if (d != null) {
      d.close();
    }
    synchronized (restartLock) {
      GroupMember g = group;
      if (g != null) {
        g.close();
      }
      RaftServer raft = server;
      if (raft != null) {
        closeQuietly(raft);
      }
    }
    StateMachineAdapter sm = adapter;
    if (sm != null) {
      sm.close();
    }
    for (CompletableFuture<byte[]> f : pending) {
      complete(f, null, null);
    }
    releaseQuietly(dirLock);
  }

  @Override
  public String toString() {
    RaftIdentity id = identity;
    return "state="
        + state.get()
        + ", dataDir="
        + settings.dataDir()
        + (id == null ? "" : ", peer=" + id.peerId() + ", group=" + id.groupId());
  }

  /**
   * Called by the adapter when applying or a snapshot threw an {@link Error} (with an exception
   * naming where, caused by it), and whenever Ratis closes the state machine (with {@code null}):
   * after {@link #close} asked for it, or because Ratis stopped by itself (after such an Error, or
   * when its log worker failed). Unless {@link #close} asked, the log fails: pending and later
   * appends fail with the cause, and {@link #failure} completes on a thread of its own, since this
   * runs on Ratis's threads, often inside its close.
   */
  private void machineStopped(Throwable cause) {
    State before = state.get();
    if (before != State.RUNNING && before != State.STARTING) {
      return; // close() asked for it, or this was told already
    }
    GroupMember g = group;
    RaftIdentity id = identity;
    CairnException failed;
    if (cause == null && g != null && id != null && g.removedFromConfiguration()) {
      // Ratis stops a member the others no longer have in their configuration: it was removed.
      markRemoved(id);
      failed =
          CairnException.of(
              ErrorCode.UNAVAILABLE,
              dev.cairn.server.core.log.CommandLog.REMOVED_FROM_CLUSTER,
              "member "
                  + id.peerId()
                  + " was removed from the cluster "
                  + clusterName(id)
                  + "; stopping (to rejoin: a new, empty --data-dir, --join and cairn members add)");
    } else {
      failed =
          CairnException.of(
              ErrorCode.UNAVAILABLE,
              cause == null
                  ? "command log failed: Ratis stopped the Raft server by itself (see its log)"
                  : "command log failed: " + cause.getMessage(),
              cause == null ? null : cause.getCause());
    }
    failedWith = failed; // before the state says FAILED; kept after close()
    if (!state.compareAndSet(before, State.FAILED) || before == State.STARTING) {
      return; // close() came in between, or start() reports it
    }
    for (CompletableFuture<byte[]> f : pending) {
      complete(f, null, null);
    }
    Thread t = new Thread(() -> failure.complete(failed), "cairn-log-failed");
    t.setDaemon(true);
    t.start();
  }

  /** The members a start begins with: this peer alone, or the cluster's list. */
  private RaftGroup group(RaftIdentity id) {
    if (!settings.clustered()) {
      return RaftGroup.valueOf(
          id.groupId(),
          RaftPeer.newBuilder()
              .setId(id.peerId())
              .setAddress(settings.host() + ":" + settings.port())
              .build());
    }
    if (settings.join()) {
      // A new member starts knowing no configuration: it neither votes nor stands for election
      // until a leader adds it (cairn members add) and sends it the log or a snapshot.
      return RaftGroup.valueOf(id.groupId());
    }
    return RaftGroup.valueOf(id.groupId(), peers());
  }

  private List<RaftPeer> peers() {
    List<RaftPeer> peers = new ArrayList<>();
    for (ClusterPeers.Peer p : settings.peers()) {
      peers.add(RaftPeer.newBuilder().setId(p.id()).setAddress(p.address()).build());
    }
    return peers;
  }

  /**
   * Drops a torn last write (a crash cut it short; it was never acknowledged) and refuses to start
   * on damage before it, which would silently drop acknowledged entries (decision 0093).
   */
  private void checkLog() throws IOException {
    SegmentScan.Damage damage = SegmentScan.find(settings.dataDir().resolve(RaftConfig.RAFT_DIR));
    if (damage == null) {
      return;
    }
    if (damage.tail()) {
      LOG.warn("Dropping a torn last write, cut short by a crash: {}", damage.describe());
      SegmentScan.cut(damage);
      return;
    }
    throw new IOException(
        "command log damaged before its tail: "
            + damage.describe()
            + ". Starting would silently drop acknowledged writes, so the server does not start."
            + " To cut the log there and start from the intact prefix, run: cairn repair"
            + " --data-dir "
            + settings.dataDir()
            + (settings.clustered()
                ? " (or, in a cluster, empty this member's data directory and let it catch up"
                    + " from the others)"
                : "")
            + "; see docs/operations.md, Crash recovery");
  }

  private RaftServer newServer(RaftIdentity id, StateMachineAdapter sm, RaftGroup raftGroup)
      throws IOException {
    return RaftServer.newBuilder()
        .setServerId(id.peerId())
        .setGroup(raftGroup)
        .setProperties(RaftConfig.properties(settings))
        .setParameters(
            CommitHeartbeatRpc.with(
                RaftConfig.serverParameters(
                    settings, ForwardService.customizer(sm::forwardHere, advertised)),
                commitHeartbeats))
        .setStateMachine(sm)
        .setOption(RaftStorage.StartupOption.RECOVER)
        .build();
  }

  private void awaitLeaderReady(StateMachineAdapter sm) throws IOException {
    long timeoutMillis = settings.startTimeout().toMillis();
    try {
      long began = System.nanoTime();
      sm.leaderReady().get(timeoutMillis, TimeUnit.MILLISECONDS);
      long left = timeoutMillis - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
      try {
        // A history that starts here gets its epoch first: the log serves with its registry id.
        history.settled().get(Math.max(1, left), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw new IOException(
            "start: the history's epoch not applied within " + timeoutMillis + " ms", e);
      }
    } catch (TimeoutException e) {
      throw new IOException(
          "start: no leader with the log replayed after " + timeoutMillis + " ms", e);
    } catch (ExecutionException e) {
      throw startFailure(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("start: interrupted", e);
    }
  }

  /** The first {@link IOException} in the cause chain of {@code e}, or {@code e} wrapped in one. */
  private static IOException startFailure(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IOException) {
        return (IOException) t;
      }
    }
    return new IOException("start: failed: " + e, e);
  }

  /**
   * Completes {@code result} from a Ratis reply or error; with neither, fails it as closed. The
   * first completion wins, so racing calls are harmless.
   */
  private void complete(CompletableFuture<byte[]> result, RaftClientReply reply, Throwable error) {
    try {
      if (reply != null && reply.isSuccess()) {
        result.complete(reply.getMessage().getContent().toByteArray());
      } else if (state.get() != State.RUNNING && failedWith != null) {
        result.completeExceptionally(failedWith);
      } else if (reply != null) {
        Throwable cause = reply.getException();
        result.completeExceptionally(
            cause instanceof StateMachineException
                ? CairnException.of(ErrorCode.INTERNAL, "apply failed: " + cause.getMessage())
                : unavailable("append failed: " + cause));
      } else if (error != null) {
        result.completeExceptionally(unavailable("append failed: " + error));
      } else {
        result.completeExceptionally(unavailable("command log is closed"));
      }
    } finally {
      pending.remove(result);
    }
  }

  private static CairnException unavailable(String message) {
    return CairnException.of(ErrorCode.UNAVAILABLE, message);
  }

  /**
   * The history's registry id (decision 0222): derived from the group id and the history's epoch;
   * the group id for a history without an epoch (one with state from before epochs); empty until
   * either is known.
   */
  public String historyId() {
    return history.registryId();
  }

  /**
   * Appends the history's epoch entry as the leader (decision 0222), straight to Ratis: the first
   * leader of a history without state does it as it starts leading (a log of one while it starts,
   * before it takes appends). A try that fails is made again, every 100 ms up to 50 times, while
   * this member leads a history still without an epoch; otherwise the next leader appends one.
   */
  private void appendEpoch(byte[] entry, long gen, int tries) {
    CompletableFuture<RaftClientReply> submitted;
    try {
      submitted =
          writer.submitClientRequestAsync(
              writeRequest(identity, Message.valueOf(UnsafeByteOperations.unsafeWrap(entry))));
    } catch (IOException | RuntimeException e) {
      submitted = CompletableFuture.failedFuture(e);
    }
    submitted.whenComplete(
        (reply, error) -> {
          if (error == null && reply.isSuccess()) {
            return;
          }
          StateMachineAdapter sm = adapter;
          boolean leads = !settings.clustered() || (sm != null && sm.leading());
          if (generation.get() != gen
              || state.get() == State.CLOSED
              || !history.wantsEpoch()
              || !leads) {
            return;
          }
          if (tries >= 50) {
            LOG.warn(
                "The history's epoch was not appended after {} tries (the next leader appends"
                    + " one): {}",
                tries,
                error != null ? error.toString() : reply.getException());
            return;
          }
          CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS)
              .execute(() -> appendEpoch(entry, gen, tries + 1));
        });
  }

  /** The group's id (a UUID), once started; empty before. */
  public String groupId() {
    RaftIdentity id = identity;
    return id == null ? "" : id.groupId().getUuid().toString();
  }

  private static void releaseQuietly(DataDirLock lock) {
    if (lock == null) {
      return;
    }
    try {
      lock.close();
    } catch (IOException e) {
      LOG.warn("Releasing the data directory lock failed", e);
    }
  }

  private static void closeQuietly(RaftServer raft) {
    try {
      raft.close();
    } catch (IOException | RuntimeException e) {
      LOG.warn("Closing the Raft server failed", e);
    }
  }
}
