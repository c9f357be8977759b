package dev.cairn.server.core.internal;

import dev.cairn.server.core.SelfPreservationStatus;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether overdue sessions may expire now, or whether so many run out at once that the
 * registry, not the clients, is probably cut off: then expiry pauses.
 *
 * <p>Rule: the pause begins when there are at least {@code minSessions} sessions and the sessions
 * expired within the last {@code window} plus those due now exceed {@code threshold} of the
 * population (open sessions plus those expired within the window). It ends when the due sessions
 * fall below {@code threshold} of the open ones (keepalives came back; the few still due expire) or
 * after {@code maxPause} (then every due session expires). Thread-safe (one lock; called by the
 * session sweeper).
 */
final class SelfPreservation {

  private static final Logger log = LoggerFactory.getLogger(SelfPreservation.class);

  private final double threshold;
  private final long windowNanos;
  private final int minSessions;
  private final long maxPauseNanos;

  // Guarded by this.
  private final ArrayDeque<Long> expiredAt = new ArrayDeque<>();
  private boolean active;
  private long activeSinceNanos;
  private int held;
  private long activations;
  private long lastNowNanos;

  SelfPreservation(double threshold, long windowNanos, int minSessions, long maxPauseNanos) {
    this.threshold = threshold;
    this.windowNanos = windowNanos;
    this.minSessions = minSessions;
    this.maxPauseNanos = maxPauseNanos;
  }

  /**
   * Whether the {@code due} overdue sessions (out of {@code sessions} open ones, due included) may
   * expire at {@code now}. When it answers true the caller expires them, and they are counted.
   */
  synchronized boolean mayExpire(int due, int sessions, long now) {
    lastNowNanos = now;
    while (!expiredAt.isEmpty() && now - expiredAt.peekFirst() > windowNanos) {
      expiredAt.pollFirst();
    }
    if (threshold == 0) {
      return true;
    }
    if (active) {
      if (now - activeSinceNanos >= maxPauseNanos) {
        end(now, "after the longest pause; " + due + " overdue sessions expire now");
        return true;
      }
      if (due < threshold * Math.max(1, sessions)) {
        end(now, "keepalives came back; " + due + " overdue sessions expire now");
        return true;
      }
      held = due;
      return false;
    }
    if (due == 0) {
      return true;
    }
    int population = sessions + expiredAt.size();
    int expiring = expiredAt.size() + due;
    if (population >= minSessions && expiring > threshold * population) {
      active = true;
      activeSinceNanos = now;
      activations++;
      held = due;
      log.warn(
          "self-preservation: {} of {} sessions expired or are due within {} ms (threshold {}%);"
              + " session expiry paused — the registry is probably cut off from its clients",
          expiring, population, windowNanos / 1_000_000, Math.round(threshold * 100));
      return false;
    }
    for (int i = 0; i < due; i++) {
      expiredAt.addLast(now);
    }
    return true;
  }

  synchronized SelfPreservationStatus status() {
    return new SelfPreservationStatus(
        active,
        active ? Math.max(0, (lastNowNanos - activeSinceNanos) / 1_000_000) : 0,
        active ? held : 0,
        activations);
  }

  private void end(long now, String why) {
    active = false;
    held = 0;
    expiredAt.clear();
    log.warn("self-preservation ended after {} ms: {}", (now - activeSinceNanos) / 1_000_000, why);
  }
}
