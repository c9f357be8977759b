package dev.cairn.compat;

import dev.cairn.compat.internal.HttpFrontDoor;
import dev.cairn.compat.internal.eureka.EurekaRoute;
import dev.cairn.server.FrontDoor;

/**
 * A Eureka-compatible REST API subset under {@value #PATH}: register, heartbeat, cancel, and the
 * application reads (full, delta, one app, one instance), in JSON or XML as the client asks. Leases
 * are Cairn sessions: an instance whose heartbeats stop goes when its session expires, as any
 * ephemeral instance does. See {@code docs/interop.md}.
 *
 * <pre>{@code
 * CairnServer.builder().frontDoor(EurekaApi.frontDoor(8761)).start();
 * }</pre>
 */
public final class EurekaApi {

  /** The protocol name in the server's listener lines. */
  public static final String PROTOCOL = "eureka";

  /** The path clients' {@code defaultZone} ends with. */
  public static final String PATH = "/eureka";

  private EurekaApi() {}

  /** A front door serving the Eureka-compatible API on {@code port} (0 for a free one). */
  public static FrontDoor.Factory frontDoor(int port) {
    Ports.check("port", port);
    return (registry, bind, security) ->
        HttpFrontDoor.start(
            PROTOCOL, PATH + "/", bind, port, security, new EurekaRoute(registry, PATH));
  }
}
