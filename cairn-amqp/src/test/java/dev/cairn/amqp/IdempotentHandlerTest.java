package dev.cairn.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.testing.clock.FakeTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IdempotentHandlerTest {

  private final FakeTicker ticker = FakeTicker.create();
  private final List<String> effects = new ArrayList<>();

  private static ReceivedMessage<String> message(String id) {
    return new ReceivedMessage<>("body", id, null, null, null, null, "k", 1, false, Map.of());
  }

  @Test
  void aHandledIdIsSkippedWithinTheWindowAndHandledAgainAfterIt() throws Exception {
    IdempotentHandler<String> once =
        IdempotentHandler.wrap(m -> effects.add(m.messageId()), Duration.ofMinutes(1), 100, ticker);

    once.handle(message("a"));
    once.handle(message("a"));
    once.handle(message("b"));
    ticker.advance(Duration.ofSeconds(61));
    once.handle(message("a"));

    assertThat(effects).containsExactly("a", "b", "a");
    assertThat(once.duplicatesSkipped()).isEqualTo(1);
  }

  @Test
  void aFailedAttemptIsNotRemembered() throws Exception {
    int[] calls = {0};
    IdempotentHandler<String> once =
        IdempotentHandler.wrap(
            m -> {
              if (calls[0]++ == 0) {
                throw new IllegalStateException("first try fails");
              }
              effects.add(m.messageId());
            },
            Duration.ofMinutes(1),
            100,
            ticker);

    assertThatThrownBy(() -> once.handle(message("a"))).hasMessage("first try fails");
    once.handle(message("a"));
    once.handle(message("a"));

    assertThat(effects).containsExactly("a");
    assertThat(once.size()).isEqualTo(1);
  }

  @Test
  void theMemoryIsBoundedByMaxEntries() throws Exception {
    IdempotentHandler<String> once =
        IdempotentHandler.wrap(m -> effects.add(m.messageId()), Duration.ofHours(1), 3, ticker);

    for (String id : List.of("a", "b", "c", "d", "e")) {
      once.handle(message(id));
    }

    assertThat(once.size()).isLessThanOrEqualTo(4);
    once.handle(message("a")); // forgotten early: handled again
    assertThat(effects).containsExactly("a", "b", "c", "d", "e", "a");
  }
}
