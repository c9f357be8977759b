package dev.cairn.http;

import dev.cairn.client.CairnClient;
import dev.cairn.testing.CairnServerExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Per test, two clients of one test registry — {@link #servers()} registers the test servers,
 * {@link #callers()} calls them — and whatever the test started, closed after it in reverse order,
 * then the clients. Register it as an instance field with {@code @RegisterExtension}.
 */
final class ClientPair implements BeforeEachCallback, AfterEachCallback {

  private final CairnServerExtension registry;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private CairnClient servers;
  private CairnClient callers;

  ClientPair(CairnServerExtension registry) {
    this.registry = registry;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    servers = CairnClient.builder().registries(registry.grpcTarget()).shutdownHook(false).build();
    callers = CairnClient.builder().registries(registry.grpcTarget()).shutdownHook(false).build();
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    closeables.clear();
    servers.close();
    callers.close();
  }

  /** The client the test servers register with. */
  CairnClient servers() {
    return servers;
  }

  /** The client that calls them. */
  CairnClient callers() {
    return callers;
  }

  /** Closes {@code c} when the test ends, before what was registered earlier. */
  <T extends AutoCloseable> T closing(T c) {
    closeables.add(0, c);
    return c;
  }
}
