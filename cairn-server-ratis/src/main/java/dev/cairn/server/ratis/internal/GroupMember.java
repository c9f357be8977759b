package dev.cairn.server.ratis.internal;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.server.core.log.LogMember;
import dev.cairn.server.core.log.LogStatus;
import dev.cairn.server.ratis.ClusterPeers;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerRpcWithProxy;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.TimeDuration;

/**
 * This process's membership of a group of several: writes forwarded to the leader, messages for the
 * leader's machine, linearizable read barriers, the group's status and its configuration changes.
 * Everything that leaves the process goes through one Ratis client, which finds the leader and
 * retries on another member when one fails.
 *
 * <p>Thread-safe.
 */
final class GroupMember implements AutoCloseable {

  private final RaftServer server;
  private final RaftGroup initialGroup;
  private final RaftPeerId self;
  private final StateMachineAdapter adapter;
  private final LogSettings settings;
  private final RaftClient client;
  // The properties membership calls' own clients start from (see adminClient).
  private final RaftProperties clientProperties;
  private final ClientId localClientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();
  private final AtomicLong forwarded = new AtomicLong();
  private final ForwardStream stream;
  private final ForwardService.Advertised advertised;
  // The group's division on this server, kept: its configuration is read after Ratis closed it.
  private volatile RaftServer.Division division;
  // When this member last heard from a leader (System.nanoTime()); its start until it did.
  private final AtomicLong lastContactNanos = new AtomicLong(System.nanoTime());
  // The end of the query the calling (forwarding) thread sends, and 1 when it is tried once only:
  // the Ratis client's retry policy tries again only before it, so a write is never sent after its
  // deadline.
  private static final ThreadLocal<long[]> QUERY_DEADLINE = new ThreadLocal<>();
  private final java.util.concurrent.ScheduledExecutorService contactSampler;
  // Drops the channels to the other members while none leads (decision 0181); one daemon thread.
  private final ExecutorService redialing =
      Executors.newSingleThreadExecutor(daemonThreads("cairn-raft-redial"));
  private final Redialer redialer =
      new Redialer(
          System::nanoTime,
          TimeUnit.MILLISECONDS.toNanos(REDIAL_MILLIS),
          this::dropChannel,
          redialing);
  // Set once a leader answered a forward query with the remaining time "unknown query kind" (a
  // member of an earlier version, decision 0183): forward queries then go without it.
  private volatile boolean leaderWithoutBudgets;

  /**
   * How long a member is without a leader before it drops its channels to the others, and the least
   * time between two drops of one channel (decision 0181).
   */
  private static final long REDIAL_MILLIS = 1000;

  /**
   * How long a follower goes without answering its leader before the leader connects to it afresh
   * (decision 0191): the time Ratis gives an append before it counts it failed (3 s by default).
   */
  private static final long SILENT_FOLLOWER_MILLIS = 3000;

  /** The pause between the Ratis client's tries of one request. */
  private static final long CLIENT_RETRY_MILLIS = 20;

  /** What a forwarded write that timed out after it was sent is told of its fate. */
  private static final String SENT_MAY_APPLY =
      "; it was sent to the leader and may still be applied";

  /** What a membership change that was not confirmed may still do. */
  private static final String MAY_TAKE_EFFECT = "; it may still take effect: see cairn members";

  /** The pause before a membership call is tried again (another leader, a lost connection). */
  private static final long ADMIN_RETRY_MILLIS = 100;

  /** The pause before a forwarded write is sent again, or a read barrier asked again. */
  private static final long FORWARD_RETRY_MILLIS = 25;

  // Blocking admin calls (configuration changes, group info) run here, never on a caller's thread.
  private final ExecutorService forwarding =
      Executors.newCachedThreadPool(daemonThreads("cairn-raft-forward"));
  private final ExecutorService admin =
      Executors.newCachedThreadPool(daemonThreads("cairn-raft-admin"));

  GroupMember(
      RaftServer server,
      RaftGroup group,
      RaftPeerId self,
      StateMachineAdapter adapter,
      LogSettings settings,
      RaftProperties serverProperties,
      ForwardService.Advertised advertised) {
    this.server = server;
    this.advertised = advertised;
    this.initialGroup = group;
    this.self = self;
    this.adapter = adapter;
    this.settings = settings;
    RaftProperties p = new RaftProperties(serverProperties);
    this.clientProperties = new RaftProperties(serverProperties);
    long timeout = settings.writeTimeout().toMillis();
    this.stream = new ForwardStream(RaftConfig.peerTls(settings), Math.min(timeout, 1_000));
    // A request waits at most a second on one member (a paused one, say) before it is sent again,
    // to whichever member now leads; the leader's retry cache answers a repeat of what it applied.
    RaftClientConfigKeys.Rpc.setRequestTimeout(
        p, TimeDuration.valueOf(Math.min(timeout, 1_000), TimeUnit.MILLISECONDS));
    this.client =
        RaftClient.newBuilder()
            .setProperties(p)
            .setParameters(RaftConfig.parameters(settings))
            .setRaftGroup(group)
            .setClientId(ClientId.randomId())
            // While there is no leader (an election), a request is sent again every 20 ms: the
            // first
            // to reach the new leader ends the write's wait, so a coarser step adds to failover.
            .setRetryPolicy(
                beforeDeadline(
                    RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                        (int) Math.max(1, timeout / CLIENT_RETRY_MILLIS),
                        TimeDuration.valueOf(CLIENT_RETRY_MILLIS, TimeUnit.MILLISECONDS))))
            .build();
    try {
      this.division = server.getDivision(group.getGroupId());
    } catch (IOException e) {
      // not running here: division() says so when asked
    }
    // Samples the leader's last contact often enough that, once the leader is lost, the time since
    // is known to within half an election timeout (a status reads it too).
    long sampleMillis = Math.max(50, settings.electionTimeout().toMillis() / 2);
    this.contactSampler =
        Executors.newSingleThreadScheduledExecutor(daemonThreads("cairn-raft-contact"));
    contactSampler.scheduleWithFixedDelay(
        this::sampleContact, sampleMillis, sampleMillis, TimeUnit.MILLISECONDS);
    // A follower opens its forward stream to each new leader at once, not with its first write:
    // the leader tells its gRPC API address on it, which clients are sent to (decision 0114).
    adapter.onLeader(this::connectSoon);
    RaftPeer leader = leaderPeer();
    if (leader != null) {
      connectSoon(leader.getId());
    }
  }

  /**
   * {@code policy}, except that a query is not tried again once its deadline passed, nor at all
   * when it is to be tried once (the client's tries run on the calling thread, which set {@link
   * #QUERY_DEADLINE}).
   */
  private static org.apache.ratis.retry.RetryPolicy beforeDeadline(
      org.apache.ratis.retry.RetryPolicy policy) {
    return event -> {
      org.apache.ratis.retry.RetryPolicy.Action action = policy.handleAttemptFailure(event);
      long[] deadline = QUERY_DEADLINE.get();
      if (deadline != null && action.shouldRetry()) {
        if (deadline[1] == 1) {
          return org.apache.ratis.retry.RetryPolicy.NO_RETRY_ACTION;
        }
        long sleep = action.getSleepTime().toLong(TimeUnit.NANOSECONDS);
        if (System.nanoTime() + sleep - deadline[0] >= 0) {
          return org.apache.ratis.retry.RetryPolicy.NO_RETRY_ACTION;
        }
      }
      return action;
    };
  }

  private void connectSoon(RaftPeerId leader) {
    if (leader.equals(self)) {
      return;
    }
    try {
      forwarding.execute(
          () -> {
            RaftPeer peer = peer(leader);
            if (peer != null) {
              stream.connect(peer);
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed
    }
  }

  private RaftPeer peer(RaftPeerId id) {
    try {
      return division().getRaftConf().getPeer(id);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * Sends a write to the leader's machine, which applies its commands inside entries of its own
   * with every other member's (decision 0107); completes with the machine's reply once the write is
   * applied here too, so a read here after it sees it. Sent only to the leader this member knows
   * (while it knows none, it waits for one), and again to whichever member leads until one answers
   * or the write timeout passes: the leader answers a batch it already applied from its memory of
   * forwarded batches instead of applying it twice. The write timeout counts from {@code arrived}
   * ({@link System#nanoTime()}): when the write's oldest command reached this member (decision
   * 0182). A write that fails at its deadline says "not sent" unless a try may have reached a
   * leader (decision 0198).
   */
  CompletableFuture<byte[]> forward(byte[] entry, long arrived) {
    forwarded.incrementAndGet();
    // The leader gets what is left of it (decision 0183): the wait here is already spent.
    Forward f = new Forward(entry, arrived + settings.writeTimeout().toNanos());
    sendForward(f);
    long left = Math.max(1, f.deadline - System.nanoTime());
    CompletableFuture<byte[]> done =
        f.answer
            .thenCompose(
                reply -> {
                  java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(reply);
                  long index = b.getLong();
                  byte[] result = new byte[b.remaining()];
                  b.get(result);
                  return adapter.awaitApplied(index).thenApply(v -> result);
                })
            .orTimeout(left, TimeUnit.NANOSECONDS)
            .exceptionallyCompose(
                e -> {
                  Throwable cause = e instanceof CompletionException ? e.getCause() : e;
                  if (cause instanceof TimeoutException) {
                    return CompletableFuture.failedFuture(expired(f, null));
                  }
                  if (cause instanceof CairnException) {
                    return CompletableFuture.failedFuture(cause);
                  }
                  return CompletableFuture.failedFuture(
                      unavailable("write failed (" + cause + "): " + describeQuorum()));
                });
    // A write the caller was told failed is not sent again: the tries end with it.
    done.whenComplete(
        (r, e) -> {
          if (e != null) {
            f.answer.completeExceptionally(e);
          }
        });
    return done;
  }

  /**
   * A forwarded write on its way: its deadline, its answer, and whether a try may have reached a
   * leader that could append it (then its failure says it may still be applied).
   */
  private static final class Forward {
    final byte[] entry;
    final long deadline;
    final CompletableFuture<byte[]> answer = new CompletableFuture<>();
    // Set, never cleared, once a try may have reached a leader (it broke or went unanswered).
    volatile boolean mayHaveReachedLeader;
    // Tries sent and not answered yet: the one in flight at the deadline may reach a leader.
    final java.util.concurrent.atomic.AtomicInteger inFlight =
        new java.util.concurrent.atomic.AtomicInteger();

    Forward(byte[] entry, long deadline) {
      this.entry = entry;
      this.deadline = deadline;
    }

    boolean mayBeApplied() {
      return mayHaveReachedLeader || inFlight.get() > 0 || answer.isDone();
    }

    /** Ends a try that failed with {@code why}, noting whether it may have reached a leader. */
    void failed(Throwable why) {
      if (!refusedOrUnsent(why)) {
        mayHaveReachedLeader = true;
      }
      inFlight.decrementAndGet();
    }
  }

  /**
   * Whether a try that failed with {@code why} certainly left nothing a leader could append: it was
   * never sent (no connection could be made, its deadline had passed, the stream was closed), or a
   * member refused it because it does not lead, or the leader dropped it unappended (decision
   * 0183). Anything else (a broken stream, a lost answer, a timeout) may have reached a leader.
   */
  static boolean refusedOrUnsent(Throwable why) {
    for (Throwable t = why; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.net.ConnectException
          || t instanceof org.apache.ratis.protocol.exceptions.NotLeaderException
          || t instanceof org.apache.ratis.protocol.exceptions.LeaderNotReadyException
          || t instanceof org.apache.ratis.protocol.exceptions.ServerNotReadyException) {
        return true;
      }
      String m = String.valueOf(t.getMessage());
      if (m.contains("not the leader")
          || m.contains("Leader is unknown")
          || m.contains("will not be applied")
          || m.contains(NOT_SENT_MARK)) {
        return true;
      }
    }
    return false;
  }

  /** What an unsent try's failure says; {@link #refusedOrUnsent} reads it. */
  private static final String NOT_SENT_MARK = "not sent: ";

  /**
   * The failure of write {@code f} at its deadline: "not sent" unless a try may have reached a
   * leader, then "not done ...; it was sent to the leader and may still be applied".
   */
  private CairnException expired(Forward f, Throwable lastTry) {
    if (!f.mayBeApplied()) {
      return unavailable(
          "write not sent within "
              + settings.writeTimeout().toMillis()
              + " ms: "
              + describeQuorum());
    }
    return notDoneInTime(
        "write",
        SENT_MAY_APPLY + (lastTry == null ? "" : " (last try: " + lastTry.getMessage() + ")"));
  }

  /**
   * Whether a forwarded write may (still) be sent: not once its deadline passed or it is answered.
   * A write past its deadline fails here and is dropped, never sent late (decision 0179).
   */
  private boolean mayStillSend(Forward f) {
    if (f.answer.isDone()) {
      return false;
    }
    if (System.nanoTime() - f.deadline >= 0) {
      f.answer.completeExceptionally(expired(f, null));
      return false;
    }
    return true;
  }

  private void sendForward(Forward f) {
    if (!mayStillSend(f)) {
      return;
    }
    RaftPeerId leader = knownLeader();
    if (leader == null) {
      // Nobody to send it to: it waits here for a leader, unsent.
      retryForward(f, null);
      return;
    }
    RaftPeer peer = leader.equals(self) ? null : peer(leader);
    if (peer == null) {
      queryForward(f, leader);
      return;
    }
    // The leader's forward stream (decision 0111). When it fails (a leader paused, gone, or one
    // without the stream), the same batch goes at once as a Ratis query to the leader this member
    // knows then, which answers from its memory if it was applied meanwhile.
    f.inFlight.incrementAndGet();
    stream
        .send(peer, f.entry, f.deadline)
        .whenComplete(
            (reply, error) -> {
              if (error == null) {
                f.answer.complete(reply);
                f.inFlight.decrementAndGet();
                return;
              }
              f.failed(error);
              if (!f.answer.isDone()) {
                RaftPeerId now = knownLeader();
                if (now == null) {
                  retryForward(f, error);
                } else {
                  queryForward(f, now);
                }
              }
            });
  }

  /**
   * Sends write {@code f} to {@code leader}'s machine as one Ratis query on the stale-read path (no
   * redirect, one try: a member that does not lead refuses it), so that the write goes nowhere but
   * to the leader this member knows, and a refusal is known as one.
   */
  private void queryForward(Forward f, RaftPeerId leader) {
    if (!mayStillSend(f)) {
      return;
    }
    f.inFlight.incrementAndGet();
    onForwarding(
            f.deadline,
            true,
            () -> client.io().sendStaleRead(forwardQuery(f.entry, f.deadline), 0, leader))
        .whenComplete(
            (reply, error) -> {
              if (reply != null && reply.isSuccess()) {
                f.answer.complete(reply.getMessage().getContent().toByteArray());
                f.inFlight.decrementAndGet();
                return;
              }
              Throwable why = reply != null ? reply.getException() : error;
              if (why != null && String.valueOf(why.getMessage()).contains("unknown query kind")) {
                // A leader of an earlier version: it takes the batch without the remaining time.
                leaderWithoutBudgets = true;
              }
              f.failed(why);
              retryForward(f, why);
            });
  }

  /**
   * The Ratis query carrying {@code entry} to the leader's machine: with the time left until {@code
   * deadline}, counted when the query is made (decision 0183), unless a leader answered that it
   * does not know that kind.
   */
  private Message forwardQuery(byte[] entry, long deadline) {
    byte[] content;
    if (leaderWithoutBudgets) {
      content = new byte[entry.length + 1];
      content[0] = StateMachineAdapter.QUERY_FORWARD;
      System.arraycopy(entry, 0, content, 1, entry.length);
    } else {
      content = new byte[entry.length + 9];
      content[0] = StateMachineAdapter.QUERY_FORWARD_WITHIN;
      java.nio.ByteBuffer.wrap(content, 1, 8).putLong(deadline - System.nanoTime());
      System.arraycopy(entry, 0, content, 9, entry.length);
    }
    return Message.valueOf(UnsafeByteOperations.unsafeWrap(content));
  }

  /** The member another member leads, or null while none or this one does. */
  private RaftPeer leaderPeer() {
    try {
      RaftServer.Division d = division();
      RaftPeerId leader = d.getInfo().getLeaderId();
      if (leader == null || leader.equals(self)) {
        return null;
      }
      return d.getRaftConf().getPeer(leader);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * Sends write {@code f} again after a pause, to whoever leads then; {@code why} is what its last
   * try failed with, null when it was not sent.
   */
  private void retryForward(Forward f, Throwable why) {
    if (f.answer.isDone()) {
      return; // past the deadline already
    }
    if (System.nanoTime() - f.deadline >= 0) {
      // Its last try came back after the deadline: told as one the deadline caught.
      f.answer.completeExceptionally(expired(f, why));
      return;
    }
    // No leader yet, a leader not ready, a lost answer: again, to whoever leads now.
    try {
      CompletableFuture.runAsync(
          () -> sendForward(f),
          CompletableFuture.delayedExecutor(
              FORWARD_RETRY_MILLIS, TimeUnit.MILLISECONDS, forwarding));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      f.answer.completeExceptionally(unavailable("the log is closed"));
    }
  }

  /**
   * Sends a query to the leader's machine as its own blocking call on the forwarding threads. Not
   * Ratis's asynchronous client: it sends read-only requests in order too, and holds every later
   * one behind one that keeps failing (a leader that died with it), which stalled every forwarded
   * write and renewal after a leader change.
   */
  private CompletableFuture<RaftClientReply> leaderQuery(Message message) {
    return onForwarding(0, false, () -> client.io().sendReadOnlyNonLinearizable(message));
  }

  /** A blocking call of the Ratis client. */
  private interface BlockingCall {
    RaftClientReply send() throws IOException;
  }

  /**
   * Runs {@code call} on the forwarding threads, its tries bounded by {@code deadline} ({@link
   * System#nanoTime()}; 0 for the client's own tries), one try only when {@code once}, and not at
   * all once the deadline passed.
   */
  private CompletableFuture<RaftClientReply> onForwarding(
      long deadline, boolean once, BlockingCall call) {
    try {
      return CompletableFuture.supplyAsync(
          () -> {
            if (deadline != 0 && System.nanoTime() - deadline >= 0) {
              throw new CompletionException(
                  new IOException(NOT_SENT_MARK + "past the write's deadline"));
            }
            QUERY_DEADLINE.set(deadline == 0 && !once ? null : new long[] {deadline, once ? 1 : 0});
            try {
              return call.send();
            } catch (IOException e) {
              throw new CompletionException(e);
            } finally {
              QUERY_DEADLINE.remove();
            }
          },
          forwarding);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return CompletableFuture.failedFuture(unavailable("the log is closed"));
    }
  }

  /**
   * Sends {@code message} to the leader's machine (not logged): to the leader this member follows
   * when it knows one (decision 0189), else through the Ratis client, which finds one.
   */
  CompletableFuture<byte[]> sendToLeader(byte[] message) {
    byte[] content = new byte[message.length + 1];
    content[0] = StateMachineAdapter.QUERY_LEADER_MESSAGE;
    System.arraycopy(message, 0, content, 1, message.length);
    Message query = Message.valueOf(ByteString.copyFrom(content));
    RaftPeerId leader = knownLeader();
    return deadline(
        (leader == null ? leaderQuery(query) : queryAt(query, leader))
            .thenApply(
                reply -> {
                  if (!reply.isSuccess()) {
                    throw new CompletionException(failure("leader message", reply));
                  }
                  return reply.getMessage().getContent().toByteArray();
                }),
        "leader message");
  }

  /** The leader this member follows (itself while it leads); null while it knows none. */
  private RaftPeerId knownLeader() {
    try {
      return division().getInfo().getLeaderId();
    } catch (RuntimeException e) {
      return null; // not running
    }
  }

  /**
   * Sends a query to member {@code target}'s machine on Ratis's stale-read path (no redirect: a
   * leader message is refused by a machine that does not lead), tried again until the write timeout
   * at most. The Ratis client would send it to the member it last took for the leader, or to the
   * first member of the group if it never learnt one, and wait a whole request timeout there when
   * that member is cut off (decision 0189).
   */
  private CompletableFuture<RaftClientReply> queryAt(Message message, RaftPeerId target) {
    return onForwarding(
        System.nanoTime() + settings.writeTimeout().toNanos(),
        false,
        () -> client.io().sendStaleRead(message, 0, target));
  }

  /**
   * A linearizable read barrier: asks the leader for its commit index (Raft's ReadIndex, confirmed
   * by a heartbeat round) and completes once this member applied it, with the applied index. Asked
   * again, every {@link #FORWARD_RETRY_MILLIS}, while no leader answers (an election, a leader
   * gone, one not ready), until the write timeout; then fails saying what this member knows of the
   * leader, as a write does (decision 0198).
   */
  CompletableFuture<Long> readBarrier() {
    long deadline = System.nanoTime() + settings.writeTimeout().toNanos();
    CompletableFuture<Long> result = new CompletableFuture<>();
    tryReadBarrier(deadline, result);
    CompletableFuture<Long> done = deadline(result, "consistent read", "", deadline);
    done.whenComplete(
        (r, e) -> {
          if (e != null) {
            result.completeExceptionally(e); // no more tries
          }
        });
    return done;
  }

  private void tryReadBarrier(long deadline, CompletableFuture<Long> result) {
    if (result.isDone()) {
      return;
    }
    RaftClientRequest request =
        RaftClientRequest.newBuilder()
            .setClientId(localClientId)
            .setServerId(self)
            .setGroupId(initialGroup.getGroupId())
            .setCallId(callIds.incrementAndGet())
            .setMessage(Message.valueOf(ByteString.copyFrom(new byte[] {0})))
            .setType(RaftClientRequest.readRequestType())
            .build();
    CompletableFuture<RaftClientReply> sent;
    try {
      sent = server.submitClientRequestAsync(request);
    } catch (IOException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete(
        (reply, error) -> {
          if (reply != null && reply.isSuccess()) {
            result.complete(division().getInfo().getLastAppliedIndex());
            return;
          }
          if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FORWARD_RETRY_MILLIS) - deadline
              >= 0) {
            result.completeExceptionally(notDoneInTime("consistent read", ""));
            return;
          }
          try {
            CompletableFuture.runAsync(
                () -> tryReadBarrier(deadline, result),
                CompletableFuture.delayedExecutor(
                    FORWARD_RETRY_MILLIS, TimeUnit.MILLISECONDS, forwarding));
          } catch (java.util.concurrent.RejectedExecutionException e) {
            result.completeExceptionally(unavailable("the log is closed"));
          }
        });
  }

  LogStatus status() {
    RaftServer.Division d = division();
    DivisionInfo info = d.getInfo();
    RoleInfoProto role = info.getRoleInfoProto();
    RaftPeerId leader = info.getLeaderId();
    long lastContact = lastContact(info, role);
    return new LogStatus(
        self.toString(),
        role(info.getCurrentRole()),
        leader == null ? "" : leader.toString(),
        info.getCurrentTerm(),
        d.getRaftLog().getLastCommittedIndex(),
        info.getLastAppliedIndex(),
        lastContact,
        leader == null ? noLeaderSince(lastContact) : 0,
        adapter.leaderChanges(),
        adapter.snapshotInstalls(),
        forwarded.get(),
        leaderGrpcAddress(info.isLeader(), leader));
  }

  /**
   * When (epoch milliseconds) this member, which knows no leader, lost its leader: when Ratis told
   * it so, else when it last heard from one ({@code lastContactMillis} ago; Ratis does not tell a
   * follower that its leader is gone, it starts an election), else when it started.
   */
  private long noLeaderSince(long lastContactMillis) {
    long told = adapter.noLeaderSince();
    return told > 0 ? told : Math.max(1, System.currentTimeMillis() - lastContactMillis);
  }

  /**
   * Milliseconds since this member last heard from its leader: 0 on the leader; while it follows
   * one, Ratis's time since the leader's last call; while it knows none, the time since the last
   * contact seen, growing until a leader calls (since this member started if none ever did).
   */
  private long lastContact(DivisionInfo info, RoleInfoProto role) {
    long now = System.nanoTime();
    if (info.isLeader()) {
      lastContactNanos.accumulateAndGet(now, Math::max);
      return 0;
    }
    if (info.getLeaderId() != null
        && role.hasFollowerInfo()
        && role.getFollowerInfo().hasLeaderInfo()) {
      long elapsed = Math.max(0, role.getFollowerInfo().getLeaderInfo().getLastRpcElapsedTimeMs());
      lastContactNanos.accumulateAndGet(now - TimeUnit.MILLISECONDS.toNanos(elapsed), Math::max);
      return elapsed;
    }
    return Math.max(0, TimeUnit.NANOSECONDS.toMillis(now - lastContactNanos.get()));
  }

  private void sampleContact() {
    try {
      RaftServer.Division d = division();
      DivisionInfo info = d.getInfo();
      RoleInfoProto role = info.getRoleInfoProto();
      long sinceContact = lastContact(info, role);
      if (info.isLeader()) {
        redialSilentFollowers(role);
      } else if (info.getLeaderId() == null) {
        reconnect(d, sinceContact);
      }
    } catch (RuntimeException e) {
      // not running: nothing to sample
    }
  }

  /**
   * Has this member's channels to the other members connect afresh rather than when gRPC's
   * reconnect backoff (up to two minutes after a long outage) next lets them; called while it knows
   * no leader. Ratis resets that backoff for a leader's log appenders but not for the vote requests
   * of an election, so a member holding the longest log, whose peers had been down for minutes,
   * could not reach one that came back, and the group stayed leaderless with a majority running
   * until the backoff ran out (decision 0181). Ratis's channel type is not public, its proxy map's
   * reset is: the {@link Redialer} drops each channel, once a second at most, after the member has
   * been without a leader for a second (an ordinary election is over by then and keeps its
   * channels). A peer that is still down refuses a connection once a second meanwhile.
   */
  private void reconnect(RaftServer.Division d, long leaderlessMillis) {
    if (leaderlessMillis < REDIAL_MILLIS) {
      return;
    }
    List<RaftPeerId> others = new ArrayList<>();
    for (RaftPeer p : d.getRaftConf().getAllPeers()) {
      if (!p.getId().equals(self)) {
        others.add(p.getId());
      }
    }
    redialer.redial(others);
  }

  /**
   * Has a leader connect afresh to each follower that has not answered for {@link
   * #SILENT_FOLLOWER_MILLIS}, once a second at most (decision 0191). Ratis restarts a silent
   * follower's append stream but keeps the channel under it, and a connection to a follower cut off
   * by the network stays stuck after the network heals: an established one until TCP's next
   * retransmission (its pauses double, up to two minutes), one being made until Netty's connect
   * timeout (30 s). A fresh connection reaches the follower about a second after it is reachable.
   */
  private void redialSilentFollowers(RoleInfoProto role) {
    if (!role.hasLeaderInfo()) {
      return;
    }
    List<RaftPeerId> silent = new ArrayList<>();
    for (ServerRpcProto f : role.getLeaderInfo().getFollowerInfoList()) {
      if (f.getLastRpcElapsedTimeMs() >= SILENT_FOLLOWER_MILLIS) {
        silent.add(RaftPeerId.valueOf(f.getId().getId()));
      }
    }
    if (!silent.isEmpty()) {
      redialer.redial(silent);
    }
  }

  /** Daemon threads named {@code name}, for this member's own executors. */
  private static ThreadFactory daemonThreads(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** Drops this member's Raft channel to {@code peer}; the next call to it makes a new one. */
  private void dropChannel(RaftPeerId peer) {
    if (server.getServerRpc() instanceof RaftServerRpcWithProxy<?, ?> rpc) {
      rpc.getProxies().resetProxy(peer);
    }
  }

  /**
   * Whether this member's configuration, as its log has it, leaves it out while naming others: it
   * was removed (or is being removed) from the cluster. Readable after Ratis closed the group.
   */
  boolean removedFromConfiguration() {
    RaftServer.Division d = division;
    if (d == null) {
      return false;
    }
    return removedFrom(d.getRaftConf(), self);
  }

  /** Whether {@code conf} names members but not {@code self}. */
  static boolean removedFrom(org.apache.ratis.server.RaftConfiguration conf, RaftPeerId self) {
    java.util.Collection<RaftPeer> current = conf.getCurrentPeers();
    return !current.isEmpty() && !includes(current, self);
  }

  /** Whether {@code peers} names {@code id}; a loop, as it runs before every forwarded append. */
  private static boolean includes(java.util.Collection<RaftPeer> peers, RaftPeerId id) {
    for (RaftPeer p : peers) {
      if (p.getId().equals(id)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether this member is not in the configuration yet: started with --join, not added. Asked
   * before every forwarded append.
   */
  boolean outsideConfiguration() {
    try {
      return !includes(division().getRaftConf().getCurrentPeers(), self);
    } catch (RuntimeException e) {
      return false;
    }
  }

  private String leaderGrpcAddress(boolean leads, RaftPeerId leader) {
    String own = advertised.get();
    if (leads) {
      return own;
    }
    if (leader == null) {
      return "";
    }
    String told = stream.grpcAddressOf(leader);
    if (told.isEmpty()) {
      // Not told yet: the stream is opened again if it ended (a follower forwards little when
      // sessions are on the leader, so a write may not come to open it).
      connectSoon(leader);
      return "";
    }
    // Members that advertise one shared name: sending a client "there" would not reach the leader.
    return told.equals(own) ? "" : told;
  }

  CompletableFuture<List<LogMember>> members() {
    return supply(
        "listing the members",
        "",
        () -> {
          DivisionInfo info = division().getInfo();
          if (info.isLeader()) {
            return members(division().getGroup(), info.getRoleInfoProto(), info);
          }
          RaftPeerId leader = info.getLeaderId();
          if (leader == null) {
            // No leader to ask: the configuration as this member knows it, lag unknown.
            return members(division().getGroup(), info.getRoleInfoProto(), info);
          }
          GroupInfoReply reply = client.getGroupManagementApi(leader).info(groupId());
          if (!reply.isSuccess()) {
            throw failure("members", reply);
          }
          return members(reply.getGroup(), reply.getRoleInfoProto(), null);
        });
  }

  private List<LogMember> members(RaftGroup group, RoleInfoProto role, DivisionInfo local) {
    long commit = division().getRaftLog().getLastCommittedIndex();
    List<LogMember> out = new ArrayList<>();
    String leaderId =
        role.getRole() == RaftPeerRole.LEADER ? role.getSelf().getId().toStringUtf8() : "";
    java.util.Map<String, Long> contact = new java.util.HashMap<>();
    if (role.hasLeaderInfo()) {
      for (ServerRpcProto f : role.getLeaderInfo().getFollowerInfoList()) {
        contact.put(f.getId().getId().toStringUtf8(), f.getLastRpcElapsedTimeMs());
      }
    }
    java.util.Map<String, Long> match = new java.util.HashMap<>();
    if (local != null && local.isLeader()) {
      long[] indices = local.getFollowerMatchIndices();
      int i = 0;
      for (RaftPeer p : division().getRaftConf().getCurrentPeers()) {
        if (!p.getId().equals(self) && i < indices.length) {
          match.put(p.getId().toString(), indices[i++]);
        }
      }
    }
    for (RaftPeer p : group.getPeers()) {
      String id = p.getId().toString();
      boolean leads = id.equals(leaderId);
      long m = leads ? commit : match.getOrDefault(id, -1L);
      out.add(
          new LogMember(
              id,
              p.getAddress(),
              leads ? "LEADER" : "FOLLOWER",
              leads ? 0 : contact.getOrDefault(id, -1L),
              m,
              m < 0 ? -1 : Math.max(0, commit - m)));
    }
    return out;
  }

  CompletableFuture<List<LogMember>> addMember(String id, String address) {
    ClusterPeers.Peer peer = ClusterPeers.parsePeer(id + "=" + address);
    return supply(
            "adding member " + peer,
            MAY_TAKE_EFFECT,
            () -> {
              List<RaftPeer> peers = new ArrayList<>(currentPeers());
              List<ClusterPeers.Peer> members = new ArrayList<>();
              for (RaftPeer p : peers) {
                if (p.getId().toString().equals(peer.id())) {
                  throw CairnException.of(
                      ErrorCode.ALREADY_EXISTS,
                      "id",
                      "id: \"" + peer.id() + "\" is a member already (" + p.getAddress() + ")");
                }
                if (p.getAddress().equals(peer.address())) {
                  throw CairnException.of(
                      ErrorCode.ALREADY_EXISTS,
                      "address",
                      "address: "
                          + peer.address()
                          + " is member "
                          + p.getId()
                          + "'s already (expected: a new address)");
                }
                asPeer(p).ifPresent(members::add);
              }
              PeerAddresses.holder(peer, members)
                  .ifPresent(
                      c -> {
                        throw CairnException.of(
                            ErrorCode.ALREADY_EXISTS,
                            "address",
                            "address: "
                                + peer.address()
                                + " is member "
                                + c.earlier().id()
                                + "'s already ("
                                + (c.sameText() ? "" : c.earlier() + ": " + c.why() + "; ")
                                + "expected: a new address)");
                      });
              peers.add(RaftPeer.newBuilder().setId(peer.id()).setAddress(peer.address()).build());
              changeConfiguration(
                  "adding member " + peer,
                  peers,
                  "member "
                      + peer.id()
                      + " at "
                      + peer.address()
                      + " did not catch up with the leader's log (unreachable?)");
              return null;
            })
        .thenCompose(v -> members());
  }

  // A member as the configuration has it; none when its address does not parse (compared as
  // written only).
  private static Optional<ClusterPeers.Peer> asPeer(RaftPeer p) {
    try {
      return Optional.of(ClusterPeers.parsePeer(p.getId() + "=" + p.getAddress()));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  CompletableFuture<List<LogMember>> removeMember(String id) {
    return supply(
            "removing member " + id,
            MAY_TAKE_EFFECT,
            () -> {
              List<RaftPeer> peers = new ArrayList<>(currentPeers());
              boolean found = peers.removeIf(p -> p.getId().toString().equals(id));
              if (!found) {
                throw CairnException.notFound("id", id);
              }
              if (peers.isEmpty()) {
                throw CairnException.of(
                    ErrorCode.FAILED_PRECONDITION,
                    "id",
                    "id: \"" + id + "\" is the last member (a cluster keeps at least one)");
              }
              RaftPeerId leader = division().getInfo().getLeaderId();
              if (leader != null && leader.toString().equals(id)) {
                throw CairnException.of(
                    ErrorCode.FAILED_PRECONDITION,
                    "id",
                    "id: \""
                        + id
                        + "\" leads the cluster: hand leadership to another member first"
                        + " (cairn members transfer-leader ID)");
              }
              changeConfiguration(
                  "removing member " + id, peers, "the leader did not commit the change");
              return null;
            })
        .thenCompose(v -> members());
  }

  CompletableFuture<Void> transferLeadership(String id) {
    long deadline = System.nanoTime() + settings.writeTimeout().toNanos();
    String what = "handing leadership to " + id;
    return supply(
        what,
        "; it may still happen",
        () -> {
          boolean known = currentPeers().stream().anyMatch(p -> p.getId().toString().equals(id));
          if (!known) {
            throw CairnException.notFound("id", id);
          }
          long silent = silentFor(id);
          if (silent > settings.electionTimeout().toMillis()) {
            throw unavailable(
                what
                    + " failed: "
                    + id
                    + " is not reachable (the leader last heard from it "
                    + silent
                    + " ms ago)");
          }
          // The leader gives up on the transfer a little before the deadline, so that its answer
          // comes back within it.
          long leaderMillis =
              Math.max(100, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()) - 250);
          RaftClientReply reply;
          try (RaftClient admin = adminClient(deadline)) {
            reply = admin.admin().transferLeadership(RaftPeerId.valueOf(id), leaderMillis);
          } catch (IOException e) {
            throw adminFailure(
                what, e, id + " did not take the lead (is it reachable?)", "; it may still happen");
          }
          if (!reply.isSuccess()) {
            throw adminFailure(
                what,
                reply.getException(),
                id + " did not take the lead (is it reachable?)",
                "; it may still happen");
          }
          return null;
        });
  }

  /**
   * How long (ms) the leader has not heard from member {@code id}, as the leader tells it; 0 when
   * it leads, or when this member cannot tell.
   */
  private long silentFor(String id) {
    List<LogMember> listed;
    try {
      listed = members().get(settings.writeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      return 0;
    }
    for (LogMember m : listed) {
      if (m.id().equals(id) && !"LEADER".equals(m.role())) {
        return Math.max(0, m.lastContactMillis());
      }
    }
    return 0;
  }

  /**
   * Asks the leader to take {@code peers} as the configuration, once: a change refused because
   * another is in progress is not tried again (each refusal is a stack trace in the leader's log),
   * and the one try waits for the leader's answer until the write timeout. Throws an {@code
   * UNAVAILABLE} saying what is true: another change is in progress, or {@code slow} within the
   * write timeout, or what this member knows of the leader.
   */
  private void changeConfiguration(String what, List<RaftPeer> peers, String slow) {
    long millis = CHANGE_TIMEOUTS * settings.writeTimeout().toMillis();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    RaftClientReply reply;
    try (RaftClient admin = adminClient(deadline)) {
      reply = admin.admin().setConfiguration(peers);
    } catch (IOException e) {
      throw adminFailure(what, e, slow, MAY_TAKE_EFFECT, millis);
    }
    if (!reply.isSuccess()) {
      throw adminFailure(what, reply.getException(), slow, MAY_TAKE_EFFECT, millis);
    }
  }

  /**
   * How many write timeouts a configuration change may take: the leader stages a new member until
   * it has caught up, which under load (a snapshot to install, a log to send) takes seconds.
   */
  private static final int CHANGE_TIMEOUTS = 3;

  /** The failure of membership call {@code what} that failed with {@code e}; see callers. */
  private CairnException adminFailure(String what, Throwable e, String slow, String fate) {
    return adminFailure(what, e, slow, fate, settings.writeTimeout().toMillis());
  }

  /** {@link #adminFailure(String, Throwable, String, String)} of a call given {@code millis}. */
  private CairnException adminFailure(
      String what, Throwable e, String slow, String fate, long millis) {
    if (e == null) {
      return unavailable(what + " failed: no reason given" + fate);
    }
    if (causedBy(
        e, org.apache.ratis.protocol.exceptions.ReconfigurationInProgressException.class)) {
      return unavailable(
          what
              + " refused: another membership change is in progress; try again once it is done"
              + " (see cairn members)");
    }
    if (causedBy(e, org.apache.ratis.protocol.exceptions.TimeoutIOException.class)
        || causedBy(e, TimeoutException.class)
        || causedBy(e, org.apache.ratis.protocol.exceptions.TransferLeadershipException.class)) {
      LogStatus s = status();
      if (s.hasLeader()) {
        return unavailable(what + " not confirmed: " + slow + " within " + millis + " ms" + fate);
      }
    }
    return unavailable(
        what
            + " not confirmed ("
            + e.getClass().getSimpleName()
            + (e.getCause() == null ? "" : ": " + e.getCause().getClass().getSimpleName())
            + "): "
            + describeQuorum()
            + fate);
  }

  private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  /**
   * A Ratis client for one membership call (the caller closes it): sent first to the leader this
   * member knows; each try waits for its answer until {@code deadline} ({@link System#nanoTime()});
   * tried again every {@link #ADMIN_RETRY_MILLIS} (another leader, a lost connection) until then,
   * but never after a refusal because a change is in progress, which the leader logs with its stack
   * trace each time.
   */
  private RaftClient adminClient(long deadline) {
    RaftProperties p = new RaftProperties(clientProperties);
    long leftMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    RaftClientConfigKeys.Rpc.setRequestTimeout(
        p, TimeDuration.valueOf(leftMillis, TimeUnit.MILLISECONDS));
    org.apache.ratis.retry.RetryPolicy again =
        RetryPolicies.retryForeverWithSleep(
            TimeDuration.valueOf(ADMIN_RETRY_MILLIS, TimeUnit.MILLISECONDS));
    RaftClient.Builder b =
        RaftClient.newBuilder()
            .setProperties(p)
            .setParameters(RaftConfig.parameters(settings))
            .setRaftGroup(division().getGroup())
            .setClientId(ClientId.randomId())
            .setRetryPolicy(
                event -> {
                  if (causedBy(
                          event.getCause(),
                          org.apache.ratis.protocol.exceptions.ReconfigurationInProgressException
                              .class)
                      || System.nanoTime()
                              + TimeUnit.MILLISECONDS.toNanos(ADMIN_RETRY_MILLIS)
                              - deadline
                          >= 0) {
                    return org.apache.ratis.retry.RetryPolicy.NO_RETRY_ACTION;
                  }
                  return again.handleAttemptFailure(event);
                });
    RaftPeerId leader = knownLeader();
    if (leader != null) {
      b.setLeaderId(leader);
    }
    return b.build();
  }

  private List<RaftPeer> currentPeers() {
    return new ArrayList<>(division().getRaftConf().getCurrentPeers());
  }

  private RaftServer.Division division() {
    RaftServer.Division d = division;
    if (d != null) {
      return d;
    }
    try {
      return server.getDivision(groupId());
    } catch (IOException e) {
      throw unavailable("the Raft group is not running here: " + e.getMessage());
    }
  }

  private org.apache.ratis.protocol.RaftGroupId groupId() {
    return initialGroup.getGroupId();
  }

  /** Fails {@code f} with an {@code UNAVAILABLE} naming the group's state after the deadline. */
  private <T> CompletableFuture<T> deadline(CompletableFuture<T> f, String what) {
    return deadline(f, what, "");
  }

  /**
   * Like {@link #deadline(CompletableFuture, String)}, with {@code afterTimeout} at the end of the
   * message when the deadline passed (what a caller should know of its request's fate).
   */
  private <T> CompletableFuture<T> deadline(
      CompletableFuture<T> f, String what, String afterTimeout) {
    return deadline(f, what, afterTimeout, System.nanoTime() + settings.writeTimeout().toNanos());
  }

  /** Like {@link #deadline(CompletableFuture, String, String)}, ending at {@code deadline}. */
  private <T> CompletableFuture<T> deadline(
      CompletableFuture<T> f, String what, String afterTimeout, long deadline) {
    long left = Math.max(1, deadline - System.nanoTime());
    return f.orTimeout(left, TimeUnit.NANOSECONDS)
        .exceptionallyCompose(
            e -> {
              Throwable cause = e instanceof CompletionException ? e.getCause() : e;
              if (cause instanceof CairnException) {
                return CompletableFuture.failedFuture(cause);
              }
              return CompletableFuture.failedFuture(
                  cause instanceof TimeoutException
                      ? notDoneInTime(what, afterTimeout)
                      : unavailable(what + " failed (" + cause + "): " + describeQuorum()));
            });
  }

  /**
   * "{@code what} not done within" the write timeout, what this member knows, then {@code fate}.
   */
  private CairnException notDoneInTime(String what, String fate) {
    return unavailable(
        what
            + " not done within "
            + settings.writeTimeout().toMillis()
            + " ms: "
            + describeQuorum()
            + fate);
  }

  /** What this member knows of the group's leader, for an error message. */
  String describeQuorum() {
    LogStatus s;
    try {
      s = status();
    } catch (RuntimeException e) {
      return "the Raft group is not running here";
    }
    RaftPeerId last = adapter.lastLeader();
    if (!s.hasLeader()) {
      long since = s.noLeaderSinceMillis();
      return "no quorum: member "
          + s.nodeId()
          + " knows no leader"
          + (since > 1 ? " since " + Instant.ofEpochMilli(since) : "")
          + (last == null ? "" : " (last known leader " + last + ")");
    }
    if (s.role() == LogStatus.Role.LEADER) {
      return "no quorum: leader " + s.nodeId() + " cannot reach a majority of the members";
    }
    return "no quorum or no answer from leader "
        + s.leaderId()
        + " (last contact "
        + s.lastContactMillis()
        + " ms ago)";
  }

  private CairnException failure(String what, RaftClientReply reply) {
    Throwable e = reply.getException();
    return unavailable(what + " failed: " + (e == null ? "no reason given" : e.getMessage()));
  }

  private static CairnException unavailable(String message) {
    return CairnException.of(ErrorCode.UNAVAILABLE, message);
  }

  private interface Call<T> {
    T call() throws IOException;
  }

  /**
   * Runs {@code call} (a blocking Ratis admin call) on the admin thread. When Ratis's client gives
   * up (its retries ran out) or fails inside, the change may have reached the leader all the same:
   * the failure is an {@code UNAVAILABLE} saying that {@code what} was not confirmed, what this
   * member knows of the group, and {@code fate}. Ratis's own text (request ids, retry-policy
   * lambdas) is left out; its exception's name stays.
   */
  private <T> CompletableFuture<T> supply(String what, String fate, Call<T> call) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return call.call();
          } catch (CairnException e) {
            throw e;
          } catch (IOException | RuntimeException e) {
            throw new CompletionException(
                unavailable(
                    what
                        + " not confirmed ("
                        + e.getClass().getSimpleName()
                        + (e.getCause() == null
                            ? ""
                            : ": " + e.getCause().getClass().getSimpleName())
                        + "): "
                        + describeQuorum()
                        + fate));
          }
        },
        admin);
  }

  @Override
  public void close() {
    contactSampler.shutdownNow();
    redialing.shutdownNow();
    stream.close();
    admin.shutdownNow();
    forwarding.shutdownNow();
    try {
      client.close();
    } catch (IOException e) {
      // closing
    }
  }

  private static LogStatus.Role role(RaftPeerRole role) {
    switch (role) {
      case LEADER:
        return LogStatus.Role.LEADER;
      case FOLLOWER:
        return LogStatus.Role.FOLLOWER;
      case CANDIDATE:
        return LogStatus.Role.CANDIDATE;
      case LISTENER:
        return LogStatus.Role.LISTENER;
      default:
        return LogStatus.Role.NOT_MEMBER;
    }
  }
}
