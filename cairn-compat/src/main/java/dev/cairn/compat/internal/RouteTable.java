package dev.cairn.compat.internal;

import io.netty.handler.codec.http.HttpMethod;
import java.util.ArrayList;
import java.util.List;

/**
 * Matches a request to one of a front door's {@link Endpoint}s: the first, in declaration order,
 * whose pattern matches the path and whose methods hold the request's. Immutable and thread-safe.
 *
 * @param <E> the front door's enum of endpoints
 */
public final class RouteTable<E extends Enum<E> & Endpoint> {

  private final E[] endpoints;
  private final String[][] patterns;

  /** The table of every constant of {@code type}. */
  public RouteTable(Class<E> type) {
    this.endpoints = type.getEnumConstants();
    this.patterns = new String[endpoints.length][];
    for (int i = 0; i < endpoints.length; i++) {
      patterns[i] = segments(endpoints[i].pattern());
    }
  }

  /**
   * The endpoint of {@code method} {@code path} and its path parameters; {@link Match#endpoint()}
   * is null when no pattern matches (404) and, with {@link Match#methodAllowed()} false, when
   * patterns match but none answers the method (405).
   */
  public Match<E> match(HttpMethod method, String path) {
    String[] parts = segments(path);
    boolean pathMatched = false;
    for (int i = 0; i < endpoints.length; i++) {
      List<String> params = params(patterns[i], parts);
      if (params == null) {
        continue;
      }
      pathMatched = true;
      if (endpoints[i].methods().contains(method)) {
        return new Match<>(endpoints[i], params, true);
      }
    }
    return new Match<>(null, List.of(), !pathMatched);
  }

  private static List<String> params(String[] pattern, String[] parts) {
    if (pattern.length != parts.length) {
      return null;
    }
    List<String> params = null;
    for (int i = 0; i < pattern.length; i++) {
      if (pattern[i].equals("{}")) {
        if (params == null) {
          params = new ArrayList<>(2);
        }
        params.add(parts[i]);
      } else if (!pattern[i].equals(parts[i])) {
        return null;
      }
    }
    return params == null ? List.of() : params;
  }

  private static String[] segments(String path) {
    return (path.startsWith("/") ? path.substring(1) : path).split("/", -1);
  }

  /**
   * A request's endpoint (null: none) and path parameters; {@code methodAllowed} is false when a
   * pattern matched the path but not the method.
   */
  public record Match<E>(E endpoint, List<String> params, boolean methodAllowed) {

    /** Path parameter {@code i}. */
    public String param(int i) {
      return params.get(i);
    }
  }
}
