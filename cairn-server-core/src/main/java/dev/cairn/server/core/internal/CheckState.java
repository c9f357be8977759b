package dev.cairn.server.core.internal;

import dev.cairn.common.Health;

/**
 * The judgement of one instance's health check: rise/fall counting and flap damping. Pure logic,
 * driven by results and the time they came at; not thread-safe (owned by the health thread).
 *
 * <p>Rise/fall: a result that differs from the current state must repeat {@code rise} times in a
 * row (towards passing) or {@code fall} times (towards warning or critical) before the state
 * changes. A result equal to the current state resets the streak.
 *
 * <p>Flap damping (after BGP route-flap damping): every state change adds {@value #PENALTY} to a
 * penalty that halves every half-life. When it passes {@value #SUPPRESS} the instance is held
 * critical ("suppressed") whatever its results; once it decays below {@value #REUSE} the current
 * state shows again. The penalty is capped at {@value #MAX_PENALTY}, so a target that stops
 * flapping is released within {@code log2(MAX_PENALTY / REUSE)} half-lives (about 2.4).
 */
final class CheckState {

  static final double PENALTY = 1.0;
  static final double SUPPRESS = 3.5;
  static final double REUSE = 1.5;
  static final double MAX_PENALTY = 8.0;

  private final long halfLifeNanos;
  private Health current;
  private Health candidate;
  private int streak;
  private double penalty;
  private long penaltyAtNanos;
  private boolean suppressed;

  /** A state starting at {@code initial}; {@code halfLifeNanos} 0 turns damping off. */
  CheckState(Health initial, long halfLifeNanos) {
    this.current = initial;
    this.halfLifeNanos = halfLifeNanos;
  }

  /** Counts one probe result and returns the health to show. */
  Health onResult(Health result, int rise, int fall, long now) {
    if (result == current) {
      candidate = null;
      streak = 0;
    } else {
      if (result == candidate) {
        streak++;
      } else {
        candidate = result;
        streak = 1;
      }
      if (streak >= (result == Health.PASSING ? rise : fall)) {
        change(result, now);
      }
    }
    return shown(now);
  }

  /** Takes {@code health} at once (a TTL report or silence); damping still applies. */
  Health force(Health health, long now) {
    candidate = null;
    streak = 0;
    if (health != current) {
      change(health, now);
    }
    return shown(now);
  }

  /** Restarts counting from {@code health}, e.g. after the owner re-registered the instance. */
  void reset(Health health) {
    current = health;
    candidate = null;
    streak = 0;
  }

  /** The health to show now: critical while suppressed, else the current state. */
  Health shown(long now) {
    if (suppressed && decayed(now) < REUSE) {
      suppressed = false;
    }
    return suppressed ? Health.CRITICAL : current;
  }

  /** The state from results alone, damping aside. */
  Health current() {
    return current;
  }

  boolean suppressed() {
    return suppressed;
  }

  /** The penalty at {@code now}. */
  double penalty(long now) {
    return decayed(now);
  }

  private void change(Health to, long now) {
    current = to;
    candidate = null;
    streak = 0;
    if (halfLifeNanos == 0) {
      return;
    }
    penalty = Math.min(MAX_PENALTY, decayed(now) + PENALTY);
    penaltyAtNanos = now;
    if (penalty > SUPPRESS) {
      suppressed = true;
    }
  }

  private double decayed(long now) {
    if (penalty == 0 || halfLifeNanos == 0) {
      return 0;
    }
    long elapsed = Math.max(0, now - penaltyAtNanos);
    return penalty * Math.pow(0.5, (double) elapsed / halfLifeNanos);
  }
}
