package dev.cairn.loadgen.internal;

import dev.cairn.client.CairnClient;
import dev.cairn.client.Registration;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * How a series of W2 ({@link WatchLatencyWorkload}) writes: registers instance {@code id} (the
 * {@code index}th) of {@code service} or deregisters it, completing when the write is acknowledged.
 * Two kinds: unary calls, and the SDK.
 */
interface WatchWriter {

  CompletableFuture<Void> register(String service, String id, int index);

  CompletableFuture<Void> deregister(String service, String id);

  /** Unary {@code Register} and {@code Deregister} calls of persistent instances. */
  static final class Unary implements WatchWriter {
    private final ManagedChannel channel;
    private final String namespace;
    // instances registered and not yet deregistered, removed at the end whatever happens
    private final Set<String> live = ConcurrentHashMap.newKeySet();

    Unary(ManagedChannel channel, String namespace) {
      this.channel = channel;
      this.namespace = namespace;
    }

    @Override
    public CompletableFuture<Void> register(String service, String id, int index) {
      return Calls.register(channel, namespace, Instances.of(service, id, index))
          .thenAccept(r -> live.add(id));
    }

    @Override
    public CompletableFuture<Void> deregister(String service, String id) {
      return Calls.deregister(channel, namespace, service, id).thenAccept(r -> live.remove(id));
    }

    /** Deregisters what is left (bounded) and shuts the channel down. */
    void close(String service) throws Exception {
      try {
        for (String id : live) {
          Calls.deregister(channel, namespace, service, id)
              .handle((r, e) -> null)
              .get(10, TimeUnit.SECONDS);
        }
      } finally {
        Target.shutdown(channel);
      }
    }
  }

  /**
   * A {@code CairnClient}: ephemeral instances in its session, {@code register(instance)} then
   * {@code registered()}, and {@code deregister()}; closing it removes what is left.
   */
  static final class Sdk implements WatchWriter, AutoCloseable {
    private final CairnClient client;
    private final Map<String, Registration> registrations = new ConcurrentHashMap<>();

    Sdk(Target target, String namespace, Duration sessionTtl) {
      this.client =
          target
              .sdkClient()
              .namespace(namespace)
              .sessionTtl(sessionTtl)
              .clientName("loadgen-w2-sdk")
              .shutdownHook(false)
              .build();
    }

    @Override
    public CompletableFuture<Void> register(String service, String id, int index) {
      Registration r = client.register(Instances.sdk(service, id, index));
      registrations.put(id, r);
      return r.registered().thenAccept(i -> {});
    }

    @Override
    public CompletableFuture<Void> deregister(String service, String id) {
      Registration r = registrations.remove(id);
      return r == null
          ? CompletableFuture.failedFuture(new IllegalStateException(id + ": not registered"))
          : r.deregister();
    }

    @Override
    public void close() {
      client.close();
    }
  }
}
