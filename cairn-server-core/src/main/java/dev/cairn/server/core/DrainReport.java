package dev.cairn.server.core;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/**
 * The answer of {@link Registry#awaitDrained}: whether every watcher of a service on this registry
 * received a revision, and which had not when the wait ended. Immutable.
 */
public final class DrainReport {

  private final long revision;
  private final int watchers;
  private final List<PendingWatcher> pending;
  private final Duration waited;

  private DrainReport(long revision, int watchers, List<PendingWatcher> pending, Duration waited) {
    this.revision = revision;
    this.watchers = watchers;
    this.pending = List.copyOf(pending);
    this.waited = requireNonNull(waited, "waited");
  }

  /** A report on {@code revision}: {@code watchers} counted, {@code pending} of them behind. */
  public static DrainReport of(
      long revision, int watchers, List<PendingWatcher> pending, Duration waited) {
    return new DrainReport(revision, watchers, requireNonNull(pending, "pending"), waited);
  }

  /** True when no watcher is behind {@link #revision()}. */
  public boolean drained() {
    return pending.isEmpty();
  }

  /** The revision waited for. */
  public long revision() {
    return revision;
  }

  /** The watchers of the service counted when the wait ended (streams and polling clients). */
  public int watchers() {
    return watchers;
  }

  /** The watchers that had not received {@link #revision()}; empty when drained. */
  public List<PendingWatcher> pending() {
    return pending;
  }

  /** How long the wait took. */
  public Duration waited() {
    return waited;
  }

  @Override
  public String toString() {
    return (drained() ? "drained" : "not drained")
        + " at revision "
        + revision
        + " ("
        + watchers
        + " watchers, "
        + pending.size()
        + " behind, "
        + waited.toMillis()
        + " ms)";
  }

  /**
   * A watcher that had not received the revision: its {@link WatchListener#description()} and the
   * last revision it confirmed (0 when none).
   */
  public record PendingWatcher(String watcher, long acknowledged) {
    public PendingWatcher {
      requireNonNull(watcher, "watcher");
    }
  }
}
