package dev.cairn.server.core;

/**
 * An open session: its id, its TTL in milliseconds, and whether opening it resumed an existing
 * session.
 */
public record SessionInfo(String id, long ttlMillis, boolean resumed, long revision) {}
