package dev.cairn.server.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.CairnException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SessionLeasesTest {

  private final AtomicLong now = new AtomicLong(1_000);
  private final SessionLeases leases = new SessionLeases(now::get);

  private void advanceMillis(long ms) {
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
  }

  @Test
  void leaseExpiresOnlyAfterItsTtlWithoutRenewal() {
    leases.grant("s", 5_000);
    advanceMillis(4_999);
    assertThat(leases.expire()).isEmpty();
    advanceMillis(1);
    assertThat(leases.expire()).containsExactly("s");
    // Reported once; the close is then in the caller's hands.
    assertThat(leases.expire()).isEmpty();
  }

  @Test
  void renewalPushesTheDeadline() {
    leases.grant("s", 5_000);
    advanceMillis(4_000);
    assertThat(leases.renew("s")).isEqualTo(5_000);
    advanceMillis(4_000);
    assertThat(leases.expire()).isEmpty();
    advanceMillis(1_000);
    assertThat(leases.expire()).containsExactly("s");
  }

  @Test
  void anEndingLeaseCannotBeRenewed() {
    leases.grant("s", 5_000);
    assertThat(leases.end("s")).isTrue();
    assertThat(leases.end("s")).isFalse();
    assertThat(leases.isLive("s")).isFalse();
    assertThatThrownBy(() -> leases.renew("s"))
        .isInstanceOf(CairnException.class)
        .hasMessageContaining("session");
  }

  @Test
  void shortenedLeaseExpiresAtTheGraceUnlessRenewed() {
    leases.grant("s", 10_000);
    leases.shorten("s", TimeUnit.MILLISECONDS.toNanos(300));
    advanceMillis(300);
    assertThat(leases.expire()).containsExactly("s");

    leases.grant("t", 10_000);
    leases.shorten("t", TimeUnit.MILLISECONDS.toNanos(300));
    leases.renew("t");
    advanceMillis(300);
    assertThat(leases.expire()).isEmpty();
  }

  @Test
  void unknownSessionIsNotFound() {
    assertThatThrownBy(() -> leases.renew("nope"))
        .isInstanceOfSatisfying(
            CairnException.class, e -> assertThat(e.field()).isEqualTo("session"));
  }

  @Test
  void expiryTellsTheEarliestDeadlineOfTheLiveLeases() {
    leases.expire();
    assertThat(leases.nextDeadline()).isEmpty();
    leases.grant("slow", 9_000);
    leases.grant("fast", 2_000);
    leases.grant("gone", 1_000);
    leases.end("gone");
    long start = now.get();
    assertThat(leases.expire()).isEmpty();
    assertThat(leases.nextDeadline()).hasValue(start + TimeUnit.MILLISECONDS.toNanos(2_000));
    advanceMillis(2_000);
    assertThat(leases.expire()).containsExactly("fast");
    assertThat(leases.nextDeadline()).hasValue(start + TimeUnit.MILLISECONDS.toNanos(9_000));
  }
}
