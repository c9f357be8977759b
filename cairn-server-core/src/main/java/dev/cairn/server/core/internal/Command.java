package dev.cairn.server.core.internal;

import dev.cairn.common.Health;
import dev.cairn.common.Instance;

/**
 * A mutation of the catalog. Commands are the only way the catalog changes; they are logged,
 * replicated and applied in order. Everything a command needs is inside it (ids are chosen before
 * it is logged), so applying it is deterministic.
 */
sealed interface Command {

  /** Registers or replaces an instance (id already set). */
  record Register(String namespace, Instance instance) implements Command {}

  /** Removes an instance. */
  record Deregister(String namespace, String service, String instanceId) implements Command {}

  /** Opens a session with a server-chosen id. */
  record OpenSession(String sessionId, long ttlMillis, String clientName) implements Command {}

  /** Closes a session and removes its instances; {@code expired} when its lease ran out. */
  record CloseSession(String sessionId, boolean expired) implements Command {}

  /** Sets an instance's health (from the owner or from the server's checks). */
  record SetHealth(String namespace, String service, String instanceId, Health health)
      implements Command {}

  /**
   * Sets a service's settings: its protection threshold (0..1; a negative value means the
   * registry's default).
   */
  record SetServiceConfig(String namespace, String service, double protectionThreshold)
      implements Command {}
}
