package dev.cairn.server.core;

import java.util.List;
import java.util.concurrent.Executor;

/**
 * Receives what a {@link Watch} delivers. Calls for one watch are sequential (never concurrent) and
 * come from {@link #executor()}, or the registry's watch executor when that is null; they must not
 * block.
 */
public interface WatchListener {

  /**
   * Where this watch's deliveries run: e.g. the event loop of the connection that carries the
   * watch, so that the thread that owns the connection writes them, with no hand-over between
   * threads; {@code null} (the default) for the registry's shared watch executor. Asked once, when
   * the watch starts. Tasks run on it never block; an executor that rejects them (shut down) gets
   * them run on the caller's thread.
   */
  default Executor executor() {
    return null;
  }

  /**
   * Who is watching, for the report of a drain ({@link Registry#awaitDrained}): the transport, the
   * client's address and how it confirms deliveries, e.g. {@code grpc 127.0.0.1:50412 (acks)}.
   * Asked once, when the watch starts.
   */
  default String description() {
    return "watch";
  }

  /**
   * Whether the transport can take more now. While it answers false, changes queue up in the
   * watch's bounded buffer; call {@link Watch#ready()} when it can take more again. A buffer that
   * overflows is dropped and replaced by one snapshot.
   */
  default boolean isReady() {
    return true;
  }

  /**
   * The full state of the watched service; the watcher replaces what it holds. {@code resync} is
   * true for {@link SnapshotReason#RESYNC}.
   */
  default void onSnapshot(ServiceSnapshot snapshot, boolean resync) {}

  /**
   * The full state of the watched service, and why it is sent; {@code compactRevision} is, for
   * {@link SnapshotReason#COMPACTED}, the oldest revision the watch could have resumed from (0
   * otherwise). By default calls {@link #onSnapshot(ServiceSnapshot, boolean)}.
   */
  default void onSnapshot(ServiceSnapshot snapshot, SnapshotReason reason, long compactRevision) {
    onSnapshot(snapshot, reason == SnapshotReason.RESYNC);
  }

  /**
   * The first delivery of a watch resumed from a revision: the events after it, replayed from the
   * registry's event history (possibly none), after which the watch is live. {@code revision} is
   * the last event's revision, or the revision resumed from when there is none. By default calls
   * {@link #onEvents} when there are events.
   */
  default void onResumed(long revision, List<ServiceEvent> events) {
    if (!events.isEmpty()) {
      onEvents(events);
    }
  }

  /** Ordered changes to the watched service, all newer than what was delivered before. */
  default void onEvents(List<ServiceEvent> events) {}

  /** The namespace's service list changed (service-list watches only). */
  default void onServiceList(ServiceList list) {}

  /** The watch ended because the registry is closing. */
  default void onClosed() {}
}
