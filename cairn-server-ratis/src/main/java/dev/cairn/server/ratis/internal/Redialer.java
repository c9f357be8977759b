package dev.cairn.server.ratis.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * Dials other members again by dropping this member's Raft channel to each, at most once a period,
 * so that the next call connects afresh: while the member knows no leader, to all the others, so
 * that its vote requests do not wait for gRPC's reconnect backoff (up to two minutes after a long
 * outage, decision 0181); while it leads, to each follower silent for seconds, whose connection may
 * go nowhere after a network partition healed (decision 0191). Dropping a channel may wait for the
 * calls still on it (a few seconds at most), so the drops run on the executor given, one round at a
 * time; a round still running makes later ones wait for the next sample.
 */
final class Redialer {

  private final LongSupplier nanoClock;
  private final long periodNanos;
  private final Consumer<RaftPeerId> drop;
  private final Executor executor;
  private final Map<RaftPeerId, Long> lastDropped = new ConcurrentHashMap<>();
  private final AtomicBoolean running = new AtomicBoolean();

  /**
   * @param nanoClock the time in nanoseconds ({@code System::nanoTime} outside tests)
   * @param periodNanos the least time between two drops of one peer's channel
   * @param drop drops one peer's channel; may block, never called on the caller's thread
   * @param executor where the drops run
   */
  Redialer(LongSupplier nanoClock, long periodNanos, Consumer<RaftPeerId> drop, Executor executor) {
    this.nanoClock = nanoClock;
    this.periodNanos = periodNanos;
    this.drop = drop;
    this.executor = executor;
  }

  /** Drops the channel of each of {@code peers} not dropped within the period. */
  void redial(Collection<RaftPeerId> peers) {
    long now = nanoClock.getAsLong();
    List<RaftPeerId> due = new ArrayList<>();
    for (RaftPeerId p : peers) {
      Long last = lastDropped.get(p);
      if (last == null || now - last >= periodNanos) {
        due.add(p);
      }
    }
    if (due.isEmpty() || !running.compareAndSet(false, true)) {
      return;
    }
    for (RaftPeerId p : due) {
      lastDropped.put(p, now);
    }
    try {
      executor.execute(() -> dropAll(due));
    } catch (RuntimeException e) {
      running.set(false); // shutting down
    }
  }

  private void dropAll(List<RaftPeerId> peers) {
    try {
      for (RaftPeerId p : peers) {
        try {
          drop.accept(p);
        } catch (RuntimeException e) {
          // not known to the transport yet, or closing: the election reaches it or nothing does
        }
      }
    } finally {
      running.set(false);
    }
  }
}
