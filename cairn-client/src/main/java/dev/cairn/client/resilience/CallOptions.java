package dev.cairn.client.resilience;

import static java.util.Objects.requireNonNull;

import dev.cairn.client.lb.PickContext;
import java.time.Duration;

/**
 * Per-call settings for a {@link CallRunner}: the deadline (default: the service's {@link
 * CallPolicy#deadline()}), whether the call is idempotent (only idempotent calls are retried after
 * they may have reached a server; default false) and the pick context (hash key). Immutable.
 */
public final class CallOptions {

  /** Not idempotent, the service's deadline, no hash key. */
  public static final CallOptions DEFAULT = new CallOptions(null, false, PickContext.NONE);

  private final Duration deadline;
  private final boolean idempotent;
  private final PickContext pickContext;

  private CallOptions(Duration deadline, boolean idempotent, PickContext pickContext) {
    this.deadline = deadline;
    this.idempotent = idempotent;
    this.pickContext = pickContext;
  }

  /** Options for an idempotent call (safe to send again), otherwise the defaults. */
  public static CallOptions idempotent() {
    return new CallOptions(null, true, PickContext.NONE);
  }

  /** These options with {@code deadline} (all attempts included; &gt; 0). */
  public CallOptions withDeadline(Duration deadline) {
    requireNonNull(deadline, "deadline");
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline: " + deadline + " (expected: > 0)");
    }
    return new CallOptions(deadline, idempotent, pickContext);
  }

  /** These options with the idempotency flag set to {@code idempotent}. */
  public CallOptions withIdempotent(boolean idempotent) {
    return new CallOptions(deadline, idempotent, pickContext);
  }

  /** These options with {@code pickContext} (e.g. a hash key for ring hash). */
  public CallOptions withPickContext(PickContext pickContext) {
    return new CallOptions(deadline, idempotent, requireNonNull(pickContext, "pickContext"));
  }

  /** The call's own deadline, or null for the service's. */
  public Duration deadline() {
    return deadline;
  }

  public boolean isIdempotent() {
    return idempotent;
  }

  public PickContext pickContext() {
    return pickContext;
  }
}
