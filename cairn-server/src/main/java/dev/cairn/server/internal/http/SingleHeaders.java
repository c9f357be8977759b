package dev.cairn.server.internal.http;

import dev.cairn.common.CairnException;
import dev.cairn.common.ErrorCode;
import dev.cairn.server.internal.auth.AclGuard;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * The request headers the API reads as one value, each refused when given more than once (400
 * naming it, decision 0098): reading the first would pick one where a proxy in front of the server
 * might have read the other. Headers that are lists by definition ({@code Accept-Encoding}, {@code
 * If-None-Match}, {@code Transfer-Encoding}) may be repeated, as HTTP allows.
 */
final class SingleHeaders {

  /** The headers read as one value; at most 32 (a bit each). */
  private static final AsciiString[] NAMES = {
    HttpHeaderNames.HOST,
    HttpHeaderNames.ORIGIN,
    HttpHeaderNames.CONTENT_TYPE,
    HttpHeaderNames.AUTHORIZATION,
    AsciiString.cached(AclGuard.TOKEN_HEADER.toLowerCase(Locale.ROOT)),
    AsciiString.cached(Exchange.NAMESPACE_HEADER.toString().toLowerCase(Locale.ROOT)),
    AsciiString.cached(Exchange.SESSION_SECRET_HEADER.toLowerCase(Locale.ROOT)),
    AsciiString.cached(ClusterEndpoints.MIN_INDEX.toLowerCase(Locale.ROOT)),
    AsciiString.cached(ClusterEndpoints.REGISTRY_ID.toString().toLowerCase(Locale.ROOT)),
    AsciiString.cached("last-event-id"),
  };

  private SingleHeaders() {}

  /**
   * Throws {@code INVALID_ARGUMENT} naming the first of {@link #NAMES} that {@code headers} carry
   * more than once. The values are not shown: some are secrets.
   */
  static void check(HttpHeaders headers) {
    if (headers.size() < 2) {
      return;
    }
    int seen = 0;
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        it.hasNext(); ) {
      CharSequence name = it.next().getKey();
      for (int i = 0; i < NAMES.length; i++) {
        if (NAMES[i].contentEqualsIgnoreCase(name)) {
          int bit = 1 << i;
          if ((seen & bit) != 0) {
            throw repeated(NAMES[i], headers.getAll(NAMES[i]).size());
          }
          seen |= bit;
          break;
        }
      }
    }
  }

  private static CairnException repeated(AsciiString name, int times) {
    return CairnException.of(
        ErrorCode.INVALID_ARGUMENT,
        name.toString(),
        name + ": given " + times + " times (expected: the header once)");
  }
}
