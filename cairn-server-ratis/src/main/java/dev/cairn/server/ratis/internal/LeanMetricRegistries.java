package dev.cairn.server.ratis.internal;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.ratis.metrics.LongCounter;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.Timekeeper;
import org.apache.ratis.util.TimeDuration;
import org.apache.ratis.util.UncheckedAutoCloseable;

/**
 * Ratis's metric registries for Cairn, loaded by Ratis through {@link java.util.ServiceLoader}
 * instead of its default implementation: counters are plain {@link LongAdder}s, timers and gauges
 * record nothing. Ratis's default keeps a decaying-reservoir histogram per timer, updated on every
 * request, append and flush (a skip-list insert each); on the registry's write path that was about
 * 3 % of the server's CPU, for figures nothing reads: Cairn exports its own metrics (decision
 * 0075).
 */
public final class LeanMetricRegistries extends MetricRegistries {

  private final ConcurrentHashMap<MetricRegistryInfo, Registry> registries =
      new ConcurrentHashMap<>();

  /** For the service loader. */
  public LeanMetricRegistries() {}

  @Override
  public void clear() {
    registries.clear();
  }

  @Override
  public RatisMetricRegistry create(MetricRegistryInfo info) {
    return registries.computeIfAbsent(info, Registry::new);
  }

  @Override
  public boolean remove(MetricRegistryInfo info) {
    return registries.remove(info) != null;
  }

  @Override
  public Optional<RatisMetricRegistry> get(MetricRegistryInfo info) {
    return Optional.ofNullable(registries.get(info));
  }

  @Override
  public Set<MetricRegistryInfo> getMetricRegistryInfos() {
    return Set.copyOf(registries.keySet());
  }

  @Override
  public List<RatisMetricRegistry> getMetricRegistries() {
    return List.copyOf(registries.values());
  }

  @Override
  public void addReporterRegistration(
      Consumer<RatisMetricRegistry> reporterRegistration,
      Consumer<RatisMetricRegistry> stopReporter) {
    // No reporters: nothing to register.
  }

  @Override
  public void enableJmxReporter() {
    // No reporters.
  }

  @Override
  public void enableConsoleReporter(TimeDuration consoleReportRate) {
    // No reporters.
  }

  /** One registry: counters that count, timers that do not time. */
  private static final class Registry implements RatisMetricRegistry {
    private final MetricRegistryInfo info;
    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();

    Registry(MetricRegistryInfo info) {
      this.info = info;
    }

    @Override
    public Timekeeper timer(String name) {
      return NoTimer.INSTANCE;
    }

    @Override
    public LongCounter counter(String name) {
      return counters.computeIfAbsent(name, n -> new Counter());
    }

    @Override
    public boolean remove(String name) {
      return counters.remove(name) != null;
    }

    @Override
    public <T> void gauge(String name, Supplier<Supplier<T>> gaugeSupplier) {
      // Gauges are read by reporters only; there are none.
    }

    @Override
    public MetricRegistryInfo getMetricRegistryInfo() {
      return info;
    }
  }

  private static final class Counter implements LongCounter {
    private final LongAdder count = new LongAdder();

    @Override
    public void inc(long n) {
      count.add(n);
    }

    @Override
    public void dec(long n) {
      count.add(-n);
    }

    @Override
    public long getCount() {
      return count.sum();
    }
  }

  /** A timer that measures nothing, with one shared context (no allocation per use). */
  private enum NoTimer implements Timekeeper, Timekeeper.Context {
    INSTANCE;

    @Override
    public Context time() {
      return this;
    }

    @Override
    public long stop() {
      return 0;
    }

    @Override
    public UncheckedAutoCloseable toAutoCloseable() {
      return Timekeeper.NOOP;
    }
  }
}
