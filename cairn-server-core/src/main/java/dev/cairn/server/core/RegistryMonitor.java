package dev.cairn.server.core;

import dev.cairn.common.Health;
import dev.cairn.common.InstanceKind;
import java.util.List;

/**
 * Told by a {@link Registry} what it does, for metrics; set with {@link
 * RegistryOptions.Builder#monitor}. The core stays free of any metrics library: the server binds
 * these calls to its meters.
 *
 * <p>Calls come from the registry's threads (the apply thread, the watch executor, the threads that
 * complete writes), concurrently: implementations must be thread-safe, fast and never block. Every
 * method does nothing by default.
 */
public interface RegistryMonitor {

  /** A monitor that ignores everything; the default. */
  RegistryMonitor NONE = new RegistryMonitor() {};

  /** An instance of {@code kind} was registered (or replaced) and the change is committed. */
  default void registered(InstanceKind kind) {}

  /** An instance was deregistered by a client and the change is committed. */
  default void deregistered() {}

  /**
   * The changes {@code events} were applied to {@code service} of {@code namespace}, in the order
   * they were made (one revision's events together). Called on the apply thread, before watchers
   * are told: it must return at once.
   */
  default void serviceChanged(String namespace, String service, List<ServiceEvent> events) {}

  /** A session was opened, or {@code resumed} within its TTL. */
  default void sessionOpened(boolean resumed) {}

  /** A session's lease ran out and the session is closed, its instances removed. */
  default void sessionExpired() {}

  /**
   * A watch handed {@code events} events (one batch) to its transport, {@code lagNanos} after the
   * oldest of them was committed.
   */
  default void eventsDelivered(int events, long lagNanos) {}

  /** A watch handed a snapshot to its transport; {@code resync} when it replaced lost events. */
  default void snapshotDelivered(boolean resync) {}

  /**
   * A health probe of {@code type} ({@code http}, {@code tcp}, {@code grpc}) ended with {@code
   * result} (CRITICAL when it failed or timed out) after {@code nanos}. Called on the health
   * checker's thread.
   */
  default void healthProbed(String type, Health result, long nanos) {}

  /**
   * A healthy-only read was answered with every instance, healthy or not, because fewer than the
   * service's protection threshold were healthy.
   */
  default void protectionApplied() {}
}
