package dev.cairn.client.lb;

/** How one call to an endpoint ended, as the transport classifies it. */
public enum Outcome {
  /** The endpoint answered; the answer may still be an application-level error (e.g. 404). */
  SUCCESS,
  /** The call failed at the endpoint (5xx, {@code UNAVAILABLE}, reset, timeout). */
  FAILURE,
  /**
   * The endpoint said it is overloaded (HTTP 429, gRPC {@code RESOURCE_EXHAUSTED}): counted as slow
   * by latency-aware policies, not as a failure for ejection.
   */
  OVERLOADED,
  /** The connection was refused: the endpoint is not there, so it is ejected at once. */
  REFUSED
}
