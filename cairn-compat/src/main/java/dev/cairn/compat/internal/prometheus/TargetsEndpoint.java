package dev.cairn.compat.internal.prometheus;

import dev.cairn.compat.PrometheusSd;
import dev.cairn.compat.internal.Endpoint;
import dev.cairn.compat.internal.Need;
import io.netty.handler.codec.http.HttpMethod;
import java.util.List;

/**
 * The Prometheus HTTP SD front door's route table: one endpoint. Without {@code service=} it lists
 * the services the token may read; with it, it needs read on each service named. No token is 401
 * with a {@code Bearer} challenge, an unknown one or one without the right 403.
 */
public enum TargetsEndpoint implements Endpoint {
  TARGETS(HttpMethod.GET, PrometheusSd.PATH, Need.LIST);

  private final List<HttpMethod> methods;
  private final String pattern;
  private final Need need;

  TargetsEndpoint(HttpMethod method, String pattern, Need need) {
    this.methods = List.of(method);
    this.pattern = pattern;
    this.need = need;
  }

  @Override
  public List<HttpMethod> methods() {
    return methods;
  }

  @Override
  public String pattern() {
    return pattern;
  }

  @Override
  public Need need() {
    return need;
  }
}
