package dev.cairn.server.core;

/** Why a service watch delivers a whole snapshot rather than events. */
public enum SnapshotReason {
  /** The watch started from revision 0. */
  INITIAL,
  /**
   * The watcher fell behind: its buffer overflowed, or a resume would have replayed more events
   * than that buffer holds. The snapshot replaces the events it skipped.
   */
  RESYNC,
  /**
   * The watch resumed from a revision older than the event history still reaches for this service
   * (it was compacted away, or the server restarted or restored a snapshot after it).
   */
  COMPACTED
}
