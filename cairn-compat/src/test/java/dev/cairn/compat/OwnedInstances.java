package dev.cairn.compat;

import dev.cairn.common.Instance;
import dev.cairn.common.InstanceKind;
import dev.cairn.server.core.Registry;
import dev.cairn.server.core.SessionAccess;
import dev.cairn.server.core.SessionInfo;
import java.time.Duration;

/** Instances a client of the server's API holds in a session of its own, for the tests. */
final class OwnedInstances {

  private OwnedInstances() {}

  /**
   * Opens a session, as a client of the API does, and registers into it, with its secret, one
   * instance at {@code address} (port {@code http} 8080) per {@code "service/id"} of the {@code
   * default} namespace. Returns the session.
   */
  static SessionInfo open(Registry registry, String address, String... serviceSlashIds) {
    SessionInfo owner =
        registry.openSession(Duration.ofSeconds(60), "", SessionAccess.none(), "owner").join();
    for (String s : serviceSlashIds) {
      int slash = s.indexOf('/');
      registry
          .register(
              "default",
              Instance.builder(s.substring(0, slash), address)
                  .id(s.substring(slash + 1))
                  .port("http", 8080)
                  .kind(InstanceKind.EPHEMERAL)
                  .sessionId(owner.id())
                  .build(),
              SessionAccess.secret(owner.secret()))
          .join();
    }
    return owner;
  }
}
