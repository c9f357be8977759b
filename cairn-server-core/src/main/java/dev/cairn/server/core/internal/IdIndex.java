package dev.cairn.server.core.internal;

import dev.cairn.common.Instance;

/**
 * The instances of one service by id, for the apply thread: an open-addressing table of the
 * instances themselves (linear probing, Fibonacci hashing, at most 3/4 full), so a lookup hashes
 * once instead of comparing ids along a binary search, changes cost O(1) each, and the index adds
 * 4–8 bytes per instance. Not thread-safe.
 */
final class IdIndex {

  private static final int GOLDEN = 0x9E3779B9;
  private static final int MIN_BITS = 2;

  private Instance[] table = new Instance[1 << MIN_BITS];
  private int shift = 32 - MIN_BITS;
  private int size;

  int size() {
    return size;
  }

  /** The instance with {@code id}, or null. */
  Instance get(String id) {
    Instance[] t = table;
    int mask = t.length - 1;
    int hash = id.hashCode();
    for (int i = home(hash); ; i = (i + 1) & mask) {
      Instance candidate = t[i];
      if (candidate == null || matches(candidate, id, hash)) {
        return candidate;
      }
    }
  }

  /** Removes every instance. */
  void clear() {
    table = new Instance[1 << MIN_BITS];
    shift = 32 - MIN_BITS;
    size = 0;
  }

  // A String caches its hash code: comparing it first spares reading the bytes of every id a
  // probe passes (a lookup of a new id passes several at 3/4 load).
  private static boolean matches(Instance candidate, String id, int hash) {
    String other = candidate.id();
    return other.hashCode() == hash && other.equals(id);
  }

  /** Adds {@code instance}, or replaces the one with its id. */
  void put(Instance instance) {
    if ((size + 1) * 4 > table.length * 3) {
      resize(table.length * 2);
    }
    Instance[] t = table;
    int mask = t.length - 1;
    String id = instance.id();
    int hash = id.hashCode();
    for (int i = home(hash); ; i = (i + 1) & mask) {
      Instance candidate = t[i];
      if (candidate == null) {
        t[i] = instance;
        size++;
        return;
      }
      if (matches(candidate, id, hash)) {
        t[i] = instance;
        return;
      }
    }
  }

  /** Removes the instance with {@code id}, if any. */
  void remove(String id) {
    Instance[] t = table;
    int mask = t.length - 1;
    int hash = id.hashCode();
    int hole = home(hash);
    while (true) {
      Instance candidate = t[hole];
      if (candidate == null) {
        return;
      }
      if (matches(candidate, id, hash)) {
        break;
      }
      hole = (hole + 1) & mask;
    }
    t[hole] = null;
    size--;
    // Shift back the entries after the hole that could no longer be found past it (Knuth's
    // algorithm R): an entry moves when its home slot is not cyclically within (hole, j].
    for (int j = (hole + 1) & mask; t[j] != null; j = (j + 1) & mask) {
      int k = home(t[j].id().hashCode());
      boolean reachable = hole <= j ? hole < k && k <= j : hole < k || k <= j;
      if (!reachable) {
        t[hole] = t[j];
        t[j] = null;
        hole = j;
      }
    }
    if (table.length > (1 << MIN_BITS) && size * 8 < table.length) {
      resize(table.length / 2);
    }
  }

  private int home(int hash) {
    return (hash * GOLDEN) >>> shift;
  }

  private void resize(int capacity) {
    Instance[] old = table;
    table = new Instance[capacity];
    shift = 32 - Integer.numberOfTrailingZeros(capacity);
    size = 0;
    for (Instance instance : old) {
      if (instance != null) {
        put(instance);
      }
    }
  }
}
