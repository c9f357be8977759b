package dev.cairn.compat;

import dev.cairn.compat.internal.HttpFrontDoor;
import dev.cairn.compat.internal.consul.ConsulRoute;
import dev.cairn.server.FrontDoor;

/**
 * A Consul-compatible HTTP API subset over the catalog: catalog and health reads with blocking
 * queries ({@code ?index=&wait=}, {@code X-Consul-Index} = Cairn revisions), agent service
 * registration with TTL, HTTP, TCP and gRPC checks mapped onto Cairn's checks, check updates, and
 * the status and agent-self endpoints that clients probe. The supported table is in {@code
 * docs/interop.md}.
 *
 * <pre>{@code
 * CairnServer.builder().frontDoor(ConsulApi.frontDoor(8502)).start();
 * }</pre>
 */
public final class ConsulApi {

  /** The protocol name in the server's listener lines. */
  public static final String PROTOCOL = "consul";

  /** The datacenter Cairn answers as. */
  public static final String DATACENTER = "dc1";

  private ConsulApi() {}

  /** A front door serving the Consul-compatible API on {@code port} (0 for a free one). */
  public static FrontDoor.Factory frontDoor(int port) {
    Ports.check("port", port);
    return (registry, bind, security) ->
        HttpFrontDoor.start(
            PROTOCOL,
            "",
            bind,
            port,
            security,
            new ConsulRoute(registry, DATACENTER, bind.getHostAddress()));
  }
}
