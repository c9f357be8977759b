package dev.cairn.client;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/**
 * What {@link Registration#deregisterAndDrain} found: whether every client watching the service
 * received the instance's removal, on every registry this client knows. Immutable.
 */
public final class DrainResult {

  private final long revision;
  private final int watchers;
  private final List<String> pending;
  private final List<String> unreachable;
  private final int answered;
  private final Duration waited;

  private DrainResult(
      long revision,
      int watchers,
      List<String> pending,
      List<String> unreachable,
      int answered,
      Duration waited) {
    this.answered = answered;
    this.revision = revision;
    this.watchers = watchers;
    this.pending = List.copyOf(pending);
    this.unreachable = List.copyOf(unreachable);
    this.waited = requireNonNull(waited, "waited");
  }

  /**
   * A result: {@code watchers} counted by the {@code answered} registries that answered, {@code
   * pending} and {@code unreachable} as descriptions.
   */
  public static DrainResult of(
      long revision,
      int watchers,
      List<String> pending,
      List<String> unreachable,
      int answered,
      Duration waited) {
    return new DrainResult(
        revision,
        watchers,
        requireNonNull(pending, "pending"),
        requireNonNull(unreachable, "unreachable"),
        answered,
        waited);
  }

  /**
   * True when at least one registry answered and, on every registry that answered, every watcher of
   * the service received the removal. Registries that could not be asked are in {@link
   * #unreachable()} (their watchers lost their streams and resume elsewhere, where they get the
   * removal first).
   */
  public boolean drained() {
    return answered > 0 && pending.isEmpty();
  }

  /** How many registries answered. */
  public int registriesAnswered() {
    return answered;
  }

  /** The revision of the removal. */
  public long revision() {
    return revision;
  }

  /** The watchers of the service counted by the registries that answered. */
  public int watchers() {
    return watchers;
  }

  /**
   * The watchers that had not received the removal when the wait ended, each as {@code registry:
   * watcher (acknowledged N)}; empty when drained.
   */
  public List<String> pending() {
    return pending;
  }

  /** The registries that could not be asked, each with the reason. */
  public List<String> unreachable() {
    return unreachable;
  }

  /** How long deregistering and waiting took. */
  public Duration waited() {
    return waited;
  }

  @Override
  public String toString() {
    return (drained() ? "drained" : "not drained")
        + " at revision "
        + revision
        + ": "
        + watchers
        + " watchers, "
        + pending.size()
        + " behind"
        + (pending.isEmpty() ? "" : " " + pending)
        + (unreachable.isEmpty() ? "" : ", unreachable " + unreachable)
        + ", "
        + waited.toMillis()
        + " ms";
  }
}
