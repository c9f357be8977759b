package dev.cairn.server.core;

/**
 * An open session: its id, its secret, its TTL in milliseconds, and whether opening it resumed an
 * existing session. The secret is set only when the session was opened now: it is handed out this
 * once (the registry keeps only its hash); a resumed session's holder already has it.
 */
public record SessionInfo(
    String id, String secret, long ttlMillis, boolean resumed, long revision) {}
