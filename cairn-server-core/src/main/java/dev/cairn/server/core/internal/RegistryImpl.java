package dev.cairn.server.core.internal;

import dev.cairn.common.Instance;
import dev.cairn.server.core.RegistryOptions;
import dev.cairn.server.core.ServiceList;
import dev.cairn.server.core.ServiceSnapshot;
import dev.cairn.server.core.SessionInfo;
import dev.cairn.server.core.Watch;
import dev.cairn.server.core.WatchListener;
import dev.cairn.server.core.log.CommandLog;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** The registry's implementation; see {@link dev.cairn.server.core.Registry}. */
public final class RegistryImpl {

  public static RegistryImpl start(CommandLog log, RegistryOptions options) throws IOException {
    throw new UnsupportedOperationException("being written");
  }

  public CompletableFuture<Instance> register(String namespace, Instance instance) {
    throw new UnsupportedOperationException();
  }

  public CompletableFuture<Long> deregister(String namespace, String service, String id) {
    throw new UnsupportedOperationException();
  }

  public CompletableFuture<SessionInfo> openSession(Duration ttl, String resumeId, String name) {
    throw new UnsupportedOperationException();
  }

  public long keepAlive(String sessionId) {
    throw new UnsupportedOperationException();
  }

  public CompletableFuture<Long> closeSession(String sessionId) {
    throw new UnsupportedOperationException();
  }

  public void detachSession(String sessionId) {
    throw new UnsupportedOperationException();
  }

  public ServiceSnapshot service(String namespace, String service) {
    throw new UnsupportedOperationException();
  }

  public ServiceList services(String namespace) {
    throw new UnsupportedOperationException();
  }

  public long revision() {
    throw new UnsupportedOperationException();
  }

  public int instanceCount() {
    throw new UnsupportedOperationException();
  }

  public int sessionCount() {
    throw new UnsupportedOperationException();
  }

  public Watch watchService(String ns, String service, long from, WatchListener listener) {
    throw new UnsupportedOperationException();
  }

  public Watch watchServices(String ns, long from, WatchListener listener) {
    throw new UnsupportedOperationException();
  }

  public CompletableFuture<Void> awaitService(String ns, String service, long after) {
    throw new UnsupportedOperationException();
  }

  public CompletableFuture<Void> awaitServices(String ns, long after) {
    throw new UnsupportedOperationException();
  }

  public void close() {}
}
