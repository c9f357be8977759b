package dev.cairn.server.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Instance;
import dev.cairn.common.InstanceKind;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.RegistryOptions;
import dev.cairn.server.core.SessionAccess;
import dev.cairn.server.core.log.CommandLog;
import dev.cairn.server.core.log.LogStateMachine;
import dev.cairn.server.core.log.LogStatus;
import dev.cairn.testing.clock.FakeTicker;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The leader ends a session for a detach only when it comes from the member that holds the session
 * (decision 0186): three registries on one shared log, the first leading, the others sending it
 * their {@link LeaderChannel} messages.
 */
class DetachHolderTest {

  private static final Duration TTL = Duration.ofSeconds(60);

  private final SharedLog shared = new SharedLog();
  // Every member's time; it moves only when a test moves it.
  private final FakeTicker ticker = FakeTicker.create();
  private final List<Registry> registries = new ArrayList<>();
  private Registry leader;
  private Registry f;
  private Registry m;

  @BeforeEach
  void start() throws IOException {
    for (String id : List.of("n1", "n2", "n3")) {
      registries.add(
          Registry.start(shared.member(id), RegistryOptions.builder().ticker(ticker).build()));
    }
    leader = registries.get(0);
    f = registries.get(1);
    m = registries.get(2);
    shared.members.get(0).machine.leadershipChanged(true);
    await().atMost(Duration.ofSeconds(10)).until(() -> leader.cluster().leading());
  }

  @AfterEach
  void close() {
    registries.forEach(Registry::close);
    shared.applier.shutdownNow();
  }

  private String openWithInstance(Registry on) {
    String session = on.openSession(TTL, null, "client").join().id();
    on.register(
            "default",
            Instance.builder("web", "h")
                .id("a")
                .sessionId(session)
                .kind(InstanceKind.EPHEMERAL)
                .build())
        .join();
    return session;
  }

  // A write through the leader after the detach: a close the detach caused is applied before it.
  private void writeAfter() {
    leader
        .register("default", Instance.builder("marker", "h").kind(InstanceKind.PERSISTENT).build())
        .join();
  }

  private void awaitClaimFrom(String member, String session) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                shared.delivered.stream()
                    .filter(d -> d.sender().equals(member))
                    .anyMatch(
                        d -> decoded(d.message()).ops().contains(LeaderChannel.Op.claim(session))));
  }

  private static LeaderChannel.Message decoded(byte[] message) {
    try {
      return LeaderChannel.decode(message);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  // The session and its instance go on every member.
  private void assertSessionEnds(String session) {
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              for (Registry r : registries) {
                assertThat(r.isSessionOpen(session)).isFalse();
                assertThat(r.service("default", "web").instances()).isEmpty();
              }
            });
  }

  // No leader: a keepalive sent to F waits, unanswered, for half the TTL.
  private void keepAliveWaitsHalfTheTtl(String session) {
    shared.leaderless = true;
    CompletableFuture<Long> keepAlive = f.keepAliveAtLeader(session, SessionAccess.anySession());
    ticker.advance(TTL.dividedBy(2));
    assertThat(keepAlive).isNotDone();
  }

  private void assertSessionLives(String session) {
    for (Registry r : registries) {
      assertThat(r.service("default", "web").instances()).extracting(Instance::id).contains("a");
      assertThat(r.isSessionOpen(session)).isTrue();
    }
  }

  @Test
  void aDetachFromAMemberTheClientLeftForTheLeaderIsIgnored() {
    String session = openWithInstance(f);
    awaitClaimFrom("n2", session);
    // F is cut off; the client resumes its session on the leader.
    assertThat(
            leader.openSession(TTL, session, SessionAccess.anySession(), "client").join().resumed())
        .isTrue();

    // F's link is back: it sees the abandoned stream end.
    f.detachSession(session);
    writeAfter();

    assertSessionLives(session);
  }

  @Test
  void aDetachFromAMemberTheClientLeftForAnotherFollowerIsIgnored() {
    String session = openWithInstance(f);
    awaitClaimFrom("n2", session);
    assertThat(m.openSession(TTL, session, SessionAccess.anySession(), "client").join().resumed())
        .isTrue();
    awaitClaimFrom("n3", session);

    f.detachSession(session);
    writeAfter();

    assertSessionLives(session);
  }

  @Test
  void aRenewalTheMemberTheClientLeftSendsLateDoesNotMakeItTheHolderAgain() {
    String session = openWithInstance(f);
    awaitClaimFrom("n2", session);
    assertThat(
            leader.openSession(TTL, session, SessionAccess.anySession(), "client").join().resumed())
        .isTrue();
    int before = shared.delivered.size();

    // A renewal F could not forward during the partition goes out once its link is back.
    f.keepAlive(session);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                shared.delivered.subList(before, shared.delivered.size()).stream()
                    .filter(d -> d.sender().equals("n2"))
                    .anyMatch(
                        d -> decoded(d.message()).ops().contains(LeaderChannel.Op.renew(session))));
    f.detachSession(session);
    writeAfter();

    assertSessionLives(session);
  }

  @Test
  void theLeadersOwnDetachIsIgnoredForASessionAFollowerHolds() {
    String session = openWithInstance(leader);
    assertThat(f.openSession(TTL, session, SessionAccess.anySession(), "client").join().resumed())
        .isTrue();
    awaitClaimFrom("n2", session);

    leader.detachSession(session);
    writeAfter();

    assertSessionLives(session);
  }

  @Test
  void aDetachFromTheHolderEndsTheSession() {
    String session = openWithInstance(leader);
    assertThat(f.openSession(TTL, session, SessionAccess.anySession(), "client").join().resumed())
        .isTrue();
    awaitClaimFrom("n2", session);

    f.detachSession(session);

    assertSessionEnds(session);
  }

  @Test
  void aDetachRightAfterAResumeCountsFromTheMemberOfTheResume() {
    String session = openWithInstance(leader);
    // The client resumes on F and dies before F's next flush: the detach carries F's claim.
    assertThat(f.openSession(TTL, session, SessionAccess.anySession(), "client").join().resumed())
        .isTrue();
    f.detachSession(session);

    assertSessionEnds(session);
  }

  // The leader is elected anew (the same member here): it knows no session's holder.
  private void newTerm() {
    shared.members.get(0).machine.leadershipChanged(false);
    await().atMost(Duration.ofSeconds(10)).until(() -> !leader.cluster().leading());
    shared.members.get(0).machine.leadershipChanged(true);
    await().atMost(Duration.ofSeconds(10)).until(() -> leader.cluster().leading());
    shared.leaderless = false;
  }

  @Test
  void aStreamItsClientLeftForWantOfAnswersDoesNotEndTheSessionAfterAnElection() {
    String session = openWithInstance(f);
    awaitClaimFrom("n2", session);
    // The leader is gone: F's keepalives wait, and its client gives F up after half the TTL.
    keepAliveWaitsHalfTheTtl(session);
    newTerm();

    // F sees the abandoned stream end once there is a leader again, before or after its waiting
    // renewal reached it; the client resumes on M.
    f.detachSession(session);
    writeAfter();
    assertThat(m.openSession(TTL, session, SessionAccess.anySession(), "client").join().resumed())
        .isTrue();

    assertSessionLives(session);
  }

  @Test
  void aStreamWhoseKeepalivesWereAnsweredStillEndsItsSessionAfterAnElection() {
    String session = openWithInstance(f);
    awaitClaimFrom("n2", session);
    f.keepAliveAtLeader(session, SessionAccess.anySession()).join();
    newTerm();

    // The client died: its stream ends while its keepalives were answered.
    f.detachSession(session);

    assertSessionEnds(session);
  }

  @Test
  void aMemberElectedWhileAKeepaliveWaitedStillEndsTheSessionOfAClientThatDiesLater() {
    String session = openWithInstance(f);
    awaitClaimFrom("n2", session);
    keepAliveWaitsHalfTheTtl(session);
    // F is elected: its client's next keepalive is answered at once.
    shared.members.get(1).machine.leadershipChanged(true);
    await().atMost(Duration.ofSeconds(10)).until(() -> f.cluster().leading());
    assertThat(f.keepAliveAtLeader(session, SessionAccess.anySession())).isCompleted();

    // Later the client dies: its stream's end ends the session.
    f.detachSession(session);

    assertSessionEnds(session);
  }

  @Test
  void aDetachFromAMemberOfAnEarlierVersionCountsAsBefore() throws IOException {
    String session = openWithInstance(f);
    awaitClaimFrom("n2", session);
    assertThat(
            leader.openSession(TTL, session, SessionAccess.anySession(), "client").join().resumed())
        .isTrue();

    // The format before decision 0186: the operations, and no sender.
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(1);
      out.writeByte(LeaderChannel.DETACH);
      out.writeUTF(session);
    }
    shared.members.get(0).machine.leaderMessage(bytes.toByteArray());

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(leader.isSessionOpen(session)).isFalse());
  }

  /** One log that every member applies, in one order; the first member leads. */
  private static final class SharedLog {
    final ExecutorService applier = Executors.newSingleThreadExecutor();
    final List<Member> members = new CopyOnWriteArrayList<>();
    final List<Delivered> delivered = new CopyOnWriteArrayList<>();
    // No leader: what a member sends it fails.
    volatile boolean leaderless;

    record Delivered(String sender, byte[] message) {}

    Member member(String id) {
      Member m = new Member(id);
      members.add(m);
      return m;
    }

    final class Member implements CommandLog {
      final String id;
      volatile LogStateMachine machine;

      Member(String id) {
        this.id = id;
      }

      @Override
      public void start(LogStateMachine machine) {
        this.machine = machine;
      }

      @Override
      public CompletableFuture<byte[]> append(byte[] entry) {
        return CompletableFuture.supplyAsync(
            () -> {
              byte[] mine = null;
              for (Member x : members) {
                byte[] reply = x.machine.apply(entry);
                if (x == this) {
                  mine = reply;
                }
              }
              return mine;
            },
            applier);
      }

      @Override
      public boolean replicated() {
        return true;
      }

      @Override
      public LogStatus status() {
        Member lead = members.get(0);
        return new LogStatus(
            id,
            lead == this ? LogStatus.Role.LEADER : LogStatus.Role.FOLLOWER,
            lead.id,
            1,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            "");
      }

      // Delivered at once, on the caller's thread.
      @Override
      public CompletableFuture<byte[]> sendToLeader(byte[] message) {
        if (leaderless) {
          return CompletableFuture.failedFuture(
              CairnException.of(ErrorCode.UNAVAILABLE, "no leader"));
        }
        try {
          byte[] answer = members.get(0).machine.leaderMessage(message);
          delivered.add(new Delivered(id, message));
          return CompletableFuture.completedFuture(answer);
        } catch (RuntimeException e) {
          return CompletableFuture.failedFuture(e);
        }
      }

      @Override
      public CompletableFuture<CairnException> failure() {
        return new CompletableFuture<>();
      }

      @Override
      public void close() {}
    }
  }
}
