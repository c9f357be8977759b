package dev.cairn.server.core.internal;

import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import java.util.List;

/**
 * A mutation of the catalog. Commands are the only way the catalog changes; they are logged,
 * replicated and applied in order. Everything a command needs is inside it (ids are chosen before
 * it is logged), so applying it is deterministic.
 */
sealed interface Command {

  /**
   * Registers or replaces an instance (id already set). An instance owned by another open session
   * than the new one's is replaced only {@code anySession} (decision 0165); the new owner's secret
   * was checked before logging.
   */
  record Register(String namespace, Instance instance, boolean anySession) implements Command {

    /** A registration that may replace any session's instance (what format 1 and 2 meant). */
    Register(String namespace, Instance instance) {
      this(namespace, instance, true);
    }
  }

  /**
   * Removes an instance. One owned by an open session is removed only by that session ({@code
   * asSession}, whose secret was checked before logging), or {@code anySession}.
   */
  record Deregister(
      String namespace, String service, String instanceId, String asSession, boolean anySession)
      implements Command {

    /** A removal that may remove any session's instance (what format 1 and 2 meant). */
    Deregister(String namespace, String service, String instanceId) {
      this(namespace, service, instanceId, "", true);
    }
  }

  /**
   * Opens a session with a server-chosen id and the SHA-256 hash of its secret (null for a session
   * opened before sessions had secrets: nobody can prove it).
   */
  record OpenSession(String sessionId, long ttlMillis, String clientName, byte[] secretHash)
      implements Command {

    /** A session without a secret, as format 1 and 2 logged them. */
    OpenSession(String sessionId, long ttlMillis, String clientName) {
      this(sessionId, ttlMillis, clientName, null);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof OpenSession other
          && sessionId.equals(other.sessionId)
          && ttlMillis == other.ttlMillis
          && clientName.equals(other.clientName)
          && java.util.Arrays.equals(secretHash, other.secretHash);
    }

    @Override
    public int hashCode() {
      return sessionId.hashCode();
    }

    @Override
    public String toString() {
      return "OpenSession[sessionId=" + sessionId + ", ttlMillis=" + ttlMillis + "]";
    }
  }

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

  /**
   * Creates an ACL token: its public accessor id, the SHA-256 hash of its secret, a description and
   * the names of its policies. The {@code bootstrap} one fails once a bootstrap was applied. Names
   * of policies that do not exist when it is applied are not linked (decision 0164).
   */
  record CreateAclToken(
      String accessorId,
      byte[] secretHash,
      String description,
      java.util.List<String> policies,
      boolean bootstrap)
      implements Command {

    public CreateAclToken {
      policies = java.util.List.copyOf(policies);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof CreateAclToken other
          && accessorId.equals(other.accessorId)
          && java.util.Arrays.equals(secretHash, other.secretHash)
          && description.equals(other.description)
          && policies.equals(other.policies)
          && bootstrap == other.bootstrap;
    }

    @Override
    public int hashCode() {
      return accessorId.hashCode();
    }

    @Override
    public String toString() {
      return "CreateAclToken[accessorId=" + accessorId + ", policies=" + policies + "]";
    }
  }

  /** Deletes an ACL token. */
  record DeleteAclToken(String accessorId) implements Command {}

  /** Creates an ACL policy. */
  record CreateAclPolicy(dev.cairn.server.core.acl.Policy policy) implements Command {}

  /**
   * Deletes an ACL policy and removes its name from every token bound to it, in the same step
   * (decision 0164): a policy created later under that name is not theirs.
   */
  record DeleteAclPolicy(String name) implements Command {}

  /**
   * A command with who made it and when the server that took it accepted it (epoch milliseconds),
   * for the audit (decision 0171). Wraps any command but these two; commands logged before format 5
   * come without it.
   */
  record Authored(dev.cairn.server.core.Author author, long atMillis, Command command)
      implements Command {
    public Authored {
      if (command instanceof Authored || command instanceof Forwarded) {
        throw new IllegalArgumentException("an authored command cannot wrap " + command);
      }
    }
  }

  /**
   * Commands another member forwarded to the leader as its batch {@code batchId}, applied in order
   * and kept together in one entry. Applying it remembers the batch's results under its id ({@link
   * ForwardedWrites}), so a forward sent again after a failover is answered, not applied twice.
   * Never nested.
   */
  record Forwarded(long batchId, List<Command> commands) implements Command {
    public Forwarded {
      commands = List.copyOf(commands);
      for (Command c : commands) {
        if (c instanceof Forwarded) {
          throw new IllegalArgumentException("a forwarded batch inside another");
        }
      }
    }
  }
}
