package dev.cairn.loadgen.internal;

import dev.cairn.proto.v1.Instance;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code loadgen client}: the child process of W4. Opens a session over gRPC, registers its
 * instances in it, keeps it alive every ttl/3, prints {@code ready <session id>} on stdout, then
 * stays until its stdin closes (its parent ended it or died), the session stream breaks, or {@code
 * --max-seconds} pass; then closes the session and exits.
 */
@Command(
    name = "client",
    mixinStandardHelpOptions = true,
    description = "W4's child process: holds a session with instances until stdin closes.")
public final class ClientCommand implements Callable<Integer> {

  @Option(
      names = "--grpc",
      defaultValue = "127.0.0.1:8501",
      description = "gRPC host:port (loopback).")
  String grpc;

  @Option(names = "--namespace", defaultValue = "default", description = "Namespace.")
  String namespace;

  @Option(names = "--service", required = true, description = "Service to register in.")
  String service;

  @Option(names = "--instances", defaultValue = "10", description = "Instances to register.")
  int instances;

  @Option(
      names = "--id-prefix",
      defaultValue = "c",
      description = "Instance ids are <prefix>-NNNNNN.")
  String idPrefix;

  @Option(names = "--ttl-ms", defaultValue = "5000", description = "Session TTL in milliseconds.")
  long ttlMillis;

  @Option(
      names = "--max-seconds",
      defaultValue = "300",
      description = "Exit after this long at most.")
  long maxSeconds;

  public ClientCommand() {}

  @Override
  public Integer call() throws Exception {
    return run(System.in, System.out, System.err);
  }

  int run(InputStream stdin, PrintStream out, PrintStream err) throws Exception {
    Target target = Target.ofGrpc(grpc);
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(RunContext.daemonThreads("loadgen-client"));
    ManagedChannel channel = target.newChannel();
    try {
      SessionStream session =
          SessionStream.open(
                  channel, Duration.ofMillis(ttlMillis), "loadgen-client-" + idPrefix, scheduler)
              .get(10, TimeUnit.SECONDS);
      Pipeline.Result registered =
          Pipeline.run(
              instances,
              1,
              8,
              k -> {
                Instance instance = Instances.of(service, Instances.id(idPrefix, k), k);
                return session.register(namespace, instance);
              },
              new Latency(),
              Duration.ofSeconds(30));
      if (registered.succeeded() != instances) {
        err.println(
            "client: registered "
                + registered.succeeded()
                + " of "
                + instances
                + ": "
                + registered.firstError());
        session.close(Duration.ofSeconds(2));
        return 1;
      }
      out.println("ready " + session.sessionId());
      out.flush();

      CompletableFuture<Void> stdinClosed = new CompletableFuture<>();
      Thread reader =
          new Thread(
              () -> {
                try {
                  while (stdin.read() >= 0) {
                    // nothing is sent on stdin; EOF means the parent is done
                  }
                } catch (IOException e) {
                  // treated like EOF
                }
                stdinClosed.complete(null);
              },
              "loadgen-client-stdin");
      reader.setDaemon(true);
      reader.start();
      try {
        CompletableFuture.anyOf(stdinClosed, session.ended()).get(maxSeconds, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        // bounded lifetime reached
      }
      boolean broken = session.ended().isDone();
      session.close(Duration.ofSeconds(2));
      if (broken) {
        err.println("client: session stream ended by the server");
        return 1;
      }
      return 0;
    } finally {
      Target.shutdown(channel);
      scheduler.shutdownNow();
    }
  }
}
