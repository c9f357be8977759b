package dev.cairn.grpc.internal;

import dev.cairn.client.lb.Balancer;
import dev.cairn.client.lb.Endpoint;
import dev.cairn.client.lb.Outcome;
import dev.cairn.client.lb.PickContext;
import dev.cairn.client.resilience.CallPolicy;
import dev.cairn.common.Instance;
import dev.cairn.common.Ticker;
import dev.cairn.grpc.CairnAttributes;
import io.grpc.ClientStreamTracer;
import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A grpc-java load balancer running one of Cairn's policies: one subchannel per instance (keyed by
 * instance id), a {@link Balancer} over the READY ones, and a picker that asks the balancer and
 * feeds each call's latency and outcome back through a {@link ClientStreamTracer}.
 *
 * <p>Called in the channel's synchronization context (gRPC's contract), which owns every field;
 * pickers run on any thread and only read the balancer's lock-free snapshot.
 */
final class CairnLoadBalancer extends LoadBalancer {

  /** The request header whose value ring-hash policies hash on. */
  static final Metadata.Key<String> HASH_KEY =
      Metadata.Key.of("cairn-hash-key", Metadata.ASCII_STRING_MARSHALLER);

  private static final long MAINTAIN_SECONDS = 1;

  private final Helper helper;
  private final Balancer<Subchannel> balancer;
  private final Map<String, Entry> entries = new HashMap<>();
  private final Picker picker;
  private SynchronizationContext.ScheduledHandle maintainTask;
  private Status lastError = Status.UNAVAILABLE.withDescription("cairn: no address yet");

  CairnLoadBalancer(Helper helper, String policyName) {
    this.helper = helper;
    CallPolicy policy = CallPolicy.builder().loadBalancing(policyName).build();
    this.balancer =
        policy.balancer(instance -> entries.get(instance.id()).subchannel, Ticker.system()).build();
    this.picker = new Picker(balancer);
  }

  @Override
  public Status acceptResolvedAddresses(ResolvedAddresses resolved) {
    List<EquivalentAddressGroup> groups = resolved.getAddresses();
    if (groups.isEmpty()) {
      Status none = resolved.getAttributes().get(CairnNameResolver.NO_INSTANCES);
      noInstances(
          none != null
              ? none
              : Status.UNAVAILABLE.withDescription("cairn: the resolver returned no address"));
      return Status.OK;
    }
    Map<String, EquivalentAddressGroup> wanted = new HashMap<>();
    Map<String, Instance> instances = new HashMap<>();
    for (EquivalentAddressGroup g : groups) {
      Instance i = instanceOf(g);
      wanted.put(i.id(), g);
      instances.put(i.id(), i);
    }
    for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Entry> e = it.next();
      EquivalentAddressGroup g = wanted.get(e.getKey());
      if (g == null || !g.getAddresses().equals(e.getValue().group.getAddresses())) {
        e.getValue().subchannel.shutdown();
        it.remove();
      } else {
        e.getValue().instance = instances.get(e.getKey());
      }
    }
    for (Map.Entry<String, EquivalentAddressGroup> w : wanted.entrySet()) {
      if (!entries.containsKey(w.getKey())) {
        Entry e = new Entry(w.getValue(), instances.get(w.getKey()));
        e.subchannel =
            helper.createSubchannel(
                CreateSubchannelArgs.newBuilder().setAddresses(w.getValue()).build());
        e.subchannel.start(state -> stateChanged(e, state));
        entries.put(w.getKey(), e);
        e.subchannel.requestConnection();
      }
    }
    if (maintainTask == null) {
      maintainTask =
          helper
              .getSynchronizationContext()
              .scheduleWithFixedDelay(
                  balancer::maintain,
                  MAINTAIN_SECONDS,
                  MAINTAIN_SECONDS,
                  TimeUnit.SECONDS,
                  helper.getScheduledExecutorService());
    }
    refresh();
    return Status.OK;
  }

  /** An empty list is the resolver's answer (the service has no instance), not an error. */
  @Override
  public boolean canHandleEmptyAddressListFromNameResolution() {
    return true;
  }

  /**
   * The service has no instance: stop calling the ones it had (a deregistered instance may still be
   * serving) and fail calls with {@code status}, until the resolver lists instances again.
   */
  private void noInstances(Status status) {
    for (Entry e : entries.values()) {
      e.subchannel.shutdown();
    }
    entries.clear();
    balancer.update(List.of());
    lastError = status;
    helper.updateBalancingState(ConnectivityState.TRANSIENT_FAILURE, new ErrorPicker(status));
  }

  @Override
  public void handleNameResolutionError(Status error) {
    lastError = error;
    if (entries.isEmpty()) {
      helper.updateBalancingState(ConnectivityState.TRANSIENT_FAILURE, new ErrorPicker(error));
    }
    // Otherwise keep the working subchannels: a resolver error never tears them down.
  }

  @Override
  public void requestConnection() {
    for (Entry e : entries.values()) {
      e.subchannel.requestConnection();
    }
  }

  @Override
  public void shutdown() {
    if (maintainTask != null) {
      maintainTask.cancel();
    }
    balancer.close();
    for (Entry e : entries.values()) {
      e.subchannel.shutdown();
    }
    entries.clear();
  }

  private void stateChanged(Entry e, ConnectivityStateInfo info) {
    if (entries.get(e.instance.id()) != e) {
      return;
    }
    e.state = info.getState();
    if (e.state == ConnectivityState.IDLE) {
      e.subchannel.requestConnection();
    } else if (e.state == ConnectivityState.TRANSIENT_FAILURE) {
      lastError = info.getStatus();
    }
    refresh();
  }

  /** Gives the balancer the READY instances and tells the channel the aggregate state. */
  private void refresh() {
    List<Instance> ready = new ArrayList<>();
    boolean connecting = false;
    for (Entry e : entries.values()) {
      if (e.state == ConnectivityState.READY) {
        ready.add(e.instance);
      } else if (e.state != ConnectivityState.TRANSIENT_FAILURE) {
        connecting = true;
      }
    }
    balancer.update(ready);
    if (!ready.isEmpty()) {
      helper.updateBalancingState(ConnectivityState.READY, picker);
    } else if (connecting) {
      helper.updateBalancingState(
          ConnectivityState.CONNECTING, new FixedPicker(PickResult.withNoResult()));
    } else {
      helper.updateBalancingState(ConnectivityState.TRANSIENT_FAILURE, new ErrorPicker(lastError));
    }
  }

  /** The instance behind a group; synthesized from the address for non-Cairn resolvers. */
  private static Instance instanceOf(EquivalentAddressGroup g) {
    Instance i = g.getAttributes().get(CairnAttributes.INSTANCE);
    if (i != null) {
      return i;
    }
    SocketAddress a = g.getAddresses().get(0);
    if (a instanceof InetSocketAddress) {
      InetSocketAddress inet = (InetSocketAddress) a;
      String host = inet.getAddress() != null ? inet.getAddress().getHostAddress() : "127.0.0.1";
      return Instance.builder("grpc", host)
          .id(host.replace('%', '.') + ":" + inet.getPort())
          .port("grpc", inet.getPort())
          .buildStored(); // never registered; may carry a zone id (%eth0), which only this host
      // uses
    }
    return Instance.builder("grpc", "127.0.0.1")
        .id("addr-" + Integer.toHexString(a.hashCode()))
        .build();
  }

  private static final class Entry {
    final EquivalentAddressGroup group;
    Instance instance;
    Subchannel subchannel;
    ConnectivityState state = ConnectivityState.IDLE;

    Entry(EquivalentAddressGroup group, Instance instance) {
      this.group = group;
      this.instance = instance;
    }
  }

  /** Picks through the balancer; one per balancer, immutable, lock-free. */
  static final class Picker extends SubchannelPicker {
    private final Balancer<Subchannel> balancer;

    Picker(Balancer<Subchannel> balancer) {
      this.balancer = balancer;
    }

    @Override
    public PickResult pickSubchannel(PickSubchannelArgs args) {
      String key = args.getHeaders().get(HASH_KEY);
      Endpoint<Subchannel> e =
          balancer.pick(key == null ? PickContext.NONE : PickContext.ofKey(key));
      if (e == null) {
        return PickResult.withError(
            Status.UNAVAILABLE.withDescription("cairn: no usable instance (all ejected)"));
      }
      return PickResult.withSubchannel(e.target(), new Feedback(balancer, e));
    }
  }

  /** Feeds one call's latency and outcome back to the balancer. */
  static final class Feedback extends ClientStreamTracer.Factory {
    private final Balancer<Subchannel> balancer;
    private final Endpoint<Subchannel> endpoint;

    Feedback(Balancer<Subchannel> balancer, Endpoint<Subchannel> endpoint) {
      this.balancer = balancer;
      this.endpoint = endpoint;
    }

    @Override
    public ClientStreamTracer newClientStreamTracer(
        ClientStreamTracer.StreamInfo info, Metadata headers) {
      long start = balancer.started(endpoint);
      return new ClientStreamTracer() {
        private boolean sent;

        @Override
        public void outboundHeaders() {
          sent = true;
        }

        @Override
        public void streamClosed(Status status) {
          balancer.completed(endpoint, start, outcome(status, sent));
        }
      };
    }
  }

  /** How a call's status counts for the balancer. */
  static Outcome outcome(Status status, boolean sent) {
    switch (status.getCode()) {
      case OK:
        return Outcome.SUCCESS;
      case RESOURCE_EXHAUSTED:
        return Outcome.OVERLOADED;
      case UNAVAILABLE:
        return sent ? Outcome.FAILURE : Outcome.REFUSED;
      case INTERNAL:
      case UNKNOWN:
      case DEADLINE_EXCEEDED:
      case DATA_LOSS:
        return Outcome.FAILURE;
      default:
        // CANCELLED and the application's own errors say nothing about the endpoint.
        return Outcome.SUCCESS;
    }
  }

  private static final class FixedPicker extends SubchannelPicker {
    private final PickResult result;

    FixedPicker(PickResult result) {
      this.result = result;
    }

    @Override
    public PickResult pickSubchannel(PickSubchannelArgs args) {
      return result;
    }
  }

  private static final class ErrorPicker extends SubchannelPicker {
    private final PickResult result;

    ErrorPicker(Status error) {
      this.result = PickResult.withError(error);
    }

    @Override
    public PickResult pickSubchannel(PickSubchannelArgs args) {
      return result;
    }
  }
}
