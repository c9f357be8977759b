package dev.cairn.server.internal.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class TokenQuotaTest {

  @Test
  void aPlaceHeldWhileItsConditionHoldsIsReclaimedOnlyWhenTheTokenIsFull() {
    TokenQuota quota = new TokenQuota(2);
    AtomicBoolean open = new AtomicBoolean(true);
    int[] asked = {0};
    BooleanSupplier lease =
        () -> {
          asked[0]++;
          return open.get();
        };
    assertThat(quota.tryAcquireWhile("t", lease)).isTrue();
    assertThat(quota.tryAcquire("t")).isTrue(); // a stream's place, given back by its taker
    assertThat(asked[0]).isZero();

    assertThat(quota.tryAcquire("t")).isFalse(); // full, and the lease still holds
    assertThat(asked[0]).isEqualTo(1);
    assertThat(quota.tryAcquire("other")).isTrue();

    open.set(false); // the lease ended where its taker did not see it
    assertThat(quota.held("t")).isEqualTo(2);
    assertThat(quota.tryAcquire("t")).isTrue();
    assertThat(quota.held("t")).isEqualTo(2);

    // Its taker learning of the end later gives nothing back twice.
    quota.releaseWhile("t", lease);
    assertThat(quota.held("t")).isEqualTo(2);
  }

  @Test
  void aPlaceReleasedByItsTakerIsGivenBackOnce() {
    TokenQuota quota = new TokenQuota(1);
    BooleanSupplier session = () -> true;
    assertThat(quota.tryAcquireWhile("t", session)).isTrue();
    assertThat(quota.tryAcquireWhile("t", () -> true)).isFalse();
    quota.releaseWhile("t", session);
    quota.releaseWhile("t", session);
    assertThat(quota.held("t")).isZero();
    assertThat(quota.tryAcquire("t")).isTrue();
  }
}
