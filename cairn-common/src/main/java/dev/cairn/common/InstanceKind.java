package dev.cairn.common;

/** How long an instance lives. */
public enum InstanceKind {
  /** Owned by a session; removed when the session closes or expires. */
  EPHEMERAL,
  /** Lives until deregistered; health-checked by the server. */
  PERSISTENT
}
