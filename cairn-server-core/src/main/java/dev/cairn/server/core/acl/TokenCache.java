package dev.cairn.server.core.acl;

import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Compiled authorizers by the token secret presented, so that a request whose token was seen since
 * the last ACL change is checked without hashing, compiling or allocating: a fixed table indexed by
 * the secret's {@link String#hashCode()}, each slot holding the last secret seen there with its
 * authorizer and the ACL generation it was compiled at. The secret is compared in constant time. A
 * miss (or a change of generation) resolves through the slow path and takes the slot. Thread-safe:
 * slots hold immutable entries, and a stale one is only ever a miss.
 */
public final class TokenCache {

  private static final int SLOTS = 1024;

  private final Entry[] slots = new Entry[SLOTS];
  private final Function<String, Authorizer> resolve;
  private final LongSupplier generation;

  /**
   * A cache over {@code resolve} (a secret to its authorizer, {@link Authorizer#UNKNOWN} when no
   * token has it), invalidated whenever {@code generation} changes.
   */
  public TokenCache(Function<String, Authorizer> resolve, LongSupplier generation) {
    this.resolve = resolve;
    this.generation = generation;
  }

  /** The authorizer of the token whose secret is {@code secret}. */
  public Authorizer get(String secret) {
    long gen = generation.getAsLong();
    int slot = secret.hashCode() & (SLOTS - 1);
    Entry e = slots[slot];
    if (e != null && e.generation == gen && Secrets.sameText(e.secret, secret)) {
      return e.authorizer;
    }
    Authorizer a = resolve.apply(secret);
    slots[slot] = new Entry(secret, gen, a);
    return a;
  }

  private record Entry(String secret, long generation, Authorizer authorizer) {}
}
