package dev.cairn.grpc.internal;

import dev.cairn.client.CairnClient;
import dev.cairn.client.ServiceView;
import dev.cairn.common.Instance;
import dev.cairn.grpc.CairnAttributes;
import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancerRegistry;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves one {@code cairn:} target from a {@link ServiceView}. Every view change becomes a
 * resolution result (in the channel's synchronization context); a view that is stale still
 * publishes its last instances (flagged {@link CairnAttributes#STALE}), so working connections
 * stay. No answer at all within {@link #NO_ANSWER_MILLIS} is reported as an error naming the
 * registries; the channel then fails calls that are not wait-for-ready with it.
 *
 * <p>A service with no instance (the registry's answer, not a failure to get one) is told apart
 * from an error: Cairn's balancers get an empty address list carrying {@link #NO_INSTANCES}, and
 * stop calling the instances they had (decision 0205); grpc-java's own policies, which keep their
 * working subchannels on an empty list as on an error, get the error naming the service.
 */
public final class CairnNameResolver extends NameResolver {

  private static final Logger log = LoggerFactory.getLogger(CairnNameResolver.class);

  /**
   * On an empty resolution result: the status calls fail with, naming the service that has no
   * instance.
   */
  public static final Attributes.Key<Status> NO_INSTANCES =
      Attributes.Key.create("cairn.no-instances");

  /** How long the resolver waits for a first answer before reporting {@code UNAVAILABLE}. */
  static final long NO_ANSWER_MILLIS = 5_000;

  /** A client and how to give it back. */
  public static final class ClientLease {
    final CairnClient client;
    final Runnable release;

    public ClientLease(CairnClient client, Runnable release) {
      this.client = client;
      this.release = release;
    }
  }

  private final CairnTarget target;
  private final SynchronizationContext sync;
  private final ScheduledExecutorService scheduler;
  private final NameResolver.ServiceConfigParser configParser;
  private final Supplier<ClientLease> clients;

  // Owned by the synchronization context.
  private Listener2 listener;
  private ClientLease lease;
  private ServiceView.Subscription subscription;
  private SynchronizationContext.ScheduledHandle noAnswer;
  private boolean published;
  private boolean shutdown;

  public CairnNameResolver(CairnTarget target, Args args, Supplier<ClientLease> clients) {
    this.target = target;
    this.sync = args.getSynchronizationContext();
    this.scheduler = args.getScheduledExecutorService();
    this.configParser = args.getServiceConfigParser();
    this.clients = clients;
  }

  @Override
  public String getServiceAuthority() {
    return target.service();
  }

  @Override
  public void start(Listener2 listener) {
    this.listener = listener;
    if (LoadBalancerRegistry.getDefaultRegistry().getProvider(target.policy()) == null) {
      listener.onError(
          Status.UNAVAILABLE.withDescription(
              "lb: \""
                  + target.policy()
                  + "\" (expected: a registered load-balancing policy, e.g. "
                  + CairnTarget.DEFAULT_POLICY
                  + ", cairn_weighted, cairn_ring_hash, round_robin, pick_first)"));
      return;
    }
    try {
      lease = clients.get();
    } catch (IllegalArgumentException e) {
      listener.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
      return;
    }
    ServiceView view;
    try {
      view = lease.client.view(target.service());
    } catch (RuntimeException e) {
      listener.onError(Status.UNAVAILABLE.withDescription("cairn: " + e.getMessage()));
      return;
    }
    noAnswer =
        sync.schedule(
            () -> {
              if (!published && !shutdown) {
                listener.onError(
                    Status.UNAVAILABLE.withDescription(
                        "cairn: no registry of "
                            + lease.client.registries()
                            + " answered for service \""
                            + target.service()
                            + "\" within "
                            + NO_ANSWER_MILLIS
                            + " ms, and no snapshot knew it"));
              }
            },
            NO_ANSWER_MILLIS,
            TimeUnit.MILLISECONDS,
            scheduler);
    subscription = view.addListener(s -> sync.execute(() -> publish(s)));
  }

  @Override
  public void refresh() {
    // Push-based: the view is always current.
  }

  @Override
  public void shutdown() {
    if (shutdown) {
      return;
    }
    shutdown = true;
    if (noAnswer != null) {
      noAnswer.cancel();
    }
    if (subscription != null) {
      subscription.close();
    }
    if (lease != null) {
      // Releasing the last lease closes a client, which waits for its threads: not in the
      // channel's synchronization context.
      Thread release = new Thread(lease.release, "cairn-grpc-resolver-release");
      release.setDaemon(true);
      release.start();
    }
  }

  private void publish(ServiceView.Snapshot snapshot) {
    if (shutdown) {
      return;
    }
    List<EquivalentAddressGroup> groups = new ArrayList<>();
    for (Instance i : snapshot.instances()) {
      EquivalentAddressGroup g = group(i);
      if (g != null) {
        groups.add(g);
      }
    }
    published = true;
    Attributes.Builder attributes =
        Attributes.newBuilder().set(CairnAttributes.STALE, snapshot.isStale());
    if (groups.isEmpty()) {
      Status none =
          Status.UNAVAILABLE.withDescription(
              "cairn: service \""
                  + target.service()
                  + "\" has no instances with a grpc port in namespace \""
                  + lease.client.namespace()
                  + "\"");
      if (!cairnPolicy()) {
        listener.onError(none);
        return;
      }
      attributes.set(NO_INSTANCES, none);
    }
    ConfigOrError config =
        configParser.parseServiceConfig(
            Map.of("loadBalancingConfig", List.of(Map.of(target.policy(), Map.of()))));
    listener.onResult2(
        ResolutionResult.newBuilder()
            .setAddressesOrError(io.grpc.StatusOr.fromValue(groups))
            .setAttributes(attributes.build())
            .setServiceConfig(config)
            .build());
  }

  /** Whether the target's policy is one of Cairn's, which tell an empty list from an error. */
  private boolean cairnPolicy() {
    return LoadBalancerRegistry.getDefaultRegistry().getProvider(target.policy())
        instanceof CairnLoadBalancerProvider;
  }

  private static EquivalentAddressGroup group(Instance i) {
    int port = i.port("grpc");
    if (port < 0 && i.ports().size() == 1) {
      port = i.ports().values().iterator().next();
    }
    if (port < 0) {
      log.debug("Skipping {}: no grpc port", i);
      return null;
    }
    InetSocketAddress address = new InetSocketAddress(i.address(), port);
    if (address.isUnresolved()) {
      log.debug("Skipping {}: address does not resolve", i);
      return null;
    }
    return new EquivalentAddressGroup(
        address,
        Attributes.newBuilder()
            .set(CairnAttributes.INSTANCE, i)
            .set(CairnAttributes.WEIGHT, i.weight())
            .set(CairnAttributes.ZONE, i.zone())
            .set(CairnAttributes.TAGS, i.tags())
            .set(CairnAttributes.METADATA, i.metadata())
            .set(CairnAttributes.HEALTH, i.health())
            .build());
  }
}
