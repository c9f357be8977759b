package dev.cairn.server.core;

/**
 * Counters of the registry's health checks since it started, for status pages and metrics.
 * Immutable.
 *
 * @param checkedInstances instances with a check now
 * @param probesStarted probes started (TTL evaluations excluded)
 * @param probesTimedOut probes that ran into their timeout
 * @param probesSkipped runs skipped because the previous probe of the instance was still running
 * @param probesInFlight probes running now
 * @param probesWaiting probes waiting for a free slot ({@link RegistryOptions#maxConcurrentProbes})
 * @param suppressed instances held critical by flap damping now
 * @param transitions health changes submitted by the checks
 * @param latenessP50Micros median delay of a run behind its planned start, in microseconds (upper
 *     bound of a histogram bucket, within 19%)
 * @param latenessP99Micros 99th percentile of the same
 * @param latenessMaxMicros largest delay seen
 */
public record HealthCheckStats(
    int checkedInstances,
    long probesStarted,
    long probesTimedOut,
    long probesSkipped,
    int probesInFlight,
    int probesWaiting,
    int suppressed,
    long transitions,
    long latenessP50Micros,
    long latenessP99Micros,
    long latenessMaxMicros) {}
