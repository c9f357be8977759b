package dev.cairn.compat.internal;

import io.netty.handler.codec.http.HttpMethod;
import java.util.List;

/**
 * One endpoint of an HTTP front door: the methods it answers, its path pattern and what it needs of
 * the caller's token. Each front door lists its endpoints as an enum (its route table, read by
 * {@link RouteTable}); its handler switches over that enum without a default, so an endpoint
 * without a handler does not compile, and one without a {@link Need} cannot be written.
 *
 * <p>A pattern is a path of {@code /}-separated segments; a segment {@code {}} matches any one
 * segment (an empty one too), which becomes a path parameter in order.
 */
public interface Endpoint {

  /** The constant's name, for tests and messages. */
  String name();

  /** The methods answered; the first is the endpoint's own (the others are aliases: HEAD, POST). */
  List<HttpMethod> methods();

  /** The path pattern, relative to the front door's base path: {@code /v1/catalog/service/{}}. */
  String pattern();

  /** What the caller's token needs. */
  Need need();

  /** The pattern with each {@code {}} replaced by {@code example}, for tests and docs. */
  default String examplePath(String example) {
    return pattern().replace("{}", example);
  }
}
