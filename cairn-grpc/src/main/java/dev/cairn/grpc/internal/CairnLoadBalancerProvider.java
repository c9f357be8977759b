package dev.cairn.grpc.internal;

import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.NameResolver;
import java.util.Map;

/**
 * Serves one of Cairn's balancing policies to grpc-java under the name {@code cairn_<policy>}; one
 * subclass per policy, listed in {@code META-INF/services/io.grpc.LoadBalancerProvider}. The
 * policy's settings are Cairn's defaults ({@link dev.cairn.client.resilience.CallPolicy}); the
 * service config's per-policy object is accepted and ignored.
 */
public abstract class CairnLoadBalancerProvider extends LoadBalancerProvider {

  private final String cairnPolicy;

  CairnLoadBalancerProvider(String cairnPolicy) {
    this.cairnPolicy = cairnPolicy;
  }

  @Override
  public boolean isAvailable() {
    return true;
  }

  @Override
  public int getPriority() {
    return 5;
  }

  @Override
  public String getPolicyName() {
    return "cairn_" + cairnPolicy;
  }

  @Override
  public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
    return new CairnLoadBalancer(helper, cairnPolicy);
  }

  @Override
  public NameResolver.ConfigOrError parseLoadBalancingPolicyConfig(Map<String, ?> config) {
    return NameResolver.ConfigOrError.fromConfig(cairnPolicy);
  }

  /** {@code cairn_p2c_ewma}: power of two choices over peak-EWMA latency; the default. */
  public static final class P2cEwma extends CairnLoadBalancerProvider {
    public P2cEwma() {
      super("p2c_ewma");
    }
  }

  /** {@code cairn_weighted}: in proportion to the instances' registered weights. */
  public static final class Weighted extends CairnLoadBalancerProvider {
    public Weighted() {
      super("weighted");
    }
  }

  /** {@code cairn_ring_hash}: consistent hashing on the {@code cairn-hash-key} request header. */
  public static final class RingHash extends CairnLoadBalancerProvider {
    public RingHash() {
      super("ring_hash");
    }
  }
}
