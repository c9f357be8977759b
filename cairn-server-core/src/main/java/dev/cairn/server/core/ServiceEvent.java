package dev.cairn.server.core;

import dev.cairn.common.Instance;

/**
 * One change to a service's instances, at the revision that made it. For {@link Type#REMOVED}
 * {@code instance} is the instance as it was before removal.
 */
public record ServiceEvent(Type type, long revision, Instance instance) {

  /** What happened to the instance. */
  public enum Type {
    ADDED,
    UPDATED,
    REMOVED
  }
}
