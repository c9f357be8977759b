package dev.cairn.xds;

import static java.util.Objects.requireNonNull;

import dev.cairn.server.FrontDoor;
import dev.cairn.xds.internal.XdsServer;

/**
 * The xDS front door: an ADS server (Envoy's aggregated discovery service, state-of-the-world and
 * delta) over the catalog, for proxyless gRPC ({@code xds:///hello}) and Envoy. Every service is a
 * cluster (CDS) with its endpoints (EDS), plus a listener (LDS) and route (RDS) of the same name;
 * see {@code docs/interop.md} for the mapping.
 *
 * <pre>{@code
 * CairnServer.builder().frontDoor(XdsFrontDoor.factory(XdsOptions.defaults())).start();
 * }</pre>
 */
public final class XdsFrontDoor {

  /** The protocol name in the server's listener lines. */
  public static final String PROTOCOL = XdsServer.PROTOCOL;

  private XdsFrontDoor() {}

  /** A factory of xDS front doors with {@code options}. */
  public static FrontDoor.Factory factory(XdsOptions options) {
    requireNonNull(options, "options");
    return (registry, bind, security) -> XdsServer.start(registry, bind, options, security);
  }
}
