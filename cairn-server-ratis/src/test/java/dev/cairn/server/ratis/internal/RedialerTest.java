package dev.cairn.server.ratis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.Test;

class RedialerTest {

  private static final long PERIOD = TimeUnit.SECONDS.toNanos(1);
  private static final RaftPeerId N2 = RaftPeerId.valueOf("n2");
  private static final RaftPeerId N3 = RaftPeerId.valueOf("n3");

  private final AtomicLong now = new AtomicLong(5_000_000_000L);
  private final List<RaftPeerId> dropped = new ArrayList<>();
  private final List<Runnable> queued = new ArrayList<>();
  private final Redialer redialer = new Redialer(now::get, PERIOD, dropped::add, queued::add);

  private void runQueued() {
    List<Runnable> tasks = new ArrayList<>(queued);
    queued.clear();
    tasks.forEach(Runnable::run);
  }

  @Test
  void dropsEachPeerAtMostOncePerPeriod() {
    redialer.redial(List.of(N2, N3));
    runQueued();
    assertThat(dropped).containsExactly(N2, N3);

    now.addAndGet(PERIOD - 1);
    redialer.redial(List.of(N2, N3));
    assertThat(queued).isEmpty();

    now.addAndGet(1);
    redialer.redial(List.of(N2, N3));
    runQueued();
    assertThat(dropped).containsExactly(N2, N3, N2, N3);
  }

  @Test
  void aRoundStillRunningHoldsTheNextUntilASampleAfterIt() {
    redialer.redial(List.of(N2));
    assertThat(queued).hasSize(1); // not run yet: the drop is still closing the channel

    now.addAndGet(PERIOD);
    redialer.redial(List.of(N2, N3));
    assertThat(queued).hasSize(1);

    runQueued();
    redialer.redial(List.of(N2, N3));
    runQueued();
    assertThat(dropped).containsExactly(N2, N2, N3);
  }

  @Test
  void aFailedDropEndsTheRoundAndTheOthersStillGo() {
    List<RaftPeerId> tried = new ArrayList<>();
    Redialer failing =
        new Redialer(
            now::get,
            PERIOD,
            p -> {
              tried.add(p);
              if (p.equals(N2)) {
                throw new IllegalStateException("closing");
              }
            },
            Runnable::run);
    failing.redial(List.of(N2, N3));
    assertThat(tried).containsExactly(N2, N3);

    now.addAndGet(PERIOD);
    failing.redial(List.of(N2, N3));
    assertThat(tried).containsExactly(N2, N3, N2, N3);
  }
}
