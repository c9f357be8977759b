package dev.cairn.server.ratis;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.CairnException;
import dev.cairn.server.core.log.CommandLog;
import dev.cairn.server.core.log.LogMember;
import dev.cairn.server.core.log.LogStateMachine;
import dev.cairn.server.core.log.LogStatus;
import dev.cairn.server.core.log.StorageStatus;
import dev.cairn.server.ratis.internal.LogSettings;
import dev.cairn.server.ratis.internal.RaftNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A durable {@link CommandLog} on Apache Ratis: a Raft group of one peer that keeps its log and
 * snapshots under one data directory. The group and peer ids are persisted there, so a restart on
 * the same directory finds the same group; adding peers later changes only the group membership.
 *
 * <p>An {@link #append} future completes once the entry is fsync'd to the log and applied. After a
 * crash, a torn tail of the open log segment (its last entry bad, nothing intact after it) is
 * dropped with a warning and the intact prefix is replayed; damage before the tail fails {@link
 * #start} until {@link LogRepair#repair} cuts the log there (decision 0093). Snapshots are taken
 * every {@link Builder#snapshotEvery} entries, and the log segments they cover are deleted.
 *
 * <p>The data directory is locked (file {@code cairn.lock}) from {@link #start} to {@link #close}.
 *
 * <p>Thread-safe. {@link #start} is called once; {@link #close} is idempotent. Append futures
 * complete on the log's apply thread: dependent stages must not block.
 *
 * <pre>{@code
 * try (RatisCommandLog log = RatisCommandLog.builder(dataDir).snapshotEvery(10_000).build()) {
 *   log.start(machine);
 *   byte[] reply = log.append(command).join();
 * }
 * }</pre>
 */
public final class RatisCommandLog implements CommandLog {

  private final RaftNode node;

  private RatisCommandLog(LogSettings settings, long minFreeBytes, LongSupplier usableSpace) {
    this.node = new RaftNode(settings, minFreeBytes, usableSpace);
  }

  /** A builder for a log that keeps its files under {@code dataDir} (created when missing). */
  public static Builder builder(Path dataDir) {
    return new Builder(dataDir);
  }

  /**
   * Starts the Raft peer, restores {@code machine} from the latest snapshot and replays the log
   * after it. Returns once this peer leads its group and every entry in the log is applied.
   *
   * @throws IOException at once, with the message {@code data directory <dir> is in use by another
   *     Cairn server}, when another log (in this JVM or another process) holds the directory; when
   *     the data directory cannot be used; with the message {@code command log damaged before its
   *     tail: <file> at byte offset <n> ...} when a log entry is damaged with intact entries after
   *     it (see {@link LogRepair}); or when the peer does not become leader within {@link
   *     Builder#startTimeout}
   * @throws IllegalStateException when called more than once
   */
  @Override
  public void start(LogStateMachine machine) throws IOException {
    node.start(requireNonNull(machine, "machine"));
  }

  /**
   * Appends {@code entry}, kept as it is (not copied: the caller does not change it afterwards).
   * The future completes with the machine's reply once the entry is durable and applied, or with a
   * {@link dev.cairn.common.CairnException} of code {@code UNAVAILABLE} when the log is not running
   * or cannot take the entry.
   *
   * @throws IllegalArgumentException when {@code entry} is empty: the log skips empty entries on
   *     apply (logs written by earlier versions hold a leader's commit notices, decision 0115)
   */
  @Override
  public CompletableFuture<byte[]> append(byte[] entry) {
    if (requireNonNull(entry, "entry").length == 0) {
      throw new IllegalArgumentException("entry: empty (an entry holds at least one byte)");
    }
    return node.append(entry);
  }

  /**
   * {@inheritDoc}
   *
   * <p>In a cluster the write timeout counts from when the oldest command arrived: an entry whose
   * wait used it up fails at once with "write not sent within", and is never sent (decision 0182).
   * A single node counts it from this call, as {@link #append(byte[])} does.
   */
  @Override
  public CompletableFuture<byte[]> append(byte[] entry, long waitedNanos) {
    if (requireNonNull(entry, "entry").length == 0) {
      throw new IllegalArgumentException("entry: empty (an entry holds at least one byte)");
    }
    return node.append(entry, waitedNanos);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Ratis writes each entry through its log worker's buffer, which is 1 MiB here (decision
   * 0178); this is that less room for Ratis's framing.
   */
  @Override
  public int maxEntryBytes() {
    return RaftNode.maxEntryBytes();
  }

  /**
   * Completes when Ratis stopped this log by itself: it closes its Raft server when the state
   * machine throws an {@link Error} while applying an entry or writing a snapshot (logged by Ratis
   * as {@code caught a Throwable}), or when its log worker fails. (A pause of the process or the
   * machine, however long, is not a reason: Ratis's shutdown after a 60 s pause is turned off.)
   * Pending and later appends then fail with the same {@code UNAVAILABLE} exception; {@link #close}
   * still releases the data directory. A {@link RuntimeException} from the machine does not stop
   * the log: it fails that entry's append (or that snapshot, retried {@link Builder#snapshotEvery}
   * entries later). See {@link CommandLog#failure()}.
   */
  @Override
  public CompletableFuture<CairnException> failure() {
    return node.failure();
  }

  /** Stops the Raft peer and its threads; appends still pending fail with {@code UNAVAILABLE}. */
  @Override
  public void close() {
    node.close();
  }

  /**
   * The history's id (decision 0222), the same on every member: for a history that started empty,
   * derived from the Raft group id and the random epoch its first leader appended as its first
   * entry, so a history started again in empty data directories (a cluster rebuilt under its name)
   * has an id of its own; for one with state from before epochs, the group id as before. Empty
   * until this member knows which: while it replays its log from the start, or in a new cluster's
   * first moments, before the epoch is applied here ({@link #start} of a log of one returns after).
   */
  @Override
  public String historyId() {
    return node.historyId();
  }

  @Override
  public boolean replicated() {
    return node.clustered();
  }

  /**
   * Sets the gRPC API address this member tells the others while it leads, for their {@link
   * LogStatus#leaderGrpcAddress} (decision 0114); before it is set the others know none.
   */
  @Override
  public void advertise(String grpcAddress) {
    node.advertise(requireNonNull(grpcAddress, "grpcAddress"));
  }

  @Override
  public LogStatus status() {
    return node.status();
  }

  /**
   * Whether the log can write now (decision 0094). While the data directory's file system has less
   * than {@link Builder#minFreeBytes} usable, appends fail at once with {@code
   * INSUFFICIENT_STORAGE}, before anything is written; they are taken again as soon as there is
   * room. Should a write to the log fail all the same (the disk filled between two appends, an I/O
   * error), the appends pending fail at once, later ones fail until the Raft server has been
   * restarted in-process on the same directory, which is tried every second once there is room.
   */
  @Override
  public StorageStatus storage() {
    return node.storage();
  }

  @Override
  public CompletableFuture<Long> readBarrier() {
    return node.readBarrier();
  }

  @Override
  public CompletableFuture<byte[]> sendToLeader(byte[] message) {
    return node.sendToLeader(requireNonNull(message, "message"));
  }

  @Override
  public CompletableFuture<List<LogMember>> members() {
    return node.members();
  }

  @Override
  public CompletableFuture<List<LogMember>> addMember(String id, String address) {
    return node.addMember(id, address);
  }

  @Override
  public CompletableFuture<List<LogMember>> removeMember(String id) {
    return node.removeMember(id);
  }

  @Override
  public CompletableFuture<Void> transferLeadership(String id) {
    return node.transferLeadership(id);
  }

  @Override
  public String toString() {
    return "RatisCommandLog{" + node + "}";
  }

  /** Settings for a {@link RatisCommandLog}; every setting has a default. */
  public static final class Builder {

    /** The default of {@link #minFreeBytes}: 32 MiB. */
    public static final long DEFAULT_MIN_FREE_BYTES = 32L * 1024 * 1024;

    private static final Pattern PEER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    private final Path dataDir;
    private String host = "127.0.0.1";
    private int port;
    private String peerId = "n1";
    private long snapshotEvery = 10_000;
    private int snapshotsRetained = 2;
    private boolean snapshotOnClose = true;
    private boolean purgeAfterSnapshot = true;
    private long segmentSizeBytes = 1024 * 1024;
    private Duration startTimeout = Duration.ofSeconds(60);
    private List<ClusterPeers.Peer> peers = List.of();
    private String clusterName = "cairn";
    private Duration electionTimeout = Duration.ofMillis(250);
    private Duration writeTimeout = Duration.ofSeconds(3);
    private boolean join;
    private long minFreeBytes = DEFAULT_MIN_FREE_BYTES;
    private LongSupplier usableSpace;
    private LogSettings.PeerTls peerTls;

    private Builder(Path dataDir) {
      this.dataDir = requireNonNull(dataDir, "dataDir");
    }

    /** The address the Raft peer binds to; default {@code 127.0.0.1}. */
    public Builder host(String host) {
      requireNonNull(host, "host");
      if (host.isBlank()) {
        throw new IllegalArgumentException("host: \"\" (expected: a host name or IP address)");
      }
      this.host = host;
      return this;
    }

    /** The port the Raft peer binds to; default 0, an ephemeral port. */
    public Builder port(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
      }
      this.port = port;
      return this;
    }

    /**
     * This peer's id in the Raft group; default {@code n1}. Persisted on first start: a later start
     * on the same directory with another id fails.
     */
    public Builder peerId(String peerId) {
      requireNonNull(peerId, "peerId");
      if (!PEER_ID.matcher(peerId).matches()) {
        throw new IllegalArgumentException(
            "peerId: \""
                + peerId
                + "\" (expected: 1..63 of [A-Za-z0-9._-], starting alphanumeric)");
      }
      this.peerId = peerId;
      return this;
    }

    /**
     * Takes a snapshot after this many log entries since the last one; default 10,000. Ratis's own
     * entries count too: a leader-change entry per start and a commit-metadata entry per fsync
     * batch.
     */
    public Builder snapshotEvery(long entries) {
      if (entries < 1) {
        throw new IllegalArgumentException("snapshotEvery: " + entries + " (expected: > 0)");
      }
      this.snapshotEvery = entries;
      return this;
    }

    /** How many snapshot files to keep; default 2. */
    public Builder snapshotsRetained(int snapshots) {
      if (snapshots < 1) {
        throw new IllegalArgumentException("snapshotsRetained: " + snapshots + " (expected: > 0)");
      }
      this.snapshotsRetained = snapshots;
      return this;
    }

    /**
     * Whether {@link #close} takes a snapshot of entries applied since the last one; default on.
     */
    public Builder snapshotOnClose(boolean snapshotOnClose) {
      this.snapshotOnClose = snapshotOnClose;
      return this;
    }

    /** Whether log segments covered by a snapshot are deleted; default on. */
    public Builder purgeAfterSnapshot(boolean purgeAfterSnapshot) {
      this.purgeAfterSnapshot = purgeAfterSnapshot;
      return this;
    }

    /**
     * The size at which a log segment file is closed and a new one started; default 1 MiB (the open
     * segment's entries stay in memory until it closes).
     */
    public Builder segmentSizeBytes(long bytes) {
      if (bytes < 64 * 1024) {
        throw new IllegalArgumentException("segmentSizeBytes: " + bytes + " (expected: >= 65536)");
      }
      this.segmentSizeBytes = bytes;
      return this;
    }

    /** How long {@link #start} waits for leadership and replay; default 60 seconds. */
    public Builder startTimeout(Duration timeout) {
      requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("startTimeout: " + timeout + " (expected: > 0)");
      }
      this.startTimeout = timeout;
      return this;
    }

    /**
     * Makes this log one member of a cluster: {@code peers} lists every member with its Raft
     * address, this one ({@link #peerId}) included; this member binds to its own address there. By
     * default (no peers) the log is a group of one.
     */
    public Builder peers(List<ClusterPeers.Peer> peers) {
      List<ClusterPeers.Peer> copy = List.copyOf(requireNonNull(peers, "peers"));
      if (!copy.isEmpty()) {
        ClusterPeers.check(copy);
      }
      this.peers = copy;
      return this;
    }

    /**
     * The cluster's name, from which its Raft group id derives: every member must be given the same
     * (default {@code cairn}); a data directory made for another name is refused.
     */
    public Builder clusterName(String name) {
      ClusterPeers.checkId("cluster name", name);
      this.clusterName = name;
      return this;
    }

    /**
     * A member starts an election after hearing nothing from a leader for one to two of these;
     * default 300 ms (decision 0101). Only for a cluster.
     */
    public Builder electionTimeout(Duration timeout) {
      requireNonNull(timeout, "timeout");
      if (timeout.toMillis() < 100 || timeout.toMillis() > 60_000) {
        throw new IllegalArgumentException(
            "electionTimeout: " + timeout + " (expected: 100 ms .. 60 s)");
      }
      this.electionTimeout = timeout;
      return this;
    }

    /**
     * How long a write (or a consistent read, or a message to the leader) may wait for a leader and
     * a quorum, or a log of one for its log, before it fails with {@code UNAVAILABLE}; default 3 s.
     */
    public Builder writeTimeout(Duration timeout) {
      requireNonNull(timeout, "timeout");
      if (timeout.toMillis() < 100 || timeout.toMillis() > 600_000) {
        throw new IllegalArgumentException(
            "writeTimeout: " + timeout + " (expected: 100 ms .. 10 min)");
      }
      this.writeTimeout = timeout;
      return this;
    }

    /**
     * Starts this member knowing no configuration, to be added to a running cluster by a membership
     * change ({@code cairn members add}); default off.
     */
    public Builder join(boolean join) {
      this.join = join;
      return this;
    }

    /**
     * Appends are refused (with {@code INSUFFICIENT_STORAGE}) while the file system holding the
     * data directory has less than this usable; default {@value #DEFAULT_MIN_FREE_BYTES} bytes (32
     * MiB), room for the next log segment, the Raft metadata and a snapshot. 0 turns the guard off:
     * a full disk then fails a write to the log itself, which the log recovers from by restarting
     * its Raft server (decision 0094).
     */
    public Builder minFreeBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("minFreeBytes: " + bytes + " (expected: >= 0)");
      }
      this.minFreeBytes = bytes;
      return this;
    }

    /**
     * How the log reads the usable bytes of its data directory's file system; by default the file
     * system's own figure. For tests that make the disk look full where no small file system can be
     * mounted.
     */
    public Builder usableSpace(LongSupplier usableBytes) {
      this.usableSpace = requireNonNull(usableBytes, "usableBytes");
      return this;
    }

    /**
     * Mutual TLS on the Raft traffic between members (decision 0109): each member presents the
     * certificate {@code keys} holds, as the server of its Raft port and as the client of the
     * others', and accepts only peers whose certificate {@code peers} trusts. Both are consulted at
     * every handshake, so managers that re-read their files rotate certificates without a restart.
     * Only for a member of a cluster; default: plain.
     */
    public Builder peerTls(X509ExtendedKeyManager keys, X509ExtendedTrustManager peers) {
      this.peerTls =
          new LogSettings.PeerTls(requireNonNull(keys, "keys"), requireNonNull(peers, "peers"));
      return this;
    }

    /** Returns a new, unstarted log. */
    public RatisCommandLog build() {
      if (peerTls != null && peers.isEmpty()) {
        throw new IllegalArgumentException(
            "peerTls: set without peers (expected: TLS between members only for a cluster)");
      }
      String bindHost = host;
      int bindPort = port;
      if (!peers.isEmpty()) {
        ClusterPeers.Peer me =
            peers.stream()
                .filter(p -> p.id().equals(peerId))
                .findFirst()
                .orElseThrow(
                    () ->
                        new IllegalArgumentException(
                            "--peers: no member with this node's id \""
                                + peerId
                                + "\" (expected: --peers to list every member, this one too; got "
                                + peers
                                + ")"));
        bindHost = me.host();
        bindPort = me.port();
      }
      return new RatisCommandLog(
          new LogSettings(
              dataDir,
              bindHost,
              bindPort,
              peerId,
              snapshotEvery,
              snapshotsRetained,
              snapshotOnClose,
              purgeAfterSnapshot,
              segmentSizeBytes,
              startTimeout,
              peers,
              clusterName,
              electionTimeout,
              writeTimeout,
              join,
              peerTls),
          minFreeBytes,
          usableSpace);
    }
  }
}
