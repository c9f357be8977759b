package dev.cairn.compat.internal.consul;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.compat.internal.Reply;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AnswerCacheTest {

  private final AnswerCache cache = new AnswerCache();
  private final AtomicInteger built = new AtomicInteger();

  private Reply build() {
    built.incrementAndGet();
    return Reply.text(200, "answer " + built.get());
  }

  private static AnswerCache.Query query(String service, boolean passing) {
    return new AnswerCache.Query("default", service, true, passing, List.of());
  }

  @Test
  void sameQueryAtTheSameRevisionIsBuiltOnce() {
    Reply first = cache.get(query("hello", false), 7, this::build);
    Reply second = cache.get(query("hello", false), 7, this::build);

    assertThat(second).isSameAs(first);
    assertThat(built).hasValue(1);
  }

  @Test
  void anotherRevisionOrAnotherQueryIsBuiltAgain() {
    Reply at7 = cache.get(query("hello", false), 7, this::build);
    Reply at8 = cache.get(query("hello", false), 8, this::build);
    Reply passing = cache.get(query("hello", true), 8, this::build);

    assertThat(at8).isNotSameAs(at7);
    assertThat(passing).isNotSameAs(at8);
    assertThat(built).hasValue(3);
    assertThat(cache.get(query("hello", false), 8, this::build)).isSameAs(at8);
  }

  @Test
  void anOlderRevisionDoesNotReplaceANewerAnswer() {
    Reply at8 = cache.get(query("hello", false), 8, this::build);
    cache.get(query("hello", false), 7, this::build); // a reader that read before the change

    assertThat(cache.get(query("hello", false), 8, this::build)).isSameAs(at8);
  }

  @Test
  void holdsABoundedNumberOfQueries() {
    for (int i = 0; i <= AnswerCache.MAX_QUERIES; i++) {
      cache.get(query("s" + i, false), 1, this::build);
    }
    int before = built.get();

    cache.get(query("s0", false), 1, this::build);

    assertThat(built).hasValue(before + 1);
  }
}
