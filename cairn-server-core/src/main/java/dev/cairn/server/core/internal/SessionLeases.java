package dev.cairn.server.core.internal;

import dev.cairn.common.CairnException;
import dev.cairn.common.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The leases of open sessions: when each expires unless renewed. Kept in memory on the node that
 * serves the sessions, never logged; only a lease running out becomes a logged command.
 * Thread-safe.
 */
final class SessionLeases {

  private final ConcurrentHashMap<String, Lease> leases = new ConcurrentHashMap<>();
  private final Ticker ticker;
  // Written by expire(), which one thread runs at a time.
  private volatile OptionalLong nextDeadline = OptionalLong.empty();

  SessionLeases(Ticker ticker) {
    this.ticker = ticker;
  }

  /** Starts (or restarts) the lease of a session that the catalog holds. */
  void grant(String sessionId, long ttlMillis) {
    leases.put(sessionId, new Lease(ttlMillis * 1_000_000L, ticker.nanos()));
  }

  /**
   * Renews a lease and returns its TTL in milliseconds.
   *
   * @throws CairnException NOT_FOUND when there is no live lease
   */
  long renew(String sessionId) {
    Lease lease = leases.get(sessionId);
    if (lease == null || !lease.renew(ticker.nanos())) {
      throw CairnException.notFound("session", sessionId);
    }
    return lease.ttlNanos / 1_000_000L;
  }

  /** Whether the session has a live (not expiring) lease. */
  boolean isLive(String sessionId) {
    Lease lease = leases.get(sessionId);
    return lease != null && !lease.isEnding();
  }

  /** Whether the session has a lease, live or ending. */
  boolean isKnown(String sessionId) {
    return leases.containsKey(sessionId);
  }

  /**
   * Starts every live lease's clock afresh (a new leader, as etcd does): whatever renewals went to
   * the old leader are unknown here, so every session gets its whole TTL from now.
   */
  void refreshAll() {
    long now = ticker.nanos();
    for (Lease l : leases.values()) {
      l.renew(now);
    }
  }

  /**
   * Records that member {@code memberId} now holds the session's stream: its client opened or
   * resumed it there (decision 0186). Does nothing for a session without a lease.
   */
  void claim(String sessionId, String memberId) {
    Lease lease = leases.get(sessionId);
    if (lease != null) {
      lease.holder(memberId, true);
    }
  }

  /**
   * Records that member {@code memberId} renewed the session: it becomes the session's holder only
   * when none is known (a renewal may be a stale one, sent again after a partition healed).
   */
  void renewedBy(String sessionId, String memberId) {
    Lease lease = leases.get(sessionId);
    if (lease != null) {
      lease.holder(memberId, false);
    }
  }

  /** The member that holds the session's stream, {@code ""} when unknown. */
  String holder(String sessionId) {
    Lease lease = leases.get(sessionId);
    return lease == null ? "" : lease.holder();
  }

  /** Forgets which member holds each session (a leadership change: they are learnt again). */
  void forgetHolders() {
    for (Lease l : leases.values()) {
      l.holder("", true);
    }
  }

  /** Forgets every lease (before a restore grants them anew). */
  void clear() {
    leases.clear();
  }

  /** Makes the lease run out after {@code graceNanos} unless renewed before. */
  void shorten(String sessionId, long graceNanos) {
    Lease lease = leases.get(sessionId);
    if (lease != null) {
      lease.shorten(ticker.nanos() + graceNanos);
    }
  }

  /**
   * Marks the session as ending (no more renewals) and returns whether this call did so; the caller
   * then logs its close.
   */
  boolean end(String sessionId) {
    Lease lease = leases.get(sessionId);
    return lease != null && lease.end();
  }

  /** Forgets a session the catalog closed. */
  void remove(String sessionId) {
    leases.remove(sessionId);
  }

  /** The number of leases past their deadline and not yet ending. */
  int due() {
    long now = ticker.nanos();
    int n = 0;
    for (Lease l : leases.values()) {
      if (l.isDue(now)) {
        n++;
      }
    }
    return n;
  }

  /**
   * Marks every lease past its deadline as ending and returns their session ids; afterwards {@link
   * #nextDeadline()} tells when the next live lease runs out.
   */
  List<String> expire() {
    long now = ticker.nanos();
    List<String> expired = new ArrayList<>();
    OptionalLong next = OptionalLong.empty();
    for (var e : leases.entrySet()) {
      Lease lease = e.getValue();
      if (lease.expireIfDue(now)) {
        expired.add(e.getKey());
        continue;
      }
      OptionalLong deadline = lease.liveDeadline();
      if (deadline.isPresent() && (next.isEmpty() || deadline.getAsLong() - next.getAsLong() < 0)) {
        next = deadline;
      }
    }
    nextDeadline = next;
    return expired;
  }

  /**
   * The earliest deadline of the live leases seen by the last {@link #expire()} (renewals since may
   * have moved it later, never earlier), in {@link Ticker#nanos()}; absent when there was none.
   */
  OptionalLong nextDeadline() {
    return nextDeadline;
  }

  int size() {
    return leases.size();
  }

  /** One lease; guarded by itself. */
  private static final class Lease {
    final long ttlNanos;
    private long deadlineNanos;
    private boolean ending;
    private String holder = "";

    Lease(long ttlNanos, long now) {
      this.ttlNanos = ttlNanos;
      this.deadlineNanos = now + ttlNanos;
    }

    synchronized boolean renew(long now) {
      if (ending) {
        return false;
      }
      deadlineNanos = now + ttlNanos;
      return true;
    }

    synchronized void shorten(long deadline) {
      if (deadline - deadlineNanos < 0) {
        deadlineNanos = deadline;
      }
    }

    synchronized void holder(String memberId, boolean replace) {
      if (replace || holder.isEmpty()) {
        holder = memberId;
      }
    }

    synchronized String holder() {
      return holder;
    }

    synchronized boolean isEnding() {
      return ending;
    }

    synchronized boolean end() {
      if (ending) {
        return false;
      }
      ending = true;
      return true;
    }

    /** The deadline; absent when ending. */
    synchronized OptionalLong liveDeadline() {
      return ending ? OptionalLong.empty() : OptionalLong.of(deadlineNanos);
    }

    synchronized boolean isDue(long now) {
      return !ending && now - deadlineNanos >= 0;
    }

    synchronized boolean expireIfDue(long now) {
      if (ending || now - deadlineNanos < 0) {
        return false;
      }
      ending = true;
      return true;
    }
  }
}
