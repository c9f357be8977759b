package dev.cairn.server.core.internal;

import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;

/**
 * Futures waiting for the catalog to reach a revision: a read that asks for at least revision N on
 * a member that has not applied it yet. Completed by the apply thread. Thread-safe.
 */
final class RevisionWaits {

  private final PriorityQueue<Wait> waits = new PriorityQueue<>();

  /** Completes once {@link #reached} was told a revision of at least {@code revision}. */
  CompletableFuture<Void> await(long revision, long current) {
    if (current >= revision) {
      return CompletableFuture.completedFuture(null);
    }
    Wait w = new Wait(revision);
    synchronized (waits) {
      waits.add(w);
    }
    return w.future;
  }

  /** The catalog reached {@code revision}; completes every wait it satisfies. */
  void reached(long revision) {
    while (true) {
      Wait w;
      synchronized (waits) {
        w = waits.peek();
        if (w == null || w.revision > revision) {
          return;
        }
        waits.poll();
      }
      w.future.complete(null);
    }
  }

  int size() {
    synchronized (waits) {
      return waits.size();
    }
  }

  private static final class Wait implements Comparable<Wait> {
    final long revision;
    final CompletableFuture<Void> future = new CompletableFuture<>();

    Wait(long revision) {
      this.revision = revision;
    }

    @Override
    public int compareTo(Wait o) {
      return Long.compare(revision, o.revision);
    }
  }
}
