package dev.cairn.server.internal.grpc;

import dev.cairn.common.Instance;
import dev.cairn.proto.v1.RegistryGrpc;
import dev.cairn.proto.v1.WatchResponse;
import dev.cairn.server.core.ServiceEvent;
import dev.cairn.server.internal.Protos;
import io.grpc.Drainable;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One event delivered to the 50 watchers one event loop serves, each message written out as gRPC
 * does (the marshaller's stream drained into a reused buffer): protobuf encoding the shared message
 * for every watcher (before decision 0118, the baseline) vs {@link WatchEncoding} (encoded by the
 * first send, copied by the others). Each operation takes the next of 64 distinct events, as
 * successive changes would.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class WatchEncodingBench {

  private static final int WATCHERS_PER_LOOP = 50;

  private final MethodDescriptor.Marshaller<WatchResponse> protobuf =
      ProtoUtils.marshaller(WatchResponse.getDefaultInstance());
  private final MethodDescriptor.Marshaller<WatchResponse> encoding =
      WatchEncoding.of(RegistryGrpc.getWatchMethod()).getResponseMarshaller();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream(4 * 1024);
  private final WatchResponse[] events = new WatchResponse[64];
  private int next;

  @Setup
  public void setUp() {
    for (int i = 0; i < events.length; i++) {
      Instance instance = GetServiceAnswerBench.instance(i).revisions(900 + i, 900 + i).build();
      events[i] =
          Protos.watchEvents(List.of(ServiceEvent.of(ServiceEvent.Type.ADDED, 900 + i, instance)));
    }
  }

  /** Before: protobuf encodes the message for every watcher. */
  @Benchmark
  public int protobufPerWatcher() throws IOException {
    return deliver(protobuf);
  }

  /** After: the first send encodes it, the others copy its bytes. */
  @Benchmark
  public int encodedOncePerLoop() throws IOException {
    return deliver(encoding);
  }

  private int deliver(MethodDescriptor.Marshaller<WatchResponse> marshaller) throws IOException {
    WatchResponse event = events[next++ & (events.length - 1)];
    int n = 0;
    for (int w = 0; w < WATCHERS_PER_LOOP; w++) {
      out.reset();
      n += ((Drainable) marshaller.stream(event)).drainTo(out);
    }
    return n;
  }
}
