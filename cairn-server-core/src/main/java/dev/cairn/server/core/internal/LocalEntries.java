package dev.cairn.server.core.internal;

import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The command batches this process appended to the log and has not seen applied yet, by batch id,
 * so that applying them needs no decoding. Ids start at a random point per process, so entries
 * written by an earlier process (replayed after a restart) never match. Thread-safe.
 */
final class LocalEntries {

  private final ConcurrentHashMap<Long, List<Command>> pending = new ConcurrentHashMap<>();
  private final AtomicLong nextId = new AtomicLong(new SecureRandom().nextLong());

  /** Holds {@code commands} under a new id and returns the id. */
  long hold(List<Command> commands) {
    long id = nextId.getAndIncrement();
    pending.put(id, commands);
    return id;
  }

  /** Takes back the commands held under {@code id}, or null when this process holds none. */
  List<Command> take(long id) {
    return pending.remove(id);
  }

  /** Whether this process holds a batch under {@code id}: one of its entries not yet applied. */
  boolean holds(long id) {
    return pending.containsKey(id);
  }

  /** Forgets everything held (the log is closed: nothing more will be applied). */
  void clear() {
    pending.clear();
  }
}
