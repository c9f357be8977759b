package dev.cairn.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.common.Names;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Coverage-guided fuzzing of how a request target is read (docs/fuzzing.md): any bytes as the URI
 * of a request, split into path segments and routed as {@link HttpApiHandler} does, its segments
 * percent-decoded and checked as names, its query parameters read as the list endpoints read them
 * (allowed names, {@code namespace}, the instance filters, a long-poll's {@code index} and {@code
 * wait}). The only refusal allowed is an {@code INVALID_ARGUMENT} naming a field, whose error body
 * encodes. Corpus: {@code QueryStringFuzzTestInputs/} under the test resources.
 */
class QueryStringFuzzTest {

  /** Every parameter some endpoint takes; {@code meta.<key>} too. */
  private static final Set<String> PARAMS =
      Set.of(
          "namespace", "index", "wait", "tag", "zone", "healthy", "session", "revision", "timeout");

  private static final long REVISION = 1_000;

  @DictionaryEntries({
    "/v1/services/",
    "/instances",
    "/v1/watch/services",
    "?",
    "&",
    "=",
    "%",
    "%2F",
    "%C3%A9",
    "%ZZ",
    "%E2%82",
    "namespace=",
    "index=",
    "wait=",
    "tag=",
    "zone=",
    "healthy=true",
    "meta.",
    "session=",
    "1m",
    "500ms",
    "9223372036854775807",
    "-1"
  })
  @FuzzTest
  void parse(byte[] input) {
    String uri = new String(input, StandardCharsets.ISO_8859_1);
    DefaultFullHttpRequest request;
    try {
      request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    } catch (IllegalArgumentException e) {
      return; // a space or a control character: the HTTP decoder refuses the request (400) first
    }
    QueryStringDecoder query = new QueryStringDecoder(uri);
    String[] segments = HttpApiHandler.segments(query.rawPath());
    for (HttpMethod method : new HttpMethod[] {HttpMethod.GET, HttpMethod.PUT}) {
      Route.Match match = Route.match(method, segments);
      if (match != null) {
        assertThat(match.route() != null || !match.allowed().isEmpty()).isTrue();
      }
    }
    Exchange ex = new Exchange(null, null, request, query, segments);
    for (int i = 0; i < ex.segmentCount(); i++) {
      int segment = i;
      refusedOnlyAsInvalid(() -> Names.checkLabel("service", ex.segment(segment)));
      refusedOnlyAsInvalid(() -> Names.checkInstanceId("id", ex.segment(segment)));
    }
    refusedOnlyAsInvalid(
        () -> {
          ex.checkParams(PARAMS, true);
          ex.namespace();
          InstanceFilter filter = InstanceFilter.of(ex);
          if (filter != null) {
            filter.healthyOnly();
          }
          LongPoll poll = LongPoll.of(ex, REVISION);
          if (poll != null) {
            assertThat(poll.index()).isBetween(0L, REVISION);
            assertThat(poll.waitMillis()).isNotNegative();
          }
        });
  }

  private static void refusedOnlyAsInvalid(Runnable read) {
    try {
      read.run();
    } catch (CairnException e) {
      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
      assertThat(e.field()).isNotNull();
      assertThat(JsonBodies.error(e.code(), e.field(), e.getMessage())).isNotEmpty();
    }
  }
}
