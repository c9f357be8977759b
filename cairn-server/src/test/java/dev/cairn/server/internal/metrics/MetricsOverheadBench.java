package dev.cairn.server.internal.metrics;

import dev.cairn.common.InstanceKind;
import dev.cairn.server.core.RegistryMonitor;
import dev.cairn.server.internal.dns.DnsMetrics;
import dev.cairn.server.internal.http.HttpMetrics;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What one metrics call costs on the hot paths, against the same call with metrics off: an HTTP
 * answer (two clock reads and a timer), a registration, a watch delivery (counter and lag timer), a
 * DNS answer. Run by {@link MetricsOverheadBenchTest}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MetricsOverheadBench {

  private ServerMetrics metrics;
  private HttpMetrics http;
  private RegistryMonitor monitor;
  private DnsMetrics dns;

  @Setup(Level.Trial)
  public void setUp() {
    metrics = new ServerMetrics();
    http = metrics.http();
    monitor = metrics.monitor();
    dns = metrics.dns();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    metrics.close();
  }

  @Benchmark
  public void httpAnswerOff() {
    long start = System.nanoTime();
    HttpMetrics.NONE.answered("list_instances", "GET", 200, System.nanoTime() - start);
  }

  @Benchmark
  public void httpAnswerOn() {
    long start = System.nanoTime();
    http.answered("list_instances", "GET", 200, System.nanoTime() - start);
  }

  @Benchmark
  public void registrationOn() {
    monitor.registered(InstanceKind.EPHEMERAL);
  }

  @Benchmark
  public void deliveryOn() {
    monitor.eventsDelivered(1, 150_000);
  }

  @Benchmark
  public void dnsAnswerOn() {
    long start = System.nanoTime();
    dns.answered("udp", "NOERROR", System.nanoTime() - start);
  }
}
