package dev.cairn.grpc;

import dev.cairn.client.CairnClient;
import dev.cairn.server.CairnServer;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import java.net.InetSocketAddress;
import java.time.Duration;
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
 * One blocking unary call to the same loopback server: on a static {@code 127.0.0.1:port} channel
 * (the baseline), on {@code cairn:///hello} (resolver + {@code cairn_p2c_ewma} + feedback tracer),
 * and on {@code cairn:///hello} built by {@link CairnGrpc#channelBuilder} (plus the retry
 * interceptor). The registry runs in the same JVM but is idle during the measurement.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class UnaryCallBench {

  private CairnServer registry;
  private CairnClient client;
  private CairnGrpcServer hello;
  private AutoCloseable installed;
  private ManagedChannel staticChannel;
  private ManagedChannel cairnChannel;
  private ManagedChannel cairnRetryChannel;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    registry = CairnServer.builder().inMemory().grpcPort(0).httpPort(0).start();
    client =
        CairnClient.builder()
            .registries("127.0.0.1:" + registry.grpcAddress().getPort())
            .shutdownHook(false)
            .build();
    installed = CairnGrpc.useClient(client);
    hello =
        CairnGrpcServer.builder(
                client,
                "hello",
                NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .addService(Echo.service("a")))
            .start();
    hello.registration().registered().get(10, TimeUnit.SECONDS);
    staticChannel =
        ManagedChannelBuilder.forAddress("127.0.0.1", hello.port()).usePlaintext().build();
    cairnChannel = ManagedChannelBuilder.forTarget("cairn:///hello").usePlaintext().build();
    cairnRetryChannel = CairnGrpc.channelBuilder("cairn:///hello").build();
    for (ManagedChannel c : new ManagedChannel[] {staticChannel, cairnChannel, cairnRetryChannel}) {
      Echo.who(c, Duration.ofSeconds(10));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    for (ManagedChannel c : new ManagedChannel[] {staticChannel, cairnChannel, cairnRetryChannel}) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    hello.close();
    installed.close();
    client.close();
    registry.close();
  }

  @Benchmark
  public String staticChannel() {
    return ClientCalls.blockingUnaryCall(staticChannel, Echo.WHO, CallOptions.DEFAULT, "hi");
  }

  @Benchmark
  public String cairnChannel() {
    return ClientCalls.blockingUnaryCall(cairnChannel, Echo.WHO, CallOptions.DEFAULT, "hi");
  }

  @Benchmark
  public String cairnChannelWithRetries() {
    return ClientCalls.blockingUnaryCall(cairnRetryChannel, Echo.WHO, CallOptions.DEFAULT, "hi");
  }
}
