package dev.cairn.http;

import dev.cairn.client.CairnClient;
import dev.cairn.testing.CairnServerExtension;
import java.util.ArrayList;
import java.util.List;

/**
 * Two clients of one test registry — {@code servers} registers the test servers, {@code callers}
 * calls them — and whatever a test started, closed after it in reverse order, then the clients.
 */
final class ClientPair implements AutoCloseable {

  final CairnClient servers;
  final CairnClient callers;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  ClientPair(CairnServerExtension registry) {
    servers = CairnClient.builder().registries(registry.grpcTarget()).shutdownHook(false).build();
    callers = CairnClient.builder().registries(registry.grpcTarget()).shutdownHook(false).build();
  }

  /** Closes {@code c} when the test ends, before what was registered earlier. */
  <T extends AutoCloseable> T closing(T c) {
    closeables.add(0, c);
    return c;
  }

  @Override
  public void close() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    servers.close();
    callers.close();
  }
}
