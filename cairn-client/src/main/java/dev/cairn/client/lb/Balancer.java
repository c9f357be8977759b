package dev.cairn.client.lb;

import static java.util.Objects.requireNonNull;

import dev.cairn.client.lb.internal.SplitPicker;
import dev.cairn.common.Instance;
import dev.cairn.common.Ticker;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The transport-neutral balancer of one target service: keeps one {@link Endpoint} per instance id
 * (its {@link EndpointStats} survive updates), chooses the usable ones (subset, health, outlier
 * ejection, zone preference with a panic threshold), splits traffic between weighted subsets
 * (canaries), and publishes an immutable {@link Picker} from its {@link LoadBalancingPolicy}.
 *
 * <p>A call goes {@link #pick} → {@link #started} → the attempt → {@link #completed}.
 *
 * <p>Threading: {@link #pick}, {@link #started} and {@link #completed} are called from any thread;
 * pick reads a volatile snapshot without locks. {@link #update} and ejections rebuild the picker
 * under one lock, which never covers I/O: released targets are handed to the release callback after
 * the lock is let go.
 *
 * @param <T> the transport's target type
 */
public final class Balancer<T> {

  /** Usable-share threshold default: below it the balancer widens its choice. */
  public static final double DEFAULT_PANIC_THRESHOLD = 0.5;

  private final Function<Instance, T> targets;
  private final Consumer<T> release;
  private final LoadBalancingPolicy policy;
  private final Ticker ticker;
  private final PeakEwma ewma;
  private final OutlierDetection outliers;
  private final Selector subset;
  private final List<Split> splits;
  private final String localZone;
  private final double panicThreshold;

  private final ReentrantLock lock = new ReentrantLock();
  // Guarded by lock.
  private final Map<String, Endpoint<T>> endpoints = new LinkedHashMap<>();
  private long lastIntervalNanos;
  private boolean closed;
  // Written under lock, read by any thread.
  private volatile Picker<T> picker;
  private volatile boolean empty = true;
  private volatile long nextSweepNanos;

  private Balancer(Builder<T> b) {
    this.targets = b.targets;
    this.release = b.release;
    this.policy = b.policy;
    this.ticker = b.ticker;
    this.ewma = b.ewma;
    this.outliers = b.outliers;
    this.subset = b.subset;
    this.splits = List.copyOf(b.splits);
    this.localZone = b.localZone;
    this.panicThreshold = b.panicThreshold;
    this.lastIntervalNanos = ticker.nanos();
    this.nextSweepNanos = lastIntervalNanos + outliers.interval().toNanos();
    this.picker = policy.newPicker(List.of(), ticker);
  }

  /**
   * A builder for a balancer whose endpoints reach instances through {@code targets} (called under
   * the balancer's lock: it must only create the target, e.g. a URI or an idle subchannel).
   */
  public static <T> Builder<T> builder(Function<Instance, T> targets) {
    return new Builder<>(requireNonNull(targets, "targets"));
  }

  /** The endpoint for one call, or {@code null} when no instance is available. */
  public Endpoint<T> pick(PickContext context) {
    return picker.pick(context);
  }

  /** Whether the current picker has no endpoint to offer (it would return null). */
  public boolean isEmpty() {
    return empty;
  }

  /** The current picker snapshot. */
  public Picker<T> picker() {
    return picker;
  }

  /** Marks a call to {@code endpoint} as started; returns the start time for {@link #completed}. */
  public long started(Endpoint<T> endpoint) {
    endpoint.stats().started();
    return ticker.nanos();
  }

  /**
   * Records how a call started at {@code startNanos} ended: updates the endpoint's latency estimate
   * and failure counts, and ejects it when outlier detection says so.
   */
  public void completed(Endpoint<T> endpoint, long startNanos, Outcome outcome) {
    long now = ticker.nanos();
    EndpointStats stats = endpoint.stats();
    int failures = stats.completed(now - startNanos, outcome, now);
    if (outcome == Outcome.REFUSED && outliers.ejectOnRefused()) {
      eject(endpoint, now);
    } else if (failures > 0
        && failures >= outliers.consecutiveFailures()
        && outliers.consecutiveFailures() > 0
        && !stats.isEjected()) {
      eject(endpoint, now);
    }
    if (now - nextSweepNanos >= 0) {
      sweep(now);
    }
  }

  /**
   * Replaces the instance list. New ids get fresh endpoints and stats; known ids keep their stats
   * (and their target while address and ports are unchanged); gone ids are released.
   */
  public void update(Collection<Instance> instances) {
    requireNonNull(instances, "instances");
    List<T> released = new ArrayList<>();
    lock.lock();
    try {
      if (closed) {
        return;
      }
      long now = ticker.nanos();
      Map<String, Endpoint<T>> next = new LinkedHashMap<>();
      for (Instance instance : instances) {
        Endpoint<T> old = endpoints.remove(instance.id());
        next.put(instance.id(), refresh(old, instance, now, released));
      }
      for (Endpoint<T> gone : endpoints.values()) {
        released.add(gone.target());
      }
      endpoints.clear();
      endpoints.putAll(next);
      rebuild(now);
    } finally {
      lock.unlock();
    }
    released.forEach(release);
  }

  /** Every known endpoint, ejected or not, in registration order; a copy. */
  public List<Endpoint<T>> endpoints() {
    lock.lock();
    try {
      return List.copyOf(endpoints.values());
    } finally {
      lock.unlock();
    }
  }

  /** Runs ejection expiry and success-rate detection now, if due; for owners without traffic. */
  public void maintain() {
    long now = ticker.nanos();
    if (now - nextSweepNanos >= 0) {
      sweep(now);
    }
  }

  /** Releases every target and empties the picker; later updates are ignored. */
  public void close() {
    List<T> released = new ArrayList<>();
    lock.lock();
    try {
      closed = true;
      for (Endpoint<T> e : endpoints.values()) {
        released.add(e.target());
      }
      endpoints.clear();
      picker = policy.newPicker(List.of(), ticker);
      empty = true;
    } finally {
      lock.unlock();
    }
    released.forEach(release);
  }

  /** The policy building this balancer's pickers. */
  public LoadBalancingPolicy policy() {
    return policy;
  }

  private Endpoint<T> refresh(Endpoint<T> old, Instance instance, long now, List<T> released) {
    if (old == null) {
      return new Endpoint<>(instance, targets.apply(instance), new EndpointStats(ewma, now));
    }
    if (old.instance().equals(instance)) {
      return old;
    }
    Instance was = old.instance();
    if (was.address().equals(instance.address()) && was.ports().equals(instance.ports())) {
      return new Endpoint<>(instance, old.target(), old.stats());
    }
    released.add(old.target());
    return new Endpoint<>(instance, targets.apply(instance), old.stats());
  }

  private void eject(Endpoint<T> endpoint, long now) {
    lock.lock();
    try {
      Endpoint<T> current = endpoints.get(endpoint.id());
      if (closed
          || current == null
          || current.stats() != endpoint.stats()
          || current.stats().ejected) {
        return;
      }
      if (ejectLocked(endpoint.stats(), now)) {
        rebuild(now);
      }
    } finally {
      lock.unlock();
    }
  }

  private boolean ejectLocked(EndpointStats stats, long now) {
    int ejected = 0;
    for (Endpoint<T> e : endpoints.values()) {
      if (e.stats().ejected) {
        ejected++;
      }
    }
    if (ejected >= outliers.maxEjected(endpoints.size())) {
      return false;
    }
    stats.timesEjected++;
    long duration =
        Math.min(
            outliers.baseEjectionTime().toNanos() * stats.timesEjected,
            outliers.maxEjectionTime().toNanos());
    stats.ejectedUntilNanos = now + duration;
    stats.ejected = true;
    stats.resetFailures(); // as Envoy: after the ejection the endpoint starts a fresh run
    return true;
  }

  private void sweep(long now) {
    if (!lock.tryLock()) {
      return; // another thread sweeps
    }
    try {
      if (now - nextSweepNanos < 0) {
        return;
      }
      boolean changed = false;
      long interval = outliers.interval().toNanos();
      boolean intervalDue = now - lastIntervalNanos >= interval;
      for (Endpoint<T> e : endpoints.values()) {
        EndpointStats s = e.stats();
        if (s.ejected && now - s.ejectedUntilNanos >= 0) {
          s.ejected = false;
          changed = true;
        } else if (!s.ejected && intervalDue && s.timesEjected > 0) {
          s.timesEjected--; // Envoy: the multiplier decays while the endpoint behaves
        }
      }
      if (intervalDue) {
        lastIntervalNanos = now;
        changed |= ejectBySuccessRate(now);
      }
      long next = lastIntervalNanos + interval;
      for (Endpoint<T> e : endpoints.values()) {
        if (e.stats().ejected && e.stats().ejectedUntilNanos - next < 0) {
          next = e.stats().ejectedUntilNanos;
        }
      }
      nextSweepNanos = next;
      if (changed) {
        rebuild(now);
      }
    } finally {
      lock.unlock();
    }
  }

  private boolean ejectBySuccessRate(long now) {
    List<EndpointStats> counted = new ArrayList<>();
    List<Double> rates = new ArrayList<>();
    for (Endpoint<T> e : endpoints.values()) {
      long[] counts = e.stats().drainCounts();
      long total = counts[0] + counts[1];
      if (!e.stats().ejected && total >= outliers.successRateRequestVolume()) {
        counted.add(e.stats());
        rates.add((double) counts[0] / total);
      }
    }
    int hosts = outliers.successRateMinimumHosts();
    if (hosts == 0 || counted.size() < hosts) {
      return false;
    }
    double mean = rates.stream().mapToDouble(Double::doubleValue).average().orElse(1);
    double variance = rates.stream().mapToDouble(r -> (r - mean) * (r - mean)).sum() / rates.size();
    double threshold = mean - outliers.successRateStdevFactor() * Math.sqrt(variance);
    boolean changed = false;
    for (int i = 0; i < counted.size(); i++) {
      if (rates.get(i) < threshold) {
        changed |= ejectLocked(counted.get(i), now);
      }
    }
    return changed;
  }

  private void rebuild(long now) {
    List<Endpoint<T>> candidates = new ArrayList<>();
    for (Endpoint<T> e : endpoints.values()) {
      if (subset.matches(e.instance())) {
        candidates.add(e);
      }
    }
    if (splits.isEmpty()) {
      List<Endpoint<T>> usable = usable(candidates);
      picker = policy.newPicker(usable, ticker);
      empty = usable.isEmpty();
      return;
    }
    List<Picker<T>> pickers = new ArrayList<>();
    int[] weights = new int[splits.size()];
    for (int i = 0; i < splits.size(); i++) {
      Split split = splits.get(i);
      List<Endpoint<T>> members = new ArrayList<>();
      for (Endpoint<T> e : candidates) {
        if (split.selector.matches(e.instance())) {
          members.add(e);
        }
      }
      List<Endpoint<T>> usable = usable(members);
      pickers.add(policy.newPicker(usable, ticker));
      weights[i] = usable.isEmpty() ? 0 : split.weight;
    }
    picker = SplitPicker.of(pickers, weights);
    empty = java.util.Arrays.stream(weights).allMatch(w -> w == 0);
  }

  /**
   * The endpoints to pick from: healthy and not ejected, in the local zone while enough of it is
   * usable; when fewer than the panic threshold of all candidates are usable, all candidates.
   */
  private List<Endpoint<T>> usable(List<Endpoint<T>> candidates) {
    List<Endpoint<T>> healthy = new ArrayList<>();
    for (Endpoint<T> e : candidates) {
      if (isUsable(e)) {
        healthy.add(e);
      }
    }
    if (healthy.size() < panicThreshold * candidates.size()) {
      return List.copyOf(candidates); // panic: spread over everything rather than overload a few
    }
    if (localZone == null) {
      return List.copyOf(healthy);
    }
    int localAll = 0;
    List<Endpoint<T>> local = new ArrayList<>();
    for (Endpoint<T> e : candidates) {
      if (localZone.equals(e.instance().zone())) {
        localAll++;
        if (isUsable(e)) {
          local.add(e);
        }
      }
    }
    if (!local.isEmpty() && local.size() >= panicThreshold * localAll) {
      return List.copyOf(local);
    }
    return List.copyOf(healthy);
  }

  private static boolean isUsable(Endpoint<?> e) {
    return e.instance().health().isHealthy() && !e.stats().ejected;
  }

  /** One weighted traffic split. */
  private static final class Split {
    final Selector selector;
    final int weight;

    Split(Selector selector, int weight) {
      this.selector = selector;
      this.weight = weight;
    }
  }

  /** Builds a {@link Balancer}; {@link #build()} checks the settings. */
  public static final class Builder<T> {
    private final Function<Instance, T> targets;
    private Consumer<T> release = t -> {};
    private LoadBalancingPolicy policy = LoadBalancingPolicies.p2cEwma();
    private Ticker ticker = Ticker.system();
    private PeakEwma ewma = PeakEwma.defaults();
    private OutlierDetection outliers = OutlierDetection.defaults();
    private Selector subset = Selector.all();
    private final List<Split> splits = new ArrayList<>();
    private final Map<Selector, Integer> splitWeights = new HashMap<>();
    private String localZone;
    private double panicThreshold = DEFAULT_PANIC_THRESHOLD;

    private Builder(Function<Instance, T> targets) {
      this.targets = targets;
    }

    /** Called (outside the lock) with each target no longer used; default: nothing. */
    public Builder<T> release(Consumer<T> release) {
      this.release = requireNonNull(release, "release");
      return this;
    }

    /** The policy; default {@link LoadBalancingPolicies#p2cEwma()}. */
    public Builder<T> policy(LoadBalancingPolicy policy) {
      this.policy = requireNonNull(policy, "policy");
      return this;
    }

    /** The clock for latencies and ejection times; default {@link Ticker#system()}. */
    public Builder<T> ticker(Ticker ticker) {
      this.ticker = requireNonNull(ticker, "ticker");
      return this;
    }

    /** Latency estimate settings; default {@link PeakEwma#defaults()}. */
    public Builder<T> peakEwma(PeakEwma ewma) {
      this.ewma = requireNonNull(ewma, "peakEwma");
      return this;
    }

    /** Outlier ejection; default {@link OutlierDetection#defaults()}. */
    public Builder<T> outlierDetection(OutlierDetection outliers) {
      this.outliers = requireNonNull(outliers, "outlierDetection");
      return this;
    }

    /** Only instances matching {@code subset} are used; default all. */
    public Builder<T> subset(Selector subset) {
      this.subset = requireNonNull(subset, "subset");
      return this;
    }

    /**
     * Sends {@code weight} parts of traffic to instances matching {@code selector} (a canary split:
     * {@code split(version=v1, 90).split(version=v2, 10)}). A split with no usable instance gets no
     * traffic; instances outside every split get none either. Default: no splits.
     */
    public Builder<T> split(Selector selector, int weight) {
      requireNonNull(selector, "selector");
      splits.add(new Split(selector, weight));
      splitWeights.merge(selector, 1, Integer::sum);
      return this;
    }

    /** Prefer instances in this zone while enough of them are usable; default none. */
    public Builder<T> localZone(String localZone) {
      this.localZone = requireNonNull(localZone, "localZone");
      return this;
    }

    /**
     * Share (0..1) of usable instances below which the balancer widens its choice: from the local
     * zone to all zones, and from healthy instances to all instances; default 0.5.
     */
    public Builder<T> panicThreshold(double panicThreshold) {
      this.panicThreshold = panicThreshold;
      return this;
    }

    /**
     * The balancer, with no instances until the first {@link Balancer#update}.
     *
     * @throws IllegalArgumentException naming the first field out of range
     */
    public Balancer<T> build() {
      Checks.range("panicThreshold", panicThreshold, 0, 1);
      for (Split s : splits) {
        Checks.range("split.weight", s.weight, 1, 10_000);
        if (splitWeights.get(s.selector) > 1) {
          throw new IllegalArgumentException(
              "split.selector: " + s.selector + " (expected: each selector once)");
        }
      }
      return new Balancer<>(this);
    }
  }
}
