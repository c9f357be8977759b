package dev.cairn.spring;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How a drain on shutdown ended: whether the registry confirmed that every watcher of the service
 * received the instance's removal, how long the application waited, and what was still pending.
 * Immutable.
 */
public final class DrainResult {

  private final boolean confirmed;
  private final Duration waited;
  private final String detail;

  private DrainResult(boolean confirmed, Duration waited, String detail) {
    this.confirmed = confirmed;
    this.waited = requireNonNull(waited, "waited");
    this.detail = requireNonNull(detail, "detail");
  }

  /** Every watcher received the removal after {@code waited}. */
  public static DrainResult confirmed(Duration waited) {
    return new DrainResult(true, waited, "every watcher acknowledged the removal");
  }

  /** The wait ended without a confirmation (time out, or no confirmation available); says why. */
  public static DrainResult unconfirmed(Duration waited, String detail) {
    return new DrainResult(false, waited, detail);
  }

  public boolean isConfirmed() {
    return confirmed;
  }

  public Duration waited() {
    return waited;
  }

  /** What happened, for logs and the actuator endpoint. */
  public String detail() {
    return detail;
  }

  @Override
  public String toString() {
    return (confirmed ? "confirmed" : "unconfirmed") + " after " + waited + ": " + detail;
  }
}
