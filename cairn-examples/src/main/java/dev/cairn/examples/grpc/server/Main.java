package dev.cairn.examples.grpc.server;

import dev.cairn.client.CairnClient;
import dev.cairn.examples.grpc.hello.HelloRequest;
import dev.cairn.examples.grpc.hello.HelloResponse;
import dev.cairn.examples.grpc.hello.HelloServiceGrpc;
import dev.cairn.grpc.CairnGrpc;
import dev.cairn.grpc.CairnGrpcServer;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;

/**
 * A {@code hello} server on an ephemeral loopback port, registered in Cairn until it stops
 * (Ctrl-C). Run one per terminal, from the repository root, with a registry running ({@code ./cairn
 * server}):
 *
 * <pre>mvn -B -q -pl cairn-examples -am verify -DskipTests -Dexample=grpc.server</pre>
 *
 * {@code -Dcairn.registries=host:port,...} names the registries (127.0.0.1:8501 by default).
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) throws Exception {
    String registries = System.getProperty(CairnGrpc.REGISTRIES_PROPERTY, "127.0.0.1:8501");
    CairnClient client = CairnClient.builder().registries(registries).clientName("hello").build();
    CairnGrpcServer server = start(client, "hello-" + ProcessHandle.current().pid());
    System.out.println(
        "hello server "
            + server.registration().instance().id()
            + " listening on 127.0.0.1:"
            + server.port()
            + ", registered in "
            + registries);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  client.close();
                  stopped.countDown();
                }));
    stopped.await();
  }

  /** Starts one server answering as {@code id} and registers it through {@code client}. */
  public static CairnGrpcServer start(CairnClient client, String id) throws Exception {
    return CairnGrpcServer.builder(
            client,
            "hello",
            NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new HelloImpl(id)))
        .id(id)
        .start();
  }

  /** Answers {@code Hello, <name>, from <id>}. */
  static final class HelloImpl extends HelloServiceGrpc.HelloServiceImplBase {
    private final String id;

    HelloImpl(String id) {
      this.id = id;
    }

    @Override
    public void sayHello(HelloRequest request, StreamObserver<HelloResponse> out) {
      out.onNext(
          HelloResponse.newBuilder()
              .setMessage("Hello, " + request.getName() + ", from " + id)
              .build());
      out.onCompleted();
    }
  }
}
