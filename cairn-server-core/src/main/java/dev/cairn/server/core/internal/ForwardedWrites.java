package dev.cairn.server.core.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The leader's memory of the batches other members forwarded to it (decision 0107): the results of
 * the last {@code capacity} batches applied, by batch id, and the batches in flight. A member sends
 * a batch again when it got no answer (the leader died, a request timed out); the leader then
 * answers from here instead of applying the commands twice, so a forwarded write is applied once
 * across a failover, as a write through Ratis's own retry cache was.
 *
 * <p>Every member records applied batches as it applies them (the ids are in the log), so a new
 * leader knows what its predecessor applied: it leads only once every earlier entry is applied. A
 * member restarted from a snapshot forgets the batches before it; a batch sent again across that is
 * applied again (registrations are idempotent; a second deregistration answers not found).
 *
 * <p>Thread-safe: {@link #applied} runs on the apply thread, the rest on any.
 */
final class ForwardedWrites {

  private final Map<Long, List<Result>> applied;
  private final ConcurrentHashMap<Long, CompletableFuture<List<Result>>> inFlight =
      new ConcurrentHashMap<>();

  ForwardedWrites(int capacity) {
    this.applied =
        new LinkedHashMap<>(Math.min(capacity, 1024), 0.75f, false) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<Long, List<Result>> eldest) {
            return size() > capacity;
          }
        };
  }

  /** Records that batch {@code batchId} was applied with {@code results}; on the apply thread. */
  void applied(long batchId, List<Result> results) {
    synchronized (applied) {
      applied.put(batchId, results);
    }
  }

  /**
   * Starts batch {@code batchId} unless it was applied or is in flight: returns the future of its
   * results, and whether the caller must submit it (it is new) and then complete the future.
   */
  Start start(long batchId) {
    List<Result> done;
    synchronized (applied) {
      done = applied.get(batchId);
    }
    if (done != null) {
      return new Start(CompletableFuture.completedFuture(done), false);
    }
    CompletableFuture<List<Result>> mine = new CompletableFuture<>();
    CompletableFuture<List<Result>> existing = inFlight.putIfAbsent(batchId, mine);
    if (existing != null) {
      return new Start(existing, false);
    }
    // Applied between the first look and the put: answer from the record.
    synchronized (applied) {
      done = applied.get(batchId);
    }
    if (done != null) {
      inFlight.remove(batchId, mine);
      mine.complete(done);
      return new Start(mine, false);
    }
    mine.whenComplete((r, e) -> inFlight.remove(batchId, mine));
    return new Start(mine, true);
  }

  /** The answer of {@link #start}. */
  record Start(CompletableFuture<List<Result>> results, boolean submit) {}
}
