package dev.cairn.loadgen.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * W1's raw client on a 3-member cluster of member JVMs: with sessions on the leader (the default,
 * as the SDK's) the followers forward none of its writes; kept where they were opened, the
 * followers forward theirs. Checks what the members did, never timings.
 */
class SessionsOnLeaderTest {

  private static final String FORWARDED = "cairn_raft_forwarded_writes_total";
  private static final List<MemberProcess> members = new ArrayList<>();
  private static MemberProcess leader;

  @BeforeAll
  static void startCluster() throws Exception {
    Path dir = Files.createTempDirectory("cairn-loadgen-leader-");
    int[] ports = ClusterFailoverWorkload.freePorts(9);
    String peers =
        "n1=127.0.0.1:" + ports[0] + ",n2=127.0.0.1:" + ports[1] + ",n3=127.0.0.1:" + ports[2];
    for (int i = 0; i < 3; i++) {
      members.add(
          new MemberProcess(
              "n" + (i + 1),
              ports[i],
              ports[3 + i],
              ports[6 + i],
              dir.resolve("n" + (i + 1)),
              peers,
              System.getProperty("java.class.path"),
              List.of("-XX:+UseSerialGC", "-Xmx256m", "-XX:TieredStopAtLevel=1"),
              null));
    }
    for (MemberProcess m : members) {
      m.start();
    }
    for (MemberProcess m : members) {
      assertThat(m.awaitServing(Duration.ofSeconds(90))).as(m.id + " serving").isTrue();
    }
    leader = ClusterFailoverWorkload.awaitLeader(members, Duration.ofSeconds(60));
  }

  @AfterAll
  static void stopCluster() throws Exception {
    for (MemberProcess m : members) {
      m.stop();
    }
  }

  @Test
  void sessionsOpenedOnTheLeaderLeaveTheFollowersNothingToForward() throws Exception {
    double before = forwardedByFollowers();
    ResultTable table = run(true);

    assertThat(table.rows()).noneMatch(row -> row.metric().contains("errors"));
    assertThat(table.rows())
        .anyMatch(
            row -> row.metric().contains("opened on the leader") && row.value().equals("200"));
    assertThat(forwardedByFollowers()).isEqualTo(before);
  }

  @Test
  void sessionsKeptWhereOpenedHaveTheFollowersForward() throws Exception {
    double before = forwardedByFollowers();
    ResultTable table = run(false);

    assertThat(table.rows()).noneMatch(row -> row.metric().contains("errors"));
    assertThat(table.rows())
        .anyMatch(row -> row.metric().contains(", kept,") && row.value().equals("200"));
    assertThat(forwardedByFollowers()).isGreaterThan(before);
  }

  private static ResultTable run(boolean sessionsOnLeader) throws Exception {
    ResultTable table = new ResultTable();
    List<Target> targets = members.stream().map(m -> m.target).toList();
    try (RunContext context =
        new RunContext(targets, "default", RunContext.newRunTag(), System.err)) {
      new RegisterWorkload(
              RegisterWorkload.Settings.defaults()
                  .withInstances(200)
                  .withPersistent(false)
                  .withBlockingCallers(4)
                  .withSdkProcesses(false)
                  .withSessionsOnLeader(sessionsOnLeader))
          .run(context, table);
    } finally {
      System.err.print(table.toMarkdown());
    }
    return table;
  }

  private static double forwardedByFollowers() throws Exception {
    double sum = 0;
    for (MemberProcess m : members) {
      if (m != leader) {
        sum += m.api.metric(FORWARDED);
      }
    }
    return sum;
  }
}
