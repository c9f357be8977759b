package dev.cairn.server.core.internal;

import dev.cairn.common.Ticker;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * On a member of a cluster: how long each session's keepalives here waited for the leader's lease,
 * so that the end of a session's stream can be told apart (decision 0194). A client gives a member
 * up when its keepalives go unanswered for half the TTL (decision 0185) and resumes the session on
 * another member: that stream's end is a client moving, not a client gone, and must not end the
 * session. A stream that ends while its keepalives are answered is a client gone, as before.
 *
 * <p>A wait counts as long from a sixth of the session's TTL (the least a client that gives up has
 * waited, decision 0185's schedule), and never less than {@code minimum}. A long wait answered just
 * before the stream ended counts too, for as long again: the answer may have crossed the client's
 * decision on the wire.
 *
 * <p>Thread-safe.
 */
final class KeepAliveWaits {

  /**
   * The oldest keepalive of a session still waiting, or the last one answered after a long wait.
   */
  private record Wait(long since, long longNanos, boolean answered, long answeredAt) {}

  private final ConcurrentHashMap<String, Wait> waits = new ConcurrentHashMap<>();
  private final Ticker ticker;
  private final long minimumNanos;

  KeepAliveWaits(Ticker ticker, Duration minimum) {
    this.ticker = ticker;
    this.minimumNanos = minimum.toNanos();
  }

  /**
   * A keepalive of a session whose TTL is {@code ttlMillis} starts waiting for the leader; returns
   * what {@link #answered} takes when it is answered.
   */
  long waiting(String sessionId, long ttlMillis) {
    long now = ticker.nanos();
    long longNanos = Math.max(minimumNanos, ttlMillis * 1_000_000L / 6);
    return waits
        .compute(
            sessionId,
            (k, old) -> old == null || old.answered() ? new Wait(now, longNanos, false, 0) : old)
        .since();
  }

  /** The keepalive that {@link #waiting} returned {@code since} for was answered. */
  void answered(String sessionId, long since) {
    long now = ticker.nanos();
    waits.computeIfPresent(
        sessionId,
        (k, w) -> {
          if (w.answered() || w.since() != since) {
            return w; // answered with an older one, or superseded
          }
          return now - since >= w.longNanos() ? new Wait(since, w.longNanos(), true, now) : null;
        });
  }

  /**
   * The session's stream here ended: whether its client left it for want of answers, its oldest
   * keepalive waiting a long time, or answered after a long wait only just now. Forgets the
   * session's waits either way.
   */
  boolean leftUnanswered(String sessionId) {
    Wait w = waits.remove(sessionId);
    if (w == null) {
      return false;
    }
    long now = ticker.nanos();
    return w.answered() ? now - w.answeredAt() <= w.longNanos() : now - w.since() >= w.longNanos();
  }

  /** Forgets a session that closed. */
  void forget(String sessionId) {
    waits.remove(sessionId);
  }

  int size() {
    return waits.size();
  }
}
