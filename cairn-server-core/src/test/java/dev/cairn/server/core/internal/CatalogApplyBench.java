package dev.cairn.server.core.internal;

import dev.cairn.common.Instance;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The apply thread's cost per log entry: a batch of {@value #BATCH} registrations that each change
 * an existing instance, spread over 100 services, applied and published. {@code applyDecoded} is
 * the baseline (what a replay does: decode the entry); {@code applyHeld} is the leader's path (the
 * batcher holds the commands it appended). Run by {@link CatalogApplyBenchTest}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CatalogApplyBench {

  static final int BATCH = 128;
  private static final int SERVICES = 100;

  @Param({"100", "1000"})
  public int instancesPerService;

  private CatalogMachine machine;
  private LocalEntries local;
  private final List<List<Command>> batches = new ArrayList<>();
  private final List<byte[]> entries = new ArrayList<>();
  private int next;

  @Setup
  public void setUp() {
    local = new LocalEntries();
    machine = new CatalogMachine(new Catalog(), new StringPool(), local, c -> {}, () -> {});
    List<Command> fill = new ArrayList<>();
    for (int s = 0; s < SERVICES; s++) {
      for (int i = 0; i < instancesPerService; i++) {
        fill.add(register(s, i, 100));
        if (fill.size() == 1024) {
          machine.apply(CommandCodec.encodeBatch(0, fill));
          fill.clear();
        }
      }
    }
    machine.apply(CommandCodec.encodeBatch(0, fill));
    // Two alternating batches, so that every registration really changes its instance.
    for (int weight : new int[] {200, 300}) {
      List<Command> batch = new ArrayList<>(BATCH);
      for (int k = 0; k < BATCH; k++) {
        batch.add(register(k % SERVICES, (k * 7919) % instancesPerService, weight));
      }
      batches.add(batch);
      entries.add(CommandCodec.encodeBatch(Long.MIN_VALUE + weight, batch));
    }
  }

  private static Command register(int service, int instance, int weight) {
    return new Command.Register(
        "default",
        Instance.builder("svc-" + service, "10.0." + (instance / 250) + "." + (instance % 250))
            .id("i-" + instance)
            .port("http", 8080)
            .weight(weight)
            .build());
  }

  @Benchmark
  public byte[] applyDecoded() {
    int i = next++ & 1;
    return machine.apply(entries.get(i));
  }

  @Benchmark
  public byte[] applyHeld() {
    int i = next++ & 1;
    long id = local.hold(batches.get(i));
    byte[] entry = CommandCodec.encodeBatch(id, List.of());
    return machine.apply(entry);
  }
}
