package dev.cairn.compat.internal;

import dev.cairn.server.FrontDoorSecurity;
import dev.cairn.server.core.acl.Authorizer;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

/**
 * One HTTP request as a front door sees it: the decoded path and query, the headers and the whole
 * body. {@code loop} is the connection's event loop (for timers and answers; never block on it);
 * {@code closed} completes when the connection closes, so that a waiting request can stop waiting;
 * {@code remote} is the client's IP address; {@code caller} is what the request's ACL token (see
 * {@link Credentials}) may do ({@link Authorizer#ALL} with ACLs off); {@code address} the client's
 * address (null when it has none) and {@code security} the front door's, where a blocking query
 * takes its place as a watch (per client address and per token); {@code token} the secret the
 * request carried (null: none), for {@link #callerNow()}.
 */
public record Req(
    HttpMethod method,
    String path,
    Map<String, List<String>> params,
    HttpHeaders headers,
    byte[] body,
    ScheduledExecutorService loop,
    CompletableFuture<Void> closed,
    String remote,
    Authorizer caller,
    InetAddress address,
    FrontDoorSecurity security,
    String token) {

  /**
   * What the request's token may do now: a query that waits (a Consul blocking query) answers with
   * the token's rights when it answers, so that a token deleted or narrowed meanwhile gets nothing
   * it may no longer read (decision 0217). {@code token} is the secret the request carried (null:
   * none).
   */
  public Authorizer callerNow() {
    return security == null ? caller : security.authorizer(token);
  }

  /** The first value of query parameter {@code name}, or null. */
  public String param(String name) {
    List<String> values = params.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /** Every value of query parameter {@code name}; empty when absent. */
  public List<String> params(String name) {
    return params.getOrDefault(name, List.of());
  }

  /** Whether the query names {@code name}, with or without a value ({@code ?passing}). */
  public boolean has(String name) {
    return params.containsKey(name);
  }

  /** The body as UTF-8 text. */
  public String text() {
    return new String(body, java.nio.charset.StandardCharsets.UTF_8);
  }
}
