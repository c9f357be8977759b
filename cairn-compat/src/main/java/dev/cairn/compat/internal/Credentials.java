package dev.cairn.compat.internal;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The ACL token of a front-door request. Every HTTP front door takes it in any form its clients
 * send, first found wins: {@code X-Consul-Token} (Consul's clients), {@code X-Cairn-Token}, {@code
 * Authorization: Bearer <token>} (Prometheus' {@code authorization}, Consul's), {@code
 * Authorization: Basic} with the token as the password and any user name (Eureka clients' {@code
 * http://user:token@host/eureka/}, Prometheus' {@code basic_auth}), {@code ?token=} (Consul's).
 */
public final class Credentials {

  private Credentials() {}

  /** The token in {@code headers} or {@code params}, or null when there is none. */
  public static String token(HttpHeaders headers, Map<String, List<String>> params) {
    String t = nonEmpty(headers.get("X-Consul-Token"));
    if (t == null) {
      t = nonEmpty(headers.get("X-Cairn-Token"));
    }
    if (t == null) {
      t = fromAuthorization(headers.get(HttpHeaderNames.AUTHORIZATION));
    }
    if (t == null) {
      List<String> q = params.get("token");
      t = q == null || q.isEmpty() ? null : nonEmpty(q.get(0));
    }
    return t;
  }

  private static String fromAuthorization(String value) {
    if (value == null) {
      return null;
    }
    String v = value.trim();
    if (v.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return nonEmpty(v.substring(7));
    }
    if (v.regionMatches(true, 0, "Basic ", 0, 6)) {
      try {
        String pair =
            new String(Base64.getDecoder().decode(v.substring(6).trim()), StandardCharsets.UTF_8);
        int colon = pair.indexOf(':');
        return colon < 0 ? null : nonEmpty(pair.substring(colon + 1));
      } catch (IllegalArgumentException e) {
        return null; // not base64: no token
      }
    }
    return null;
  }

  private static String nonEmpty(String s) {
    if (s == null) {
      return null;
    }
    String t = s.trim();
    return t.isEmpty() ? null : t;
  }
}
