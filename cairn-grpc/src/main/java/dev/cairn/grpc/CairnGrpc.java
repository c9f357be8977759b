package dev.cairn.grpc;

import static java.util.Objects.requireNonNull;

import dev.cairn.client.CairnClient;
import dev.cairn.grpc.internal.CairnTarget;
import io.grpc.LoadBalancerRegistry;
import io.grpc.ManagedChannelBuilder;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Entry points of the gRPC integration. Channels use {@code cairn:} targets:
 *
 * <ul>
 *   <li>{@code cairn:///hello}: service {@code hello} on the default registries: the client
 *       installed with {@link #useClient(CairnClient)}, else the system property {@value
 *       #REGISTRIES_PROPERTY}, else the environment variable {@value #REGISTRIES_ENV}, else {@value
 *       #DEFAULT_REGISTRIES};
 *   <li>{@code cairn://127.0.0.1:8501,127.0.0.1:9501/hello}: on those registries;
 *   <li>either with {@code ?lb=<policy>} to choose the load-balancing policy ({@value
 *       CairnTarget#DEFAULT_POLICY} by default; also {@code cairn_weighted}, {@code
 *       cairn_ring_hash}, {@code round_robin}, {@code pick_first}).
 * </ul>
 *
 * <p>The resolver is registered through {@code META-INF/services}, so {@code
 * ManagedChannelBuilder.forTarget("cairn:///hello")} works as is; {@link #channelBuilder(String)}
 * also checks the target first (naming the bad field) and adds Cairn's retry interceptor.
 */
public final class CairnGrpc {

  /** The system property naming the default registries. */
  public static final String REGISTRIES_PROPERTY = "cairn.registries";

  /** The environment variable naming the default registries. */
  public static final String REGISTRIES_ENV = "CAIRN_REGISTRIES";

  /** The registries used when nothing else names them: the local registry's default port. */
  public static final String DEFAULT_REGISTRIES = "127.0.0.1:8501";

  private static final AtomicReference<CairnClient> installed = new AtomicReference<>();

  private CairnGrpc() {}

  /**
   * Makes {@code client} the one {@code cairn:///} targets use (not those naming registries). The
   * caller keeps owning the client; closing the returned handle uninstalls it (channels already
   * resolving keep it until they shut down).
   */
  public static AutoCloseable useClient(CairnClient client) {
    requireNonNull(client, "client");
    installed.set(client);
    return () -> installed.compareAndSet(client, null);
  }

  /** The installed client, or null. */
  static CairnClient installedClient() {
    return installed.get();
  }

  /** The default registries, from the property, the environment or {@value #DEFAULT_REGISTRIES}. */
  static String defaultRegistries() {
    String p = System.getProperty(REGISTRIES_PROPERTY);
    if (p != null && !p.isBlank()) {
      return p;
    }
    String e = System.getenv(REGISTRIES_ENV);
    return e != null && !e.isBlank() ? e : DEFAULT_REGISTRIES;
  }

  /**
   * Checks a {@code cairn:} target.
   *
   * @throws IllegalArgumentException naming the bad part: {@code target}, {@code registries},
   *     {@code service} or {@code lb} (a policy no provider serves)
   */
  public static void checkTarget(String target) {
    CairnTarget t = CairnTarget.parse(target);
    if (LoadBalancerRegistry.getDefaultRegistry().getProvider(t.policy()) == null) {
      throw new IllegalArgumentException(
          "lb: \""
              + t.policy()
              + "\" in target \""
              + target
              + "\" (expected: a registered load-balancing policy, e.g. "
              + CairnTarget.DEFAULT_POLICY
              + ", cairn_weighted, cairn_ring_hash, round_robin, pick_first)");
    }
  }

  /**
   * A channel builder for a checked {@code cairn:} target, in plaintext, with {@link
   * CairnRetries#create()} as interceptor.
   *
   * @throws IllegalArgumentException as {@link #checkTarget(String)}
   */
  public static ManagedChannelBuilder<?> channelBuilder(String target) {
    checkTarget(target);
    return ManagedChannelBuilder.forTarget(target).usePlaintext().intercept(CairnRetries.create());
  }
}
