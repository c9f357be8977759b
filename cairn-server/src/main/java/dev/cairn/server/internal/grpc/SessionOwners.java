package dev.cairn.server.internal.grpc;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Which session stream owns each session. Only the owning stream may detach its session when it
 * breaks: after a client resumed its session on a new stream, the old stream's late break must not
 * close it. Thread-safe.
 */
final class SessionOwners {

  private final ConcurrentHashMap<String, SessionCall> owners = new ConcurrentHashMap<>();

  /** Makes {@code call} the owner of {@code sessionId}; a previous owner is told it lost it. */
  void claim(String sessionId, SessionCall call) {
    SessionCall previous = owners.put(sessionId, call);
    if (previous != null && previous != call) {
      previous.superseded(sessionId);
    }
  }

  /** Drops {@code call}'s ownership; true when it was the owner. */
  boolean release(String sessionId, SessionCall call) {
    return owners.remove(sessionId, call);
  }
}
