package dev.cairn.server.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.common.Instance;
import dev.cairn.server.core.ServiceEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class WatchHistoryTest {

  private static final WatchHub.Key WEB = new WatchHub.Key("default", "web");
  private static final WatchHub.Key API = new WatchHub.Key("default", "api");

  private static ServiceEvent added(String service, long revision) {
    return ServiceEvent.of(
        ServiceEvent.Type.ADDED,
        revision,
        Instance.builder(service, "127.0.0.1").id("i" + revision).build());
  }

  private static List<Long> revisions(WatchHistory.Replay r) {
    return r.events().stream().map(ServiceEvent::revision).toList();
  }

  @Test
  void replaysExactlyTheEventsAfterTheRevision() {
    WatchHistory h = new WatchHistory(100, Long.MAX_VALUE);
    for (long rev = 1; rev <= 6; rev++) {
      h.append(rev % 2 == 0 ? WEB : API, List.of(added(rev % 2 == 0 ? "web" : "api", rev)));
    }
    assertThat(revisions(h.since(WEB, 2, 100))).containsExactly(4L, 6L);
    assertThat(revisions(h.since(WEB, 3, 100))).containsExactly(4L, 6L);
    assertThat(revisions(h.since(WEB, 0, 100))).containsExactly(2L, 4L, 6L);
    assertThat(h.since(WEB, 6, 100).events()).isEmpty();
    assertThat(h.since(new WatchHub.Key("default", "none"), 3, 100).compacted()).isFalse();
  }

  @Test
  void eventsOfOneRevisionStayTogether() {
    WatchHistory h = new WatchHistory(100, Long.MAX_VALUE);
    h.append(WEB, List.of(added("web", 1)));
    h.append(WEB, List.of(added("web", 2), added("web", 2)));
    assertThat(revisions(h.since(WEB, 1, 100))).containsExactly(2L, 2L);
  }

  @Test
  void theOldestGoFirstAndAResumeBeforeThemIsCompacted() {
    WatchHistory h = new WatchHistory(3, Long.MAX_VALUE);
    for (long rev = 1; rev <= 5; rev++) {
      h.append(WEB, List.of(added("web", rev)));
    }
    assertThat(h.size()).isEqualTo(3);
    // 1 and 2 are gone: resuming from 1 would miss 2.
    WatchHistory.Replay r = h.since(WEB, 1, 100);
    assertThat(r.compacted()).isTrue();
    assertThat(r.compactRevision()).isEqualTo(2);
    // From 2 on, everything needed is there.
    assertThat(revisions(h.since(WEB, 2, 100))).containsExactly(3L, 4L, 5L);
  }

  @Test
  void anotherServicesChurnDoesNotCompactAServiceWhoseEventsAreAllKept() {
    WatchHistory h = new WatchHistory(3, Long.MAX_VALUE);
    h.append(WEB, List.of(added("web", 1)));
    h.append(WEB, List.of(added("web", 2)));
    for (long rev = 3; rev <= 10; rev++) {
      h.append(API, List.of(added("api", rev)));
    }
    // web's events went (evicted up to 2): a resume from 2 needs none of them.
    assertThat(h.since(WEB, 2, 100).compacted()).isFalse();
    assertThat(h.since(WEB, 1, 100).compacted()).isTrue();
  }

  @Test
  void theByteBoundEvictsToo() {
    long one = WatchHistory.estimate(added("web", 1));
    WatchHistory h = new WatchHistory(1000, 2 * one);
    for (long rev = 1; rev <= 4; rev++) {
      h.append(WEB, List.of(added("web", rev)));
    }
    assertThat(h.size()).isEqualTo(2);
    assertThat(h.bytes()).isLessThanOrEqualTo(2 * one);
    assertThat(revisions(h.since(WEB, 2, 100))).containsExactly(3L, 4L);
  }

  @Test
  void theBytesAreThoseOfTheEventsKept() {
    // Events of different sizes, evicted by count: what leaves is what its own append added,
    // through the size queue's growth and wrap-around.
    WatchHistory h = new WatchHistory(20, Long.MAX_VALUE);
    List<ServiceEvent> appended = new ArrayList<>();
    for (long rev = 1; rev <= 100; rev++) {
      ServiceEvent e =
          ServiceEvent.of(
              ServiceEvent.Type.ADDED,
              rev,
              Instance.builder("web", "127.0.0.1")
                  .id("i" + rev)
                  .metadata(Map.of("note", "x".repeat((int) (rev * 7 % 50))))
                  .build());
      h.append(WEB, List.of(e));
      appended.add(e);
      long expected =
          appended.subList(Math.max(0, appended.size() - 20), appended.size()).stream()
              .mapToLong(WatchHistory::estimate)
              .sum();
      assertThat(h.bytes()).as("after revision %d", rev).isEqualTo(expected);
    }
  }

  @Test
  void theSizeQueueIsFirstInFirstOutAcrossGrowth() {
    WatchHistory.LongQueue q = new WatchHistory.LongQueue();
    long next = 0;
    long expected = 0;
    for (int round = 0; round < 50; round++) {
      for (int i = 0; i < round; i++) {
        q.addLast(next++);
      }
      for (int i = 0; i < round / 2; i++) {
        assertThat(q.pollFirst()).isEqualTo(expected++);
      }
    }
    assertThat(q.size()).isEqualTo((int) (next - expected));
    while (q.size() > 0) {
      assertThat(q.pollFirst()).isEqualTo(expected++);
    }
    assertThat(expected).isEqualTo(next);
    assertThatThrownBy(q::pollFirst).isInstanceOf(NoSuchElementException.class);
  }

  @Test
  void moreThanTheMaximumIsTooMany() {
    WatchHistory h = new WatchHistory(100, Long.MAX_VALUE);
    for (long rev = 1; rev <= 5; rev++) {
      h.append(WEB, List.of(added("web", rev)));
    }
    assertThat(h.since(WEB, 0, 4).tooMany()).isTrue();
    assertThat(revisions(h.since(WEB, 1, 4))).containsExactly(2L, 3L, 4L, 5L);
  }

  @Test
  void afterAResetOnlyRevisionsFromTheRestorePointResume() {
    WatchHistory h = new WatchHistory(100, Long.MAX_VALUE);
    h.append(WEB, List.of(added("web", 1)));
    h.reset(7);
    assertThat(h.size()).isZero();
    assertThat(h.since(WEB, 6, 100).compactRevision()).isEqualTo(7);
    h.append(WEB, List.of(added("web", 8)));
    assertThat(revisions(h.since(WEB, 7, 100))).containsExactly(8L);
  }

  @Test
  void noHistoryAtAllCompactsEveryResumeThatMissedSomething() {
    WatchHistory h = new WatchHistory(0, Long.MAX_VALUE);
    h.append(WEB, List.of(added("web", 1)));
    assertThat(h.size()).isZero();
    assertThat(h.since(WEB, 0, 100).compacted()).isTrue();
    assertThat(h.since(WEB, 1, 100).compacted()).isFalse();
  }
}
