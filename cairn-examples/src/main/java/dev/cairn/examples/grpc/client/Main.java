package dev.cairn.examples.grpc.client;

import dev.cairn.examples.grpc.hello.HelloRequest;
import dev.cairn.examples.grpc.hello.HelloServiceGrpc;
import dev.cairn.grpc.CairnGrpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Calls {@code cairn:///hello} five times a second and prints who answered; start and stop servers
 * meanwhile. Run from the repository root:
 *
 * <pre>mvn -B -q -pl cairn-examples -am verify -DskipTests -Dexample=grpc.client</pre>
 *
 * {@code -Dcairn.registries=...} names the registries; {@code -Dcalls=N} the number of calls (600,
 * i.e. two minutes, by default).
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) throws Exception {
    run(Integer.getInteger("calls", 600), Duration.ofMillis(200), System.out);
  }

  /**
   * Makes {@code calls} calls, {@code pause} apart (bounded by both), on {@code cairn:///hello};
   * returns how many each instance answered ("failed" counts failures).
   */
  public static Map<String, Integer> run(int calls, Duration pause, PrintStream out)
      throws InterruptedException {
    ManagedChannel channel = CairnGrpc.channelBuilder("cairn:///hello").build();
    Map<String, Integer> answered = new TreeMap<>();
    try {
      HelloServiceGrpc.HelloServiceBlockingStub hello = HelloServiceGrpc.newBlockingStub(channel);
      for (int i = 1; i <= calls; i++) {
        String who;
        try {
          String message =
              hello
                  .withDeadlineAfter(2, TimeUnit.SECONDS)
                  .sayHello(HelloRequest.newBuilder().setName("call " + i).build())
                  .getMessage();
          out.println(message);
          who = message.substring(message.lastIndexOf(' ') + 1);
        } catch (StatusRuntimeException e) {
          out.println("call " + i + " failed: " + e.getStatus());
          who = "failed";
        }
        answered.merge(who, 1, Integer::sum);
        Thread.sleep(pause.toMillis());
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    out.println("answers: " + answered);
    return answered;
  }
}
