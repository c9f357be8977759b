package dev.cairn.server.internal.limits;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * Counts what each ACL token (by accessor id) holds open — watches, sessions — against a limit,
 * across connections, addresses and listeners: one per server for each kind (see {@link
 * TokenQuotas}), shared by the HTTP and gRPC APIs and the front doors (decisions 0170, 0175).
 *
 * <p>Most places are given back by whoever took them when the thing ends (a stream's end). A place
 * taken with {@link #tryAcquireWhile} is held while its condition says so: for a session that may
 * end where its taker does not see it (a Eureka lease that expires, decision 0177), it is given
 * back when the taker releases it or, at the latest, when the token is full and the condition says
 * the session has ended. Thread-safe.
 */
public final class TokenQuota extends Quota<String> {

  // The places taken with a condition, by token.
  private final ConcurrentHashMap<String, Set<BooleanSupplier>> conditional =
      new ConcurrentHashMap<>();

  /**
   * @throws IllegalArgumentException when {@code max} is below 1
   */
  public TokenQuota(int max) {
    super(max);
  }

  /**
   * Takes one for {@code token}, held while {@code held} answers true (it is asked only when the
   * token is full; it must not block). Give it back with {@link #releaseWhile}.
   */
  public boolean tryAcquireWhile(String token, BooleanSupplier held) {
    if (!tryAcquire(token)) {
      return false;
    }
    conditional.compute(
        token,
        (k, v) -> {
          Set<BooleanSupplier> set = v == null ? ConcurrentHashMap.newKeySet() : v;
          set.add(held);
          return set;
        });
    return true;
  }

  /** Gives back the place {@code held} took for {@code token}, unless it was reclaimed already. */
  public void releaseWhile(String token, BooleanSupplier held) {
    Set<BooleanSupplier> set = conditional.get(token);
    if (set != null && set.remove(held)) {
      release(token);
      conditional.computeIfPresent(token, (k, v) -> v.isEmpty() ? null : v);
    }
  }

  @Override
  protected boolean reclaim(String token) {
    Set<BooleanSupplier> set = conditional.get(token);
    if (set == null) {
      return false;
    }
    boolean any = false;
    for (BooleanSupplier h : set) {
      if (!h.getAsBoolean() && set.remove(h)) {
        release(token);
        any = true;
      }
    }
    conditional.computeIfPresent(token, (k, v) -> v.isEmpty() ? null : v);
    return any;
  }
}
