package dev.cairn.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectTest {

  /** A loopback port with nothing listening (bound, then released). */
  private static int deadPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void anUnreachableBrokerFailsAtOnceWhenNoWaitIsAllowed() throws Exception {
    int port = deadPort();
    Messaging.Builder b =
        Messaging.builder(BrokerAddressSource.fixed("127.0.0.1:" + port))
            .firstConnectTimeout(Duration.ZERO);

    assertThatThrownBy(b::build)
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
        .hasMessageContaining("broker unreachable at [127.0.0.1:" + port + "]")
        .hasMessageContaining("after 1 attempt(s)")
        .hasMessageContaining("Connection refused");
  }

  @Test
  void anUnreachableBrokerIsRetriedWithBackoffUntilTheTimeout() throws Exception {
    int port = deadPort();
    long start = System.nanoTime();
    Messaging.Builder b =
        Messaging.builder(BrokerAddressSource.fixed("127.0.0.1:" + port))
            .firstConnectTimeout(Duration.ofMillis(600))
            .connectBackoff(Duration.ofMillis(50), Duration.ofMillis(200));

    assertThatThrownBy(b::build)
        .isInstanceOf(CairnException.class)
        .hasMessageMatching("(?s).*after ([3-9]|\\d\\d+) attempt\\(s\\).*");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void theFirstReachableAddressIsUsedAndEmptySourcesFallBack() {
    BrokerAddressSource nothing = List::of;
    try (Messaging m =
        Messaging.builder(nothing.orElse(BrokerAddressSource.fixed("127.0.0.1:1", Rabbit.ADDRESS)))
            .firstConnectTimeout(Duration.ofSeconds(5))
            .build()) {
      assertThat(m).isNotNull();
    }
  }

  @Test
  void wrongCredentialsAreReportedNotRetried() {
    Messaging.Builder b =
        Messaging.builder(BrokerAddressSource.fixed(Rabbit.ADDRESS))
            .credentials("guest", "wrong-password")
            .firstConnectTimeout(Duration.ofSeconds(30));

    long start = System.nanoTime();
    assertThatThrownBy(b::build)
        .isInstanceOfSatisfying(
            CairnException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.FAILED_PRECONDITION))
        .hasMessageContaining("refused the credentials");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }
}
