package dev.cairn.compat;

import dev.cairn.compat.internal.HttpFrontDoor;
import dev.cairn.compat.internal.prometheus.TargetsRoute;
import dev.cairn.server.FrontDoor;

/**
 * Prometheus HTTP service discovery ({@code http_sd_configs}): {@code GET /targets} answers one
 * target group per instance, filtered by namespace, service, tag and port name. See {@code
 * docs/interop.md} for the labels.
 *
 * <pre>{@code
 * CairnServer.builder().frontDoor(PrometheusSd.frontDoor(9091)).start();
 * }</pre>
 */
public final class PrometheusSd {

  /** The protocol name in the server's listener lines. */
  public static final String PROTOCOL = "prometheus-sd";

  /** The path Prometheus' {@code http_sd_configs.url} points at. */
  public static final String PATH = "/targets";

  private PrometheusSd() {}

  /** A front door serving Prometheus HTTP SD on {@code port} (0 for a free one). */
  public static FrontDoor.Factory frontDoor(int port) {
    Ports.check("port", port);
    return (registry, bind, security) ->
        HttpFrontDoor.start(PROTOCOL, PATH, bind, port, security, new TargetsRoute(registry));
  }
}
