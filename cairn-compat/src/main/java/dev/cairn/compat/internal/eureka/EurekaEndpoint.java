package dev.cairn.compat.internal.eureka;

import dev.cairn.compat.internal.Endpoint;
import dev.cairn.compat.internal.Need;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Resource;
import io.netty.handler.codec.http.HttpMethod;
import java.util.List;

/**
 * The Eureka front door's route table, relative to its base path ({@code /eureka}): every endpoint,
 * its methods and what it needs of the token (see {@code docs/interop.md}). Without the right, the
 * answer is 401 with a basic-auth challenge (no token) or 403, as a Eureka server behind HTTP basic
 * authentication answers.
 */
public enum EurekaEndpoint implements Endpoint {
  APPS(HttpMethod.GET, "/apps", Need.LIST),
  APPS_DELTA(HttpMethod.GET, "/apps/delta", Need.LIST),
  APP(HttpMethod.GET, "/apps/{}", Need.service(Resource.SERVICE, Access.READ)),
  REGISTER(HttpMethod.POST, "/apps/{}", Need.service(Resource.SERVICE, Access.WRITE)),
  APP_INSTANCE(HttpMethod.GET, "/apps/{}/{}", Need.service(Resource.SERVICE, Access.READ)),
  HEARTBEAT(HttpMethod.PUT, "/apps/{}/{}", Need.service(Resource.SERVICE, Access.WRITE)),
  CANCEL(HttpMethod.DELETE, "/apps/{}/{}", Need.service(Resource.SERVICE, Access.WRITE)),
  /** By instance id alone: read on its service (an instance of another is 404, as if absent). */
  INSTANCE(HttpMethod.GET, "/instances/{}", Need.service(Resource.SERVICE, Access.READ));

  private final List<HttpMethod> methods;
  private final String pattern;
  private final Need need;

  EurekaEndpoint(HttpMethod method, String pattern, Need need) {
    this.methods =
        method.equals(HttpMethod.GET) ? List.of(method, HttpMethod.HEAD) : List.of(method);
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
