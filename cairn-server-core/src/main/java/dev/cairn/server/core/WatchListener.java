package dev.cairn.server.core;

/**
 * Receives what a {@link Watch} delivers. Calls for one watch are sequential (never concurrent) and
 * come from the registry's watch executor; they must not block.
 */
public interface WatchListener {

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
