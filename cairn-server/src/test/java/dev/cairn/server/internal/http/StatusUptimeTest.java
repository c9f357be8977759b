package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.server.internal.http.HttpApiFixture.Reply;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class StatusUptimeTest {

  private static final Instant STARTED = Instant.parse("2026-01-01T00:00:00Z");

  @RegisterExtension
  final HttpApiFixture api =
      new HttpApiFixture(
          HttpApiSettings.defaults()
              .withClock(Clock.fixed(STARTED.plusSeconds(90), ZoneOffset.UTC)),
          STARTED);

  @Test
  void uptimeComesFromTheInjectedClock() {
    Reply r = api.get("/v1/status");

    assertThat(r.json().get("uptimeMillis").asLong()).isEqualTo(90_000);
    assertThat(r.index()).isEqualTo(r.json().get("revision").asLong());
  }
}
