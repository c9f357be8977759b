package dev.cairn.server.core;

/**
 * Whether session expiry is paused because too many sessions ran out at once (see {@code
 * docs/operations.md}). Immutable.
 *
 * @param active whether expiry is paused now
 * @param activeForMillis how long it has been paused, 0 when not active
 * @param heldSessions sessions past their lease that are kept alive by the pause
 * @param activations how often the pause began since the registry started
 */
public record SelfPreservationStatus(
    boolean active, long activeForMillis, int heldSessions, long activations) {}
