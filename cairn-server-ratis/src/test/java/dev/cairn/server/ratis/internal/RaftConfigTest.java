package dev.cairn.server.ratis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.Test;

class RaftConfigTest {

  private final RaftProperties properties =
      RaftConfig.properties(
          new LogSettings(
              Path.of("data"),
              "127.0.0.1",
              0,
              "n1",
              10_000,
              2,
              true,
              true,
              4L * 1024 * 1024,
              Duration.ofSeconds(60),
              java.util.List.of(),
              "cairn",
              Duration.ofMillis(300),
              Duration.ofSeconds(3),
              false,
              null));

  /** PauseTest covers the step-down; the close after a 60 s pause is too slow to test live. */
  @Test
  void aPauseOfTheProcessNeitherClosesTheServerNorStepsItDown() {
    TimeDuration year = TimeDuration.valueOf(365, TimeUnit.DAYS);

    assertThat(RaftServerConfigKeys.closeThreshold(properties).compareTo(year)).isPositive();
    assertThat(
            RaftServerConfigKeys.LeaderElection.leaderStepDownWaitTime(properties).compareTo(year))
        .isPositive();
  }
}
