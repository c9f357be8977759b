package dev.cairn.compat.internal;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The ACL token of a front-door request. Every HTTP front door takes it in any form its clients
 * send: {@code X-Consul-Token} (Consul's clients), {@code X-Cairn-Token}, {@code Authorization:
 * Bearer <token>} (Prometheus' {@code authorization}, Consul's), {@code Authorization: Basic} with
 * the token as the password and any user name (Eureka clients' {@code
 * http://user:token@host/eureka/}, Prometheus' {@code basic_auth}), {@code ?token=} (Consul's).
 *
 * <p>A request may carry the token in several forms, but not two different tokens: that is a 400
 * naming the forms (Consul picks one silently; which token acts must not be a guess). With ACLs on,
 * an {@code Authorization} that carries no token (another scheme, {@code Basic} without a password)
 * while no other form carries one is a 401: the client meant to authenticate.
 */
public final class Credentials {

  private static final String[] FORMS = {
    "X-Consul-Token", "X-Cairn-Token", "Authorization", "the token query parameter"
  };

  private Credentials() {}

  /**
   * The token in {@code headers} or {@code params}, or null when there is none.
   *
   * @throws BadRequest 400 for two different tokens; 401, {@code aclsOn}, for an {@code
   *     Authorization} without a token and no other form carrying one
   */
  public static String token(
      HttpHeaders headers, Map<String, List<String>> params, boolean aclsOn) {
    String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
    List<String> q = params.get("token");
    String[] found = {
      nonEmpty(headers.get("X-Consul-Token")),
      nonEmpty(headers.get("X-Cairn-Token")),
      fromAuthorization(authorization),
      q == null || q.isEmpty() ? null : nonEmpty(q.get(0)),
    };
    int first = -1;
    for (int i = 0; i < found.length; i++) {
      if (found[i] == null) {
        continue;
      }
      if (first < 0) {
        first = i;
      } else if (!same(found[first], found[i])) {
        throw new BadRequest(
            400,
            "Bad request: "
                + FORMS[first]
                + " and "
                + FORMS[i]
                + " carry different ACL tokens (expected: one token, in one of them or the same"
                + " in each)");
      }
    }
    if (first >= 0) {
      return found[first];
    }
    if (aclsOn && authorization != null && !authorization.isBlank()) {
      throw new BadRequest(
          401,
          "Unauthorized: Authorization "
              + describe(authorization)
              + " carries no ACL token (expected: Bearer <token>, Basic with the token as the"
              + " password, or X-Consul-Token: ACLs are on)");
    }
    return null;
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

  /**
   * {@code scheme X} for an {@code Authorization} value; a value of one word (it may be a secret
   * sent without a scheme) or whose first word is no short name is not shown.
   */
  private static String describe(String authorization) {
    String v = authorization.trim();
    int space = v.indexOf(' ');
    if (space <= 0 || space > 32) {
      return "with no scheme";
    }
    for (int i = 0; i < space; i++) {
      char c = v.charAt(i);
      if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-')) {
        return "with no scheme";
      }
    }
    return "scheme " + v.substring(0, space);
  }

  private static boolean same(String a, String b) {
    return MessageDigest.isEqual(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  private static String nonEmpty(String s) {
    if (s == null) {
      return null;
    }
    String t = s.trim();
    return t.isEmpty() ? null : t;
  }
}
