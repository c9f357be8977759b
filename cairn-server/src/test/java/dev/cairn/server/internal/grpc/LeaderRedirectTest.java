package dev.cairn.server.internal.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.server.core.log.LogStatus;
import org.junit.jupiter.api.Test;

/** Decision 0114's choice on a member's status: open here, send to the leader, or wait. */
class LeaderRedirectTest {

  @Test
  void aFollowerThatKnowsTheLeadersAddressSendsTheSessionThere() {
    LeaderRedirect.Decision d =
        LeaderRedirect.decide(status("n2", LogStatus.Role.FOLLOWER, "n1", "10.0.0.1:8501"));

    assertThat(d)
        .isEqualTo(new LeaderRedirect.Decision(LeaderRedirect.Kind.LEADER, "10.0.0.1:8501"));
  }

  @Test
  void theLeaderOpensTheSessionItself() {
    assertThat(LeaderRedirect.decide(status("n1", LogStatus.Role.LEADER, "n1", "10.0.0.1:8501")))
        .isEqualTo(LeaderRedirect.HERE);
  }

  @Test
  void aMemberThatNamesItselfTheLeaderOpensTheSessionItself() {
    // Between Ratis's leader change and the role change, say.
    assertThat(LeaderRedirect.decide(status("n1", LogStatus.Role.FOLLOWER, "n1", "10.0.0.1:8501")))
        .isEqualTo(LeaderRedirect.HERE);
  }

  @Test
  void aFollowerThatKnowsTheLeaderButNotYetItsAddressWaits() {
    // A leader elected a moment ago, or one that predates the address.
    assertThat(LeaderRedirect.decide(status("n2", LogStatus.Role.FOLLOWER, "n1", "")))
        .isEqualTo(LeaderRedirect.WAIT);
  }

  @Test
  void aMemberThatKnowsNoLeaderWaits() {
    assertThat(LeaderRedirect.decide(status("n2", LogStatus.Role.CANDIDATE, "", "")))
        .isEqualTo(LeaderRedirect.WAIT);
    assertThat(LeaderRedirect.decide(status("n2", LogStatus.Role.FOLLOWER, "", "")))
        .isEqualTo(LeaderRedirect.WAIT);
  }

  @Test
  void aSingleNodeOpensTheSessionItself() {
    assertThat(LeaderRedirect.decide(LogStatus.single(5))).isEqualTo(LeaderRedirect.HERE);
  }

  private static LogStatus status(
      String self, LogStatus.Role role, String leader, String leaderAddress) {
    return new LogStatus(self, role, leader, 3, 10, 10, 0, 0, 1, 0, 0, leaderAddress);
  }
}
