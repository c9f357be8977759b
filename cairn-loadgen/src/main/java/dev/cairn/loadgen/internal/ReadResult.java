package dev.cairn.loadgen.internal;

/**
 * What one {@link ReadPlan} run read: good reads, errors, the time from the first request to the
 * last response, and the latency (request sent → last body byte) of the good reads.
 */
record ReadResult(long ok, long errors, long elapsedNanos, Latency latency) {

  /** Good reads per second. */
  double perSecond() {
    return elapsedNanos == 0 ? 0 : ok * 1e9 / elapsedNanos;
  }
}
