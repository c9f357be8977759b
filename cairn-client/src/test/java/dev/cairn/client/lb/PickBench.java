package dev.cairn.client.lb;

import dev.cairn.common.Instance;
import dev.cairn.common.Ticker;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Cost of one pick per policy and endpoint count. The {@code baseline} policy is the floor: a
 * shared {@code AtomicInteger} index into an array. {@code pickAndComplete} adds what every call
 * also pays: {@link Balancer#started} and {@link Balancer#completed} (in-flight count, peak-EWMA
 * update, failure run). Run by {@link PickBenchTest}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PickBench {

  @Param({"baseline", "round_robin", "weighted", "p2c_ewma", "ring_hash"})
  public String policy;

  @Param({"10", "100", "1000"})
  public int instances;

  private Balancer<String> balancer;
  private Picker<String> picker;
  private final PickContext key = PickContext.ofKey("user-42");

  @Setup
  @SuppressWarnings("unchecked")
  public void setUp() {
    boolean baseline = policy.equals("baseline");
    balancer =
        Balancer.builder(Instance::id)
            .policy(LoadBalancingPolicyRegistry.getDefault().get(baseline ? "round_robin" : policy))
            .ticker(Ticker.system())
            .outlierDetection(OutlierDetection.disabled())
            .build();
    balancer.update(Endpoints.instances(instances));
    picker = balancer.picker();
    if (baseline) {
      Endpoint<String>[] array = balancer.endpoints().toArray(new Endpoint[0]);
      AtomicInteger index = new AtomicInteger();
      picker = context -> array[Math.floorMod(index.getAndIncrement(), array.length)];
    }
  }

  @Benchmark
  public Endpoint<String> pick() {
    return picker.pick(key);
  }

  @Benchmark
  public Endpoint<String> pickAndComplete() {
    Endpoint<String> e = picker.pick(key);
    balancer.completed(e, balancer.started(e), Outcome.SUCCESS);
    return e;
  }
}
