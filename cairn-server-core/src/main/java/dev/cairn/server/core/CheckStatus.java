package dev.cairn.server.core;

import dev.cairn.common.Health;

/**
 * The state of one instance's health check as the registry's checker holds it in memory: the output
 * of its last probe (or TTL report) and how long ago it ran. Not part of the catalog: it changes on
 * every probe without a revision. Immutable.
 *
 * @param instanceId the checked instance
 * @param type the check's type label: {@code http}, {@code tcp}, {@code grpc} or {@code ttl}
 * @param health the health the instance shows now, as the checker judges it (flap damping included;
 *     the catalog follows once the change applies)
 * @param lastResult the health of the last probe or report, damping aside; null before the first
 * @param output what the last probe or report said ({@link ProbeResult#output()}); empty before the
 *     first
 * @param checkedAgoMillis milliseconds since the last probe or report; -1 before the first
 * @param consecutive how many results in a row equal {@code lastResult}; 0 before the first
 * @param suppressed whether flap damping holds the instance critical
 */
public record CheckStatus(
    String instanceId,
    String type,
    Health health,
    Health lastResult,
    String output,
    long checkedAgoMillis,
    int consecutive,
    boolean suppressed) {}
