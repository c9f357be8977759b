package dev.cairn.server.internal.grpc;

import dev.cairn.common.Instance;
import dev.cairn.proto.v1.GetServiceResponse;
import dev.cairn.server.core.ServiceSnapshot;
import dev.cairn.server.internal.Protos;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One {@code GetService} answer of a 100-instance service written out, as gRPC does: built as a
 * message and encoded per read (before decision 0156, the baseline) vs the per-call revisions in
 * front of the instances encoded once per snapshot ({@link ServiceAnswer}). Both write into the
 * same reused buffer; the snapshot's proto instances are cached in both, as in the server.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class GetServiceAnswerBench {

  private ServiceSnapshot snapshot;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
  private long revision = 1_000;

  @Setup
  public void setUp() {
    List<Instance> instances = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      instances.add(instance(i).revisions(900, 900 + i).build());
    }
    snapshot = ServiceSnapshot.of("default", "web", 999, List.copyOf(instances));
    ServiceAnswer.of(1_000, snapshot, "group-1"); // fill the snapshot's caches
  }

  /**
   * Instance {@code i} of the benchmarks' service {@code web}, as the load generator registers them
   * (a port, a tag, a zone, a metadata entry); revisions left to the caller.
   */
  static Instance.Builder instance(int i) {
    return Instance.builder("web", "127.0.0.1")
        .id(String.format("i-%06d", i))
        .port("http", 10_000 + i)
        .tags(List.of("loadgen"))
        .zone("z" + i % 3)
        .metadata(Map.of("version", "1.0." + i % 10));
  }

  /** Before: a new message per read, encoded whole. */
  @Benchmark
  public int messagePerRead() throws IOException {
    out.reset();
    GetServiceResponse.newBuilder()
        .setRevision(++revision)
        .setServiceRevision(snapshot.revision())
        .addAllInstances(Protos.instances(snapshot))
        .build()
        .writeTo(out);
    return out.size();
  }

  /** After: the revisions encoded, the instances' cached encoding copied behind them. */
  @Benchmark
  public int encodedOncePerSnapshot() throws IOException {
    out.reset();
    InputStream in =
        ServiceAnswer.METHOD.getResponseMarshaller().stream(
            ServiceAnswer.of(++revision, snapshot, "group-1"));
    ((io.grpc.Drainable) in).drainTo(out);
    return out.size();
  }
}
