package dev.cairn.compat.internal.consul;

import dev.cairn.compat.internal.Endpoint;
import dev.cairn.compat.internal.Need;
import dev.cairn.server.core.acl.Access;
import dev.cairn.server.core.acl.Resource;
import io.netty.handler.codec.http.HttpMethod;
import java.util.List;

/**
 * The Consul front door's route table: every endpoint, its methods and what it needs of the token
 * (see {@code docs/interop.md} and {@code docs/security.md}). Reads answer GET and HEAD, writes PUT
 * and POST, as Consul does. A read a token may not make is filtered to nothing (Consul's way); a
 * write is refused 403.
 */
public enum ConsulEndpoint implements Endpoint {
  CATALOG_SERVICES(Kind.READ, "/v1/catalog/services", Need.LIST),
  CATALOG_SERVICE(Kind.READ, "/v1/catalog/service/{}", Need.service(Resource.SERVICE, Access.READ)),
  HEALTH_SERVICE(Kind.READ, "/v1/health/service/{}", Need.service(Resource.SERVICE, Access.READ)),
  AGENT_SERVICES(Kind.READ, "/v1/agent/services", Need.LIST),
  REGISTER(Kind.WRITE, "/v1/agent/service/register", Need.service(Resource.SERVICE, Access.WRITE)),
  DEREGISTER(
      Kind.WRITE, "/v1/agent/service/deregister/{}", Need.service(Resource.SERVICE, Access.WRITE)),
  CHECK_PASS(Kind.WRITE, "/v1/agent/check/pass/{}", Need.service(Resource.HEALTH, Access.WRITE)),
  CHECK_WARN(Kind.WRITE, "/v1/agent/check/warn/{}", Need.service(Resource.HEALTH, Access.WRITE)),
  CHECK_FAIL(Kind.WRITE, "/v1/agent/check/fail/{}", Need.service(Resource.HEALTH, Access.WRITE)),
  CHECK_UPDATE(
      Kind.WRITE, "/v1/agent/check/update/{}", Need.service(Resource.HEALTH, Access.WRITE)),
  AGENT_SELF(Kind.READ, "/v1/agent/self", Need.server(Resource.CLUSTER, Access.READ)),
  STATUS_LEADER(Kind.READ, "/v1/status/leader", Need.NOTHING),
  STATUS_PEERS(Kind.READ, "/v1/status/peers", Need.NOTHING),
  CATALOG_DATACENTERS(Kind.READ, "/v1/catalog/datacenters", Need.NOTHING);

  private enum Kind {
    READ(List.of(HttpMethod.GET, HttpMethod.HEAD)),
    WRITE(List.of(HttpMethod.PUT, HttpMethod.POST));

    private final List<HttpMethod> methods;

    Kind(List<HttpMethod> methods) {
      this.methods = methods;
    }
  }

  private final List<HttpMethod> methods;
  private final String pattern;
  private final Need need;

  ConsulEndpoint(Kind kind, String pattern, Need need) {
    this.methods = kind.methods;
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
