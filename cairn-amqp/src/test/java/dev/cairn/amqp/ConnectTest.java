package dev.cairn.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ConnectTest {

  private final Socket deadPortHolder = new Socket();

  @AfterEach
  void releaseDeadPort() throws IOException {
    deadPortHolder.close();
  }

  /**
   * A loopback port that refuses connections until the test ends: bound by a socket that never
   * listens, so no other socket can take it meanwhile (a port released before use can be).
   */
  private int deadPort() throws IOException {
    deadPortHolder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    return deadPortHolder.getLocalPort();
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
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(600))
        .isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void theLastAttemptIsMadeAtTheTimeoutWhenTheNextWaitWouldPassIt() throws Exception {
    int port = deadPort();
    Duration timeout = Duration.ofSeconds(1);
    Messaging.Builder b =
        Messaging.builder(BrokerAddressSource.fixed("127.0.0.1:" + port))
            .firstConnectTimeout(timeout)
            // The first wait (15..30 s) would pass the timeout: it is cut short to end there.
            .connectBackoff(Duration.ofSeconds(30), Duration.ofSeconds(30));

    long start = System.nanoTime();
    assertThatThrownBy(b::build)
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
        .hasMessageContaining("after 2 attempt(s)")
        .hasMessageContaining("(first connect timeout PT1S)");
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(timeout)
        .isLessThan(Duration.ofSeconds(10));
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
