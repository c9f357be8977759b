package dev.cairn.loadgen.internal;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.proto.v1.Instance;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * W6: a 3- or 5-member cluster of its own (member JVMs started from the Cairn classpath on free
 * loopback ports, data under a temporary directory), driven by blocking writers spread over the
 * members.
 *
 * <ol>
 *   <li><b>Steady</b>: the writers run for a while with nothing failing; the leader changes every
 *       member counts in that time must be 0.
 *   <li><b>Follower catch-up</b>: a follower is {@code kill -9}ed, {@code syncWrites} persistent
 *       registrations go to the other two, the follower is restarted: the time from its start to
 *       its applied index equal to the leader's. Then the RSS of every member, with that catalog.
 *   <li><b>Leader kills</b>: with the writers running, the leader is {@code kill -9}ed {@code
 *       kills} times and restarted each time (once it is in sync, the next kill). For each kill:
 *       the time from the kill to the first acknowledgement of a write begun after it (the cluster
 *       is writable again), and the same for the slowest writer (what one blocking caller waits).
 *   <li><b>Check</b>: the writers stop; once every member has applied the same index, every
 *       acknowledged write must be on every member, and the members must hold the same instances.
 * </ol>
 *
 * With 5 members, optionally <b>double kills</b> after the leader kills: two members {@code kill
 * -9}ed at once, alternately two followers and the leader with a follower; a majority of three is
 * left, so writes must go on. With TLS files, every member serves and talks to the others over
 * mutual TLS.
 *
 * <p>Writers are threads, each with one call at a time (2 s deadline), starting on member {@code w
 * % members}; after a failure a writer moves to the next member, as the SDK does. Every phase is
 * bounded in time, the whole by {@code maxTime}; the members are stopped at the end whatever
 * happens.
 */
final class ClusterFailoverWorkload implements Workload {

  /**
   * The workload's bounds. {@code members}: 3 or 5; {@code doubleKills}: kills of two members at
   * once (5 members only); {@code portBase}: the members' ports are {@code portBase .. portBase + 3
   * * members - 1} (Raft, HTTP, gRPC), or free ones when 0; {@code tls}: the members serve and talk
   * to each other over mutual TLS with these files (null: plaintext).
   */
  record Settings(
      int kills,
      int writers,
      int syncWrites,
      Duration steady,
      Duration maxTime,
      String classpath,
      List<String> memberJavaOptions,
      boolean keepData,
      int members,
      int doubleKills,
      int portBase,
      Target.Tls tls) {

    Settings {
      requireNonNull(steady, "steady");
      requireNonNull(maxTime, "maxTime");
      requireNonNull(classpath, "classpath");
      memberJavaOptions = List.copyOf(memberJavaOptions);
      if (members != 3 && members != 5) {
        throw new IllegalArgumentException("w6-members: " + members + " (expected: 3 or 5)");
      }
      if (doubleKills < 0 || (doubleKills > 0 && members < 5)) {
        throw new IllegalArgumentException(
            "w6-double-kills: "
                + doubleKills
                + " (expected: 0, or > 0 with --w6-members 5: two of three cannot be killed)");
      }
      if (portBase != 0 && (portBase < 1024 || portBase + 3 * members > 65_536)) {
        throw new IllegalArgumentException(
            "w6-port-base: " + portBase + " (expected: 0 for free ports, or 1024..65535)");
      }
    }

    /** A 3-member plaintext cluster on free ports, no double kills. */
    Settings(
        int kills,
        int writers,
        int syncWrites,
        Duration steady,
        Duration maxTime,
        String classpath,
        List<String> memberJavaOptions,
        boolean keepData) {
      this(
          kills,
          writers,
          syncWrites,
          steady,
          maxTime,
          classpath,
          memberJavaOptions,
          keepData,
          3,
          0,
          0,
          null);
    }

    Settings withMembers(int n, int doubleKills) {
      return new Settings(
          kills,
          writers,
          syncWrites,
          steady,
          maxTime,
          classpath,
          memberJavaOptions,
          keepData,
          n,
          doubleKills,
          portBase,
          tls);
    }

    Settings withPortBase(int base) {
      return new Settings(
          kills,
          writers,
          syncWrites,
          steady,
          maxTime,
          classpath,
          memberJavaOptions,
          keepData,
          members,
          doubleKills,
          base,
          tls);
    }

    Settings withTls(Target.Tls files) {
      return new Settings(
          kills,
          writers,
          syncWrites,
          steady,
          maxTime,
          classpath,
          memberJavaOptions,
          keepData,
          members,
          doubleKills,
          portBase,
          files);
    }

    /**
     * The JVM flags W6's members run with: the launcher's ({@link #launcherJavaOptions}), or, as
     * the launcher does, {@code CAIRN_JAVA_OPTS} in their place when it is set (split on spaces),
     * after {@code -XX:+ExitOnOutOfMemoryError}.
     *
     * @param cairnJavaOpts the value of {@code CAIRN_JAVA_OPTS}, or null when it is not set
     */
    static List<String> memberJavaOptions(String cairnJavaOpts) {
      if (cairnJavaOpts == null || cairnJavaOpts.isBlank()) {
        return launcherJavaOptions();
      }
      List<String> options = new ArrayList<>();
      options.add("-XX:+ExitOnOutOfMemoryError");
      options.addAll(List.of(cairnJavaOpts.trim().split("\\s+")));
      return options;
    }

    /**
     * The launcher's flags for a cluster member ({@code ./cairn server --peers ...}: C1 only,
     * decision 0192), heap capped at 1 GiB.
     */
    static List<String> launcherJavaOptions() {
      return List.of(
          "-XX:+ExitOnOutOfMemoryError",
          "-XX:+UseSerialGC",
          "-Xss256k",
          "-XX:ReservedCodeCacheSize=64m",
          "-Xms64m",
          "-Xmn24m",
          "-Xmx1g",
          "-XX:MinHeapFreeRatio=30",
          "-XX:MaxHeapFreeRatio=50",
          "-Dio.netty.allocator.numDirectArenas=1",
          "-Dio.netty.allocator.numHeapArenas=1",
          "-Dio.netty.allocator.maxOrder=7",
          "-XX:TieredStopAtLevel=1");
    }
  }

  private static final String NAME = "W6";
  private static final Duration WRITE_DEADLINE = Duration.ofSeconds(2);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration BETWEEN_KILLS = Duration.ofSeconds(1);

  /** SDK clients holding one ephemeral instance each through the kills ({@link EphemeralProbe}). */
  static final int EPHEMERAL_OWNERS = 12;

  private final Settings settings;

  ClusterFailoverWorkload(Settings settings) {
    this.settings = requireNonNull(settings, "settings");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(RunContext context, ResultTable table) throws Exception {
    if (settings.tls() != null && settings.tls().cert() == null) {
      throw new IllegalArgumentException(
          "tls: W6's members need --tls-cert and --tls-key with --tls-ca (mutual TLS)");
    }
    long deadline = System.nanoTime() + settings.maxTime().toNanos();
    Path dir = Files.createTempDirectory("cairn-loadgen-w6-");
    int n = settings.members();
    int[] ports = settings.portBase() == 0 ? freePorts(n * 3) : basePorts(settings.portBase(), n);
    StringBuilder peers = new StringBuilder();
    for (int i = 0; i < n; i++) {
      peers.append(i == 0 ? "" : ",").append("n").append(i + 1).append("=127.0.0.1:");
      peers.append(ports[i]);
    }
    List<MemberProcess> members = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      members.add(
          new MemberProcess(
              "n" + (i + 1),
              ports[i],
              ports[n + i],
              ports[2 * n + i],
              dir.resolve("n" + (i + 1)),
              peers.toString(),
              settings.classpath(),
              settings.memberJavaOptions(),
              settings.tls()));
    }
    Writers writers = null;
    EphemeralProbe probe = null;
    boolean ok = false;
    try {
      context.progress("%s: starting %d members under %s ...", NAME, n, dir);
      for (MemberProcess m : members) {
        m.start();
      }
      for (MemberProcess m : members) {
        if (!m.awaitServing(START_TIMEOUT)) {
          throw new IllegalStateException(m.id + " did not start; see " + m.dataDir + ".log");
        }
      }
      MemberProcess leader = awaitLeader(members, PHASE_TIMEOUT);
      table.add(
          NAME,
          "cluster: "
              + n
              + " member JVMs"
              + (settings.tls() == null ? "" : ", mutual TLS between members and to clients")
              + ", leader "
              + leader.id,
          "JVM flags " + settings.memberJavaOptions(),
          "—");
      String service = context.service("w6");
      writers = new Writers(context, members, service, settings.writers());

      // 1. Steady: nothing fails, nobody may stand for election.
      long[] changesBefore = leaderChanges(members);
      long[] termsBefore = terms(members);
      writers.start();
      context.progress(
          "%s: %d blocking writers, %d s with nothing failing...",
          NAME, settings.writers(), settings.steady().toSeconds());
      long ackedBefore = writers.acked();
      long steadyStart = System.nanoTime();
      Thread.sleep(settings.steady().toMillis());
      long steadyAcked = writers.acked() - ackedBefore;
      double steadySeconds = (System.nanoTime() - steadyStart) / 1e9;
      long[] changesAfter = leaderChanges(members);
      long[] termsAfter = terms(members);
      table.add(
          NAME,
          String.format(
              Locale.ROOT,
              "steady writes (%d blocking writers over %d members, %.0f s)",
              settings.writers(),
              n,
              steadySeconds),
          ResultTable.rate(steadyAcked / steadySeconds, "ops/s"),
          "—");
      table.add(
          NAME,
          "leader changes (and term changes) seen while nothing failed, per member",
          perMember(changesBefore, changesAfter)
              + " (term +"
              + perMember(termsBefore, termsAfter).replace(" / ", " / +")
              + ")",
          "0 (+0)");
      writers.pause();

      // 2. A follower down for syncWrites writes, restarted: time to be back in sync.
      followerCatchUp(context, table, members, deadline);

      // 3. Leader kills under write load, with SDK clients holding ephemeral instances.
      probe =
          EphemeralProbe.start(
              members.stream().map(m -> m.target.grpcAuthority()).collect(Collectors.joining(",")),
              settings.tls(),
              context.service("w6-eph"),
              EPHEMERAL_OWNERS,
              PHASE_TIMEOUT);
      writers.resume();
      List<Long> unavailable = new ArrayList<>();
      List<Long> slowestWriter = new ArrayList<>();
      long failedBefore = writers.failed();
      long ackedAtStart = writers.acked();
      int kills = 0;
      while (kills < settings.kills() && System.nanoTime() < deadline) {
        MemberProcess current = awaitLeader(members, PHASE_TIMEOUT);
        Thread.sleep(BETWEEN_KILLS.toMillis());
        long killedAt = System.nanoTime();
        writers.markKill(killedAt);
        current.kill9();
        kills++;
        long firstAck = writers.awaitAckAfterKill(PHASE_TIMEOUT);
        if (firstAck < 0) {
          throw new IllegalStateException(
              "kill " + kills + " of " + current.id + ": no write acknowledged within 60 s");
        }
        unavailable.add(firstAck - killedAt);
        long allBack = writers.awaitEveryWriterAfterKill(PHASE_TIMEOUT);
        slowestWriter.add(allBack < 0 ? PHASE_TIMEOUT.toNanos() : allBack - killedAt);
        context.progress(
            "%s: kill %d (%s): writable again after %.0f ms, every writer after %.0f ms",
            NAME, kills, current.id, (firstAck - killedAt) / 1e6, (allBack - killedAt) / 1e6);
        current.start();
        if (!current.awaitServing(START_TIMEOUT)) {
          throw new IllegalStateException(
              current.id + " did not restart; see " + current.dataDir + ".log");
        }
        writers.reconnect(members.indexOf(current));
        if (awaitInSync(members, current, PHASE_TIMEOUT) < 0) {
          throw new IllegalStateException(current.id + " did not catch up within 60 s");
        }
      }
      long acked = writers.acked() - ackedAtStart;
      long failed = writers.failed() - failedBefore;
      table.add(
          NAME, "leader kills (kill -9, restarted each time)", kills + "", settings.kills() + "");
      addMillisRows(
          table, "unavailable after a leader kill: kill → first ack of a write begun after it",
          unavailable, "p50 ≤ 800 ms / max ≤ 1,500 ms");
      addMillisRows(
          table, "slowest writer after a leader kill: kill → its first ack after it",
          slowestWriter, "—");
      table.add(
          NAME,
          "writes acknowledged / failed during the kills",
          ResultTable.count(acked) + " / " + ResultTable.count(failed),
          "—");

      // 3b. Two members at once (5 members: a majority of 3 is left).
      if (settings.doubleKills() > 0) {
        doubleKills(context, table, members, writers, deadline);
      }

      table.add(
          NAME,
          "ephemeral instances of "
              + probe.owners()
              + " SDK clients (sessions on the leader) through the kills: most missing at once /"
              + " changes a view saw",
          probe.mostMissing() + " / " + probe.changes(),
          "0 / 0");

      // 4. Every acknowledged write on every member.
      writers.stop();
      check(context, table, members, writers);
      ok = true;
    } finally {
      if (probe != null) {
        probe.close();
      }
      if (writers != null) {
        writers.stop();
        writers.close();
      }
      for (MemberProcess m : members) {
        m.stop();
      }
      if (ok && !settings.keepData()) {
        deleteTree(dir);
      } else {
        context.progress("%s: member data and logs kept in %s", NAME, dir);
      }
    }
  }

  /**
   * Phase 3b: two members {@code kill -9}ed at the same moment, alternately two followers (writes
   * must go on: a majority of three is left) and the leader with a follower (one election, as for a
   * leader kill); both restarted and back in sync before the next.
   */
  private void doubleKills(
      RunContext context,
      ResultTable table,
      List<MemberProcess> members,
      Writers writers,
      long deadline)
      throws Exception {
    List<Long> followersDown = new ArrayList<>();
    List<Long> leaderDown = new ArrayList<>();
    long failedBefore = writers.failed();
    long ackedBefore = writers.acked();
    int done = 0;
    while (done < settings.doubleKills() && System.nanoTime() < deadline) {
      MemberProcess leader = awaitLeader(members, PHASE_TIMEOUT);
      int l = members.indexOf(leader);
      boolean withLeader = done % 2 == 1;
      MemberProcess first = withLeader ? leader : members.get((l + 1) % members.size());
      MemberProcess second = members.get((l + 2) % members.size());
      Thread.sleep(BETWEEN_KILLS.toMillis());
      long killedAt = System.nanoTime();
      writers.markKill(killedAt);
      first.kill9();
      second.kill9();
      done++;
      long firstAck = writers.awaitAckAfterKill(PHASE_TIMEOUT);
      if (firstAck < 0) {
        throw new IllegalStateException(
            "double kill "
                + done
                + " ("
                + first.id
                + ", "
                + second.id
                + "): no write acknowledged within 60 s");
      }
      (withLeader ? leaderDown : followersDown).add(firstAck - killedAt);
      context.progress(
          "%s: double kill %d (%s%s, %s): writable again after %.0f ms",
          NAME,
          done,
          first.id,
          withLeader ? " leading" : "",
          second.id,
          (firstAck - killedAt) / 1e6);
      for (MemberProcess m : List.of(first, second)) {
        m.start();
      }
      for (MemberProcess m : List.of(first, second)) {
        if (!m.awaitServing(START_TIMEOUT)) {
          throw new IllegalStateException(m.id + " did not restart; see " + m.dataDir + ".log");
        }
        writers.reconnect(members.indexOf(m));
        if (awaitInSync(members, m, PHASE_TIMEOUT) < 0) {
          throw new IllegalStateException(m.id + " did not catch up within 60 s");
        }
      }
    }
    addMillisRows(
        table,
        "two followers killed at once: kill → first ack of a write begun after it",
        followersDown,
        "writes go on");
    addMillisRows(
        table,
        "leader and a follower killed at once: kill → first ack of a write begun after it",
        leaderDown,
        "as one leader kill");
    table.add(
        NAME,
        "writes acknowledged / failed during the double kills",
        ResultTable.count(writers.acked() - ackedBefore)
            + " / "
            + ResultTable.count(writers.failed() - failedBefore),
        "—");
  }

  /** Phase 2: a follower down for {@code syncWrites} writes, then restarted. */
  private void followerCatchUp(
      RunContext context, ResultTable table, List<MemberProcess> members, long deadline)
      throws Exception {
    MemberProcess leader = awaitLeader(members, PHASE_TIMEOUT);
    MemberProcess follower = members.get((members.indexOf(leader) + 1) % members.size());
    context.progress(
        "%s: kill -9 follower %s, %,d writes to the others...",
        NAME, follower.id, settings.syncWrites());
    follower.kill9();
    List<ManagedChannel> channels = new ArrayList<>();
    for (MemberProcess m : members) {
      if (m != follower) {
        channels.add(m.target.newChannel());
      }
    }
    Pipeline.Result written;
    try {
      String namespace = context.namespace();
      Instance[] instances = new Instance[settings.syncWrites()];
      for (int k = 0; k < instances.length; k++) {
        instances[k] =
            Instances.of(
                context.service(String.format(Locale.ROOT, "w6-sync-%03d", k % 1_000)),
                Instances.id("s", k),
                k);
      }
      long left = Math.max(1, deadline - System.nanoTime());
      written =
          Pipeline.run(
              instances.length,
              32,
              4,
              k -> Calls.register(channels.get(k % channels.size()), namespace, instances[k]),
              new Latency(),
              Duration.ofNanos(Math.min(left, Duration.ofSeconds(600).toNanos())));
    } finally {
      channels.forEach(Target::shutdown);
    }
    table.add(
        NAME,
        "writes while follower " + follower.id + " was down (32 callers x 4 in flight)",
        ResultTable.count(written.succeeded())
            + " ("
            + ResultTable.rate(written.perSecond(), "ops/s")
            + (written.failed() > 0 ? ", " + written.failed() + " failed" : "")
            + ")",
        ResultTable.count(settings.syncWrites()));
    leader = awaitLeader(members, PHASE_TIMEOUT);
    long target = leader.clusterStatus().path("appliedIndex").asLong();
    long started = System.nanoTime();
    follower.start();
    boolean serving = follower.awaitServing(START_TIMEOUT);
    long servingAt = System.nanoTime();
    long inSync = serving ? awaitApplied(follower, target, Duration.ofSeconds(120)) : -1;
    table.add(
        NAME,
        "follower restarted after those writes: start → serving HTTP",
        serving ? seconds(servingAt - started) : "did not start",
        "—");
    table.add(
        NAME,
        "follower restarted after those writes: start → applied index = leader's ("
            + ResultTable.count(target)
            + ")",
        inSync < 0 ? "not within 120 s" : seconds(inSync - started),
        "≤ 10 s");
    double installs = follower.api.metric("cairn_raft_snapshot_installs_total");
    table.add(
        NAME, "snapshot installs on the restarted follower", String.format("%.0f", installs), "—");
    StringBuilder rss = new StringBuilder();
    long max = 0;
    for (MemberProcess m : members) {
      long bytes = m.rssBytes();
      max = Math.max(max, bytes);
      rss.append(rss.length() == 0 ? "" : " / ")
          .append(m.id)
          .append(' ')
          .append(bytes < 0 ? "n/a" : (bytes >> 20) + " MiB");
    }
    long instances = leader.api.instanceCount();
    table.add(
        NAME,
        "RSS per member at " + ResultTable.count(instances) + " instances (persistent)",
        rss.toString(),
        "≤ 250 MiB");
  }

  /** Phase 4: every acknowledged write on every member, and the members agree. */
  private void check(
      RunContext context, ResultTable table, List<MemberProcess> members, Writers writers)
      throws Exception {
    context.progress(
        "%s: checking %,d acknowledged writes on every member...", NAME, writers.acked());
    MemberProcess leader = awaitLeader(members, PHASE_TIMEOUT);
    long target = leader.clusterStatus().path("appliedIndex").asLong();
    for (MemberProcess m : members) {
      if (awaitApplied(m, target, PHASE_TIMEOUT) < 0) {
        throw new IllegalStateException(m.id + " did not apply index " + target + " within 60 s");
      }
    }
    long lost = 0;
    Set<String> reference = null;
    boolean agree = true;
    StringBuilder perMember = new StringBuilder();
    for (MemberProcess m : members) {
      Set<String> present = new HashSet<>();
      for (int w = 0; w < writers.count(); w++) {
        JsonNode list = m.api.instances(context.namespace(), writers.service(w));
        for (JsonNode instance : list.path("instances")) {
          present.add(writers.service(w) + "/" + instance.path("id").asText());
        }
      }
      long missing = 0;
      for (String key : writers.acknowledged()) {
        if (!present.contains(key)) {
          missing++;
        }
      }
      lost += missing;
      perMember
          .append(perMember.length() == 0 ? "" : " / ")
          .append(m.id)
          .append(' ')
          .append(missing);
      if (reference == null) {
        reference = present;
      } else if (!reference.equals(present)) {
        agree = false;
      }
    }
    table.add(
        NAME,
        "acknowledged writes lost, of " + ResultTable.count(writers.acked()) + " (per member)",
        ResultTable.count(lost) + " (" + perMember + ")",
        "0");
    table.add(
        NAME,
        "members hold the same instances at the same applied index",
        agree ? "yes" : "no",
        "yes");
  }

  /**
   * Blocking writers: thread {@code w} registers persistent instances {@code w6-<w>-<seq>} of its
   * own service, one call at a time, on member {@code w % 3} until a call fails, then on the next.
   */
  private static final class Writers implements AutoCloseable {
    private final RunContext context;
    private final String service;
    private final int count;
    private final AtomicReferenceArray<ManagedChannel> channels;
    private final List<MemberProcess> members;
    private final List<Thread> threads = new ArrayList<>();
    private final List<List<String>> acknowledged = new ArrayList<>();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    // per writer: the start time of its first write after the last kill that was acknowledged
    private final long[] firstAckAfterKill;
    private volatile long killedAt = Long.MAX_VALUE;
    private volatile boolean paused;
    private volatile boolean stopped;

    Writers(RunContext context, List<MemberProcess> members, String service, int count) {
      this.context = context;
      this.members = members;
      this.service = service;
      this.count = count;
      this.channels = new AtomicReferenceArray<>(members.size());
      for (int i = 0; i < members.size(); i++) {
        channels.set(i, members.get(i).target.newChannel());
      }
      this.firstAckAfterKill = new long[count];
      for (int w = 0; w < count; w++) {
        acknowledged.add(new ArrayList<>());
      }
    }

    int count() {
      return count;
    }

    String service(int w) {
      return service + "-" + w;
    }

    void start() {
      for (int w = 0; w < count; w++) {
        int writer = w;
        Thread t = new Thread(() -> write(writer), "loadgen-w6-writer-" + w);
        t.setDaemon(true);
        threads.add(t);
        t.start();
      }
    }

    private void write(int w) {
      int member = w % members.size();
      long seq = 0;
      String namespace = context.namespace();
      List<String> mine = acknowledged.get(w);
      while (!stopped) {
        if (paused) {
          synchronized (this) {
            while (paused && !stopped) {
              try {
                wait(100);
              } catch (InterruptedException e) {
                return;
              }
            }
          }
          continue;
        }
        String id = String.format(Locale.ROOT, "w6-%02d-%07d", w, seq++);
        long started = System.nanoTime();
        try {
          Calls.register(
                  channels.get(member),
                  namespace,
                  Instances.of(service(w), id, (int) (seq % 60_000)))
              .get(WRITE_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
          synchronized (mine) {
            mine.add(service(w) + "/" + id);
          }
          acked.incrementAndGet();
          if (started > killedAt) {
            synchronized (this) {
              if (firstAckAfterKill[w] == 0) {
                firstAckAfterKill[w] = System.nanoTime();
                notifyAll();
              }
            }
          }
        } catch (ExecutionException | TimeoutException e) {
          failed.incrementAndGet();
          member = (member + 1) % members.size();
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    long acked() {
      return acked.get();
    }

    long failed() {
      return failed.get();
    }

    /** Every acknowledged write as {@code service/id}. */
    List<String> acknowledged() {
      List<String> all = new ArrayList<>();
      for (List<String> mine : acknowledged) {
        synchronized (mine) {
          all.addAll(mine);
        }
      }
      return all;
    }

    synchronized void markKill(long at) {
      java.util.Arrays.fill(firstAckAfterKill, 0);
      killedAt = at;
    }

    /** The time of the first acknowledgement of a write begun after the kill; -1 on timeout. */
    synchronized long awaitAckAfterKill(Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        long first = Long.MAX_VALUE;
        for (long t : firstAckAfterKill) {
          if (t != 0) {
            first = Math.min(first, t);
          }
        }
        if (first != Long.MAX_VALUE) {
          return first;
        }
        wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      }
      return -1;
    }

    /** The time by which every writer had a write begun after the kill acknowledged; -1. */
    synchronized long awaitEveryWriterAfterKill(Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        long last = 0;
        boolean all = true;
        for (long t : firstAckAfterKill) {
          all &= t != 0;
          last = Math.max(last, t);
        }
        if (all) {
          return last;
        }
        wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      }
      return -1;
    }

    /** A fresh channel to member {@code i} (after its restart: no reconnect backoff). */
    void reconnect(int i) {
      ManagedChannel old = channels.getAndSet(i, members.get(i).target.newChannel());
      old.shutdown();
    }

    void pause() {
      paused = true;
    }

    synchronized void resume() {
      paused = false;
      notifyAll();
    }

    void stop() throws InterruptedException {
      stopped = true;
      synchronized (this) {
        notifyAll();
      }
      for (Thread t : threads) {
        t.join(WRITE_DEADLINE.toMillis() + 1_000);
      }
    }

    @Override
    public void close() {
      for (int i = 0; i < channels.length(); i++) {
        Target.shutdown(channels.get(i));
      }
    }
  }

  /** The member every live member names as leader; waits for them to agree. */
  static MemberProcess awaitLeader(List<MemberProcess> members, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      String agreed = null;
      boolean disagree = false;
      for (MemberProcess m : members) {
        JsonNode s = m.clusterStatus();
        if (s == null) {
          continue;
        }
        String leader = s.path("leader").asText("");
        if (leader.isEmpty() || (agreed != null && !agreed.equals(leader))) {
          disagree = true;
          break;
        }
        agreed = leader;
      }
      if (!disagree && agreed != null) {
        for (MemberProcess m : members) {
          if (m.id.equals(agreed) && m.alive()) {
            return m;
          }
        }
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("the members did not agree on a leader within " + timeout);
  }

  /** Waits until {@code member} has applied {@code index}; the time it did, or -1. */
  private static long awaitApplied(MemberProcess member, long index, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode s = member.clusterStatus();
      if (s != null && s.path("appliedIndex").asLong() >= index) {
        return System.nanoTime();
      }
      Thread.sleep(20);
    }
    return -1;
  }

  /** Waits until {@code member} has applied what the leader had committed when asked. */
  private static long awaitInSync(
      List<MemberProcess> members, MemberProcess member, Duration timeout)
      throws InterruptedException {
    MemberProcess leader = awaitLeader(members, timeout);
    JsonNode s = leader.clusterStatus();
    long index = s == null ? 0 : s.path("commitIndex").asLong();
    return awaitApplied(member, index, timeout);
  }

  private static long[] leaderChanges(List<MemberProcess> members)
      throws IOException, InterruptedException {
    long[] changes = new long[members.size()];
    for (int i = 0; i < changes.length; i++) {
      changes[i] = members.get(i).api.leaderChanges();
    }
    return changes;
  }

  private static long[] terms(List<MemberProcess> members)
      throws IOException, InterruptedException {
    long[] terms = new long[members.size()];
    for (int i = 0; i < terms.length; i++) {
      terms[i] = members.get(i).api.term();
    }
    return terms;
  }

  private static String perMember(long[] before, long[] after) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < after.length; i++) {
      b.append(i == 0 ? "" : " / ").append(after[i] - before[i]);
    }
    return b.toString();
  }

  private static void addMillisRows(
      ResultTable table, String what, List<Long> nanos, String target) {
    if (nanos.isEmpty()) {
      table.add(NAME, what, "no kills", target);
      return;
    }
    List<Long> sorted = new ArrayList<>(nanos);
    sorted.sort(Comparator.naturalOrder());
    long p50 = sorted.get((sorted.size() - 1) / 2);
    long max = sorted.get(sorted.size() - 1);
    table.add(
        NAME,
        what + " p50 / max (" + sorted.size() + " kills)",
        String.format(Locale.ROOT, "%,.0f / %,.0f ms", p50 / 1e6, max / 1e6),
        target);
  }

  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
  }

  /** Raft ports from {@code base}, then HTTP, then gRPC: {@code 3 * members} in a row. */
  private static int[] basePorts(int base, int members) {
    int[] ports = new int[3 * members];
    for (int i = 0; i < ports.length; i++) {
      ports[i] = base + i;
    }
    return ports;
  }

  static int[] freePorts(int n) throws IOException {
    int[] ports = new int[n];
    List<ServerSocket> open = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0);
        open.add(s);
        ports[i] = s.getLocalPort();
      }
    } finally {
      for (ServerSocket s : open) {
        s.close();
      }
    }
    return ports;
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort
    }
  }
}
