package dev.cairn.http;

import static java.util.Objects.requireNonNull;

import dev.cairn.client.CairnClient;
import dev.cairn.client.Registration;
import dev.cairn.common.Instance;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/**
 * Registers any HTTP server (the JDK's {@code HttpServer}, Netty, Jetty, ...) as an instance of a
 * service: its address, the port named {@code "http"}, tags and metadata, in one call:
 *
 * <pre>{@code
 * Registration r = HttpRegistration.of("hello", server.getAddress()).register(cairn);
 * }</pre>
 *
 * The instance lives on the {@link CairnClient}'s session: it goes when the registration or the
 * client is closed, or when the process dies (at the session's TTL). Immutable.
 */
public final class HttpRegistration {

  /** The port name the REST client calls by default. */
  public static final String PORT_NAME = "http";

  private final Instance.Builder instance;

  private HttpRegistration(Instance.Builder instance) {
    this.instance = instance;
  }

  /**
   * A registration of {@code service} listening on {@code address} (host literal and port; an
   * unresolved or wildcard address must be replaced by the address peers should call).
   */
  public static HttpRegistration of(String service, InetSocketAddress address) {
    requireNonNull(service, "service");
    requireNonNull(address, "address");
    if (address.getAddress() != null && address.getAddress().isAnyLocalAddress()) {
      throw new IllegalArgumentException(
          "address: " + address + " (expected: an address peers can call, not the wildcard)");
    }
    return of(service, address.getHostString(), address.getPort());
  }

  /** A registration of {@code service} at {@code host:port}. */
  public static HttpRegistration of(String service, String host, int port) {
    return new HttpRegistration(Instance.builder(service, host).port(PORT_NAME, port));
  }

  /** The instance id; a random one by default. */
  public HttpRegistration id(String id) {
    return new HttpRegistration(copy().id(id));
  }

  /** Tags (e.g. {@code canary}); none by default. */
  public HttpRegistration tags(List<String> tags) {
    return new HttpRegistration(copy().tags(tags));
  }

  /** Metadata (e.g. {@code version=v2}); none by default. */
  public HttpRegistration metadata(Map<String, String> metadata) {
    return new HttpRegistration(copy().metadata(metadata));
  }

  /** The zone; none by default. */
  public HttpRegistration zone(String zone) {
    return new HttpRegistration(copy().zone(zone));
  }

  /** The weight, 1..10000; 100 by default. */
  public HttpRegistration weight(int weight) {
    return new HttpRegistration(copy().weight(weight));
  }

  /**
   * The instance to register.
   *
   * @throws dev.cairn.common.CairnException {@code INVALID_ARGUMENT} naming the bad field
   */
  public Instance instance() {
    return copy().build();
  }

  /**
   * Registers the instance on {@code cairn}'s session; does not block ({@link
   * Registration#registered()} completes when the registry stored it).
   */
  public Registration register(CairnClient cairn) {
    return requireNonNull(cairn, "cairn").register(instance());
  }

  private Instance.Builder copy() {
    return instance.build().toBuilder();
  }
}
