package dev.cairn.client.internal;

import dev.cairn.common.Health;
import dev.cairn.common.Instance;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Decides which instances a view shows when the registry's list shrinks. A removal of instances
 * that were last seen non-passing (WARNING or CRITICAL) is applied at once: health confirmed it.
 * Otherwise an update that would empty the service, or remove more than {@code maxShare} of what
 * the view shows at once, is held back: the instances stay shown (as "withheld") until the registry
 * lists them again, or until a registry read made at least {@code confirmDelayNanos} after the hold
 * began still lacks them.
 *
 * <p>Not thread-safe: owned by one view, used on the client's event thread. Time comes from the
 * caller.
 */
final class RemovalGuard {

  private final boolean enabled;
  private final double maxShare;
  private final long confirmDelayNanos;
  // Withheld instances by id, with when their hold began.
  private final Map<String, Held> held = new LinkedHashMap<>();

  RemovalGuard(boolean enabled, double maxShare, long confirmDelayNanos) {
    this.enabled = enabled;
    this.maxShare = maxShare;
    this.confirmDelayNanos = confirmDelayNanos;
  }

  /**
   * What to show after the registry's list became {@code truth}.
   *
   * @param shown what the view shows now, by id
   * @param truth what the registry lists now, by id
   * @param read whether {@code truth} comes from a fresh registry read (a reconcile), which may
   *     confirm held removals
   * @return what to show, sorted by id
   */
  Map<String, Instance> apply(
      Map<String, Instance> shown, Map<String, Instance> truth, boolean read, long nowNanos) {
    held.keySet().removeIf(truth::containsKey);
    Set<String> confirmed = new HashSet<>();
    if (read) {
      for (Iterator<Held> it = held.values().iterator(); it.hasNext(); ) {
        Held h = it.next();
        if (nowNanos - h.sinceNanos >= confirmDelayNanos) {
          confirmed.add(h.instance.id());
          it.remove();
        }
      }
    }
    List<Instance> candidates = new ArrayList<>();
    for (Instance i : shown.values()) {
      if (!truth.containsKey(i.id())
          && !held.containsKey(i.id())
          && !confirmed.contains(i.id())
          && i.health() == Health.PASSING) {
        candidates.add(i);
      }
    }
    if (enabled
        && !candidates.isEmpty()
        && (truth.isEmpty() || candidates.size() > maxShare * shown.size())) {
      for (Instance i : candidates) {
        held.put(i.id(), new Held(i, nowNanos));
      }
    }
    Map<String, Instance> out = new TreeMap<>(truth);
    for (Held h : held.values()) {
      out.putIfAbsent(h.instance.id(), h.instance);
    }
    return out;
  }

  /** The withheld instances, in the order their holds began. */
  List<Instance> withheld() {
    List<Instance> out = new ArrayList<>(held.size());
    for (Held h : held.values()) {
      out.add(h.instance);
    }
    return out;
  }

  /** When the oldest hold may be confirmed, or -1 when nothing is held. */
  long nextConfirmNanos() {
    Iterator<Held> it = held.values().iterator();
    long min = Long.MAX_VALUE;
    while (it.hasNext()) {
      min = Math.min(min, it.next().sinceNanos + confirmDelayNanos);
    }
    return held.isEmpty() ? -1 : min;
  }

  /** Forgets every hold (the registry answered for the first time after a disk snapshot). */
  void clear() {
    held.clear();
  }

  private static final class Held {
    final Instance instance;
    final long sinceNanos;

    Held(Instance instance, long sinceNanos) {
      this.instance = instance;
      this.sinceNanos = sinceNanos;
    }
  }
}
