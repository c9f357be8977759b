package dev.cairn.client;

import static java.util.Objects.requireNonNull;

import dev.cairn.common.Instance;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The live set of one service's instances, kept current by a watch on the registry and a periodic
 * reconcile, and kept when the registry cannot be reached (fail-static). One view per service and
 * client, shared by every caller of {@link CairnClient#view(String)}; it lives as long as its
 * client.
 *
 * <p>Reads never do I/O and never block: {@link #snapshot()} returns an immutable value. Listeners
 * are called sequentially on the client's event thread; they must return quickly and never block.
 */
public interface ServiceView {

  /** The service this view follows. */
  String service();

  /** The current state, immutable. */
  Snapshot snapshot();

  /** The current instances, sorted by id; immutable. Same as {@code snapshot().instances()}. */
  default List<Instance> instances() {
    return snapshot().instances();
  }

  /** The registry revision the instances were read at; 0 when none was read yet. */
  default long revision() {
    return snapshot().revision();
  }

  /** Whether the view is not being kept current right now (its watch is down). */
  default boolean isStale() {
    return snapshot().isStale();
  }

  /**
   * How long the view has not been kept current: zero while its watch is live, else the time since
   * it last heard from a registry (or since it was created, when it never did).
   */
  Duration staleness();

  /**
   * Adds a listener, called with the current snapshot at once if the view is {@link #ready()}, and
   * then after every change of instances or staleness. Closing the returned subscription removes
   * it.
   */
  Subscription addListener(Listener listener);

  /**
   * Completes with this view once it has instances to offer from the registry or from a disk
   * snapshot (the list may be empty when the registry says so). Never fails; it stays incomplete
   * while nothing is known.
   */
  CompletableFuture<ServiceView> ready();

  /**
   * Completes with the instances as soon as there is at least one, or fails when {@code timeout}
   * passes without any with a {@link dev.cairn.common.CairnException}: {@code NOT_FOUND} when a
   * registry answered that the service has none, {@code UNAVAILABLE} when no registry answered and
   * no disk snapshot knew it.
   */
  CompletableFuture<List<Instance>> awaitInstances(Duration timeout);

  /** Called on the client's event thread after a view changed; must not block. */
  @FunctionalInterface
  interface Listener {
    void onChange(Snapshot snapshot);
  }

  /** A listener's registration; {@link #close()} removes the listener (idempotent). */
  interface Subscription extends AutoCloseable {
    @Override
    void close();
  }

  /** Where a view's instances came from. */
  enum Source {
    /** Nothing is known yet. */
    NONE,
    /** Read from the disk snapshot at start; no registry answered yet. */
    DISK,
    /** Read from a registry. */
    REGISTRY
  }

  /** One immutable state of a view. */
  final class Snapshot {
    private final List<Instance> instances;
    private final long revision;
    private final boolean stale;
    private final Source source;
    private final List<Instance> withheld;

    private Snapshot(
        List<Instance> instances,
        long revision,
        boolean stale,
        Source source,
        List<Instance> withheld) {
      this.instances = List.copyOf(instances);
      this.revision = revision;
      this.stale = stale;
      this.source = requireNonNull(source, "source");
      this.withheld = List.copyOf(withheld);
    }

    /**
     * A snapshot; {@code instances} and {@code withheld} are copied. Public for tests of listeners.
     */
    public static Snapshot of(
        List<Instance> instances,
        long revision,
        boolean stale,
        Source source,
        List<Instance> withheld) {
      return new Snapshot(instances, revision, stale, source, withheld);
    }

    /** The instances to use, sorted by id (including {@link #withheld()} ones). */
    public List<Instance> instances() {
      return instances;
    }

    public long revision() {
      return revision;
    }

    public boolean isStale() {
      return stale;
    }

    public Source source() {
      return source;
    }

    /**
     * Instances the registry no longer lists but that the removal guard keeps until the removal is
     * confirmed (they are part of {@link #instances()}); empty normally.
     */
    public List<Instance> withheld() {
      return withheld;
    }

    @Override
    public String toString() {
      return "Snapshot{rev="
          + revision
          + " "
          + source
          + (stale ? " stale" : "")
          + " "
          + instances.size()
          + " instances"
          + (withheld.isEmpty() ? "" : ", " + withheld.size() + " withheld")
          + "}";
    }
  }
}
