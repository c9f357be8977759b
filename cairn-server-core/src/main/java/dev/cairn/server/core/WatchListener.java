package dev.cairn.server.core;

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
   * Whether the transport can take more now. While it answers false, changes queue up in the
   * watch's bounded buffer; call {@link Watch#ready()} when it can take more again. A buffer that
   * overflows is dropped and replaced by one snapshot.
   */
  default boolean isReady() {
    return true;
  }

  /** The full state of the watched service; the watcher replaces what it holds. */
  default void onSnapshot(ServiceSnapshot snapshot, boolean resync) {}

  /** Ordered changes to the watched service, all newer than what was delivered before. */
  default void onEvents(java.util.List<ServiceEvent> events) {}

  /** The namespace's service list changed (service-list watches only). */
  default void onServiceList(ServiceList list) {}

  /** The watch ended because the registry is closing. */
  default void onClosed() {}
}
